import { expect } from 'chai';
import type { TraceFailure, TraceRecord } from '@koa-mellon/web';
import { requireXmlsec } from '../../../../test/helpers/xmlsec.js';
import { IDP_ENTITY_ID } from '../../../../test/helpers/response-fixture.js';
import { SHARED_BACKENDS, type SharedStateServer } from '../../../../test/helpers/shared-state.js';
import { TestSp } from '../harness.js';
import { runCli, useTempDir } from './run-cli.js';

// The SP (this process) writes a trace into a real shared store; the CLI (another process)
// reads it from there, as an operator would on a machine next to the app.
for (const backend of SHARED_BACKENDS) describe(`koa-mellon trace, through ${backend.name}`, () => {
  const dir = useTempDir('trace');
  let server: SharedStateServer;
  let sp: TestSp;
  before(requireXmlsec);
  beforeEach(async function () {
    this.timeout(30_000);
    server = await backend.start();
    sp = await TestSp.start('/accounts/mellon', { store: await server.connect(), logger: { debug() {}, info() {}, warn() {}, error() {} } });
  });
  afterEach(async () => {
    await sp.stop();
    await server.stop();
  });
  const storeArgs = () => [backend.name === 'Redis' ? '--redis' : '--postgres', server.url];

  async function refusedLogin(): Promise<string> {
    const { requestId, relayState } = await sp.startLogin('?next=/reports');
    const response = await sp.post(sp.mellon.urls.login, { SAMLResponse: sp.response({ inResponseTo: requestId, audience: 'https://other-sp.test/metadata' }), RelayState: relayState });
    return ((await response.json()) as { reference: string }).reference;
  }

  it('prints the steps and the expected/received pair of a refused login, by the reference as a user reads it out', async () => {
    const reference = await refusedLogin();
    const typed = reference.toLowerCase().replace('-', ' ');
    const result = await runCli(['trace', typed, ...storeArgs()], dir());
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.include(`trace ${reference}: sp login, refused (AUDIENCE_MISMATCH)`);
    expect(result.stdout).to.include(`peer:    ${IDP_ENTITY_ID}`);
    expect(result.stdout).to.match(/ok +AuthnRequest sent/);
    expect(result.stdout).to.include(`expected: ${sp.mellon.urls.entityId}`).and.include('received: https://other-sp.test/metadata');
    expect(result.stdout).to.include('SAMLResponse:').and.not.include('alice-1234');
  });

  it('--json gives the stored record', async () => {
    const reference = await refusedLogin();
    const result = await runCli(['trace', reference, '--json', ...storeArgs()], dir());
    expect(result.code, result.stderr).to.equal(0);
    const record = JSON.parse(result.stdout) as TraceRecord;
    expect(record).to.include({ reference, outcome: 'refused', code: 'AUDIENCE_MISMATCH' });
    expect(record.steps.at(-1)?.detail).to.deep.include({ expected: sp.mellon.urls.entityId, received: 'https://other-sp.test/metadata' });
  });

  it('--failures lists the recent refusals per IdP', async () => {
    const first = await refusedLogin();
    const second = await refusedLogin();
    const result = await runCli(['trace', '--failures', '--json', ...storeArgs()], dir());
    expect(result.code, result.stderr).to.equal(0);
    const lists = JSON.parse(result.stdout) as { idp: string; failures: TraceFailure[] }[];
    expect(lists.map((l) => l.idp)).to.deep.equal([IDP_ENTITY_ID]);
    expect(lists[0]?.failures.map((f) => f.reference)).to.have.members([first, second]);
  });

  it('says so (exit 1) for a reference the store does not hold', async () => {
    const result = await runCli(['trace', 'ZZZZ-ZZZZ', ...storeArgs()], dir());
    expect(result.code).to.equal(1);
    expect(result.stderr).to.include('no trace ZZZZ-ZZZZ');
  });
});

describe('koa-mellon trace usage', () => {
  const dir = useTempDir('trace-usage');

  it('needs exactly one store', async () => {
    const result = await runCli(['trace', 'K7Q2-9XMA'], dir());
    expect(result.code).to.equal(2);
    expect(result.stderr).to.include('--redis URL or --postgres URL');
  });

  it('refuses what cannot be a reference, before connecting', async () => {
    const result = await runCli(['trace', 'not-a-ref!', '--redis', 'redis://127.0.0.1:1'], dir());
    expect(result.code).to.equal(2);
    expect(result.stderr).to.include('is not a trace reference');
  });
});
