import { expect } from 'chai';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { createTraceAdmin, type TraceAdminOptions } from 'koa-mellon';
import { createMemoryStore, createTraceStore, type StateStore, type TraceFailure, type TraceRecord } from '@koa-mellon/web';
import { Browser } from '../../packages/idp/test/helpers/browser.js';
import { RawSp } from '../../packages/idp/test/helpers/raw-sp.js';
import { IdpServer } from '../../packages/idp/test/helpers/world.js';
import { BridgeApp, baseSettings } from '../../packages/jwt/test/helpers/bridge.js';
import { COOKIE } from '@koa-mellon/jwt';
import { runCli, useTempDir } from '../../packages/koa-mellon/test/cli/run-cli.js';
import { SHARED_BACKENDS, type SharedStateServer } from '../helpers/shared-state.js';
import { requireXmlsec } from '../helpers/xmlsec.js';

const REFERENCE = /Reference: <code>([0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4})<\/code>/;

// An IdP (this process) writes its trace into a real shared store; `koa-mellon trace` (another
// process) reads it from there, with the same command as for the SP's traces.
for (const backend of SHARED_BACKENDS) describe(`koa-mellon trace reads an IdP's and a JWT bridge's traces, through ${backend.name}`, () => {
  const dir = useTempDir('trace-idp');
  const sp = new RawSp('https://signed.example.test', { keyName: 'signed-sp', authnRequestsSigned: true });
  let server: SharedStateServer;
  let store: StateStore;
  let idp: IdpServer;
  let browser: Browser;
  before(requireXmlsec);
  beforeEach(async function () {
    this.timeout(30_000);
    server = await backend.start();
    browser = new Browser();
    store = await server.connect();
    idp = await IdpServer.start(browser, [{ metadata: sp.metadata() }], { settings: { store, logger: { debug() {}, info() {}, warn() {}, error() {} } } });
  });
  afterEach(async () => {
    await idp.stop();
    // The IdP leaves the app's store open: the test is the app.
    await store.close();
    await server.stop();
  });
  const storeArgs = () => [backend.name === 'Redis' ? '--redis' : '--postgres', server.url];

  /** An AuthnRequest for an ACS the SP's metadata does not register: the reference on the page. */
  async function refusedRequest(): Promise<string> {
    const stop = await browser.go(sp.redirectRequest(idp.idp.urls.sso, { assertionConsumerServiceUrl: 'https://evil.example/acs' }).url);
    const reference = REFERENCE.exec(stop.body ?? '')?.[1];
    if (!reference) throw new Error('no reference on the page');
    return reference;
  }

  it('prints the IdP trace: role, steps, the expected and received ACS, the AuthnRequest', async () => {
    const reference = await refusedRequest();
    const result = await runCli(['trace', reference.toLowerCase(), ...storeArgs()], dir());
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.include(`trace ${reference}: idp login, refused (ACS_URL_NOT_REGISTERED)`);
    expect(result.stdout).to.include(`peer:    ${sp.entityId}`);
    expect(result.stdout).to.match(/ok +verify the signature with the SP metadata keys/);
    expect(result.stdout).to.include('received: https://evil.example/acs').and.include(`expected: [0] ${sp.acs}`);
    expect(result.stdout).to.include('AuthnRequest:');
  });

  it('--json gives the stored record', async () => {
    const reference = await refusedRequest();
    const result = await runCli(['trace', reference, '--json', ...storeArgs()], dir());
    expect(result.code, result.stderr).to.equal(0);
    expect(JSON.parse(result.stdout) as TraceRecord).to.include({ reference, role: 'idp', flow: 'login', outcome: 'refused', code: 'ACS_URL_NOT_REGISTERED' });
  });

  it('--failures lists the IdP\'s refusals under the SP', async () => {
    const reference = await refusedRequest();
    const result = await runCli(['trace', '--failures', '--json', ...storeArgs()], dir());
    expect(result.code, result.stderr).to.equal(0);
    const lists = JSON.parse(result.stdout) as { idp: string; failures: TraceFailure[] }[];
    expect(lists).to.deep.equal([{ idp: sp.entityId, failures: [{ reference, peer: sp.entityId, code: 'ACS_URL_NOT_REGISTERED', at: lists[0]?.failures[0]?.at }] }]);
  });

  it('reads a JWT bridge\'s trace from the same store, and lists its refusals beside the IdP\'s', async () => {
    const idpReference = await refusedRequest();
    const bridge = await BridgeApp.start(baseSettings(store));
    try {
      const refused = await bridge.fetch('/jwt/refresh', { method: 'POST', headers: { 'sec-fetch-site': 'same-origin' }, cookies: new Map([[COOKIE.refresh, 'not-a-token']]) });
      const { code, reference } = (await refused.json()) as { code: string; reference: string };
      expect(code).to.equal('REFRESH_TOKEN_INVALID');
      const result = await runCli(['trace', reference, ...storeArgs()], dir());
      expect(result.code, result.stderr).to.equal(0);
      expect(result.stdout).to.include(`trace ${reference}: jwt refresh, refused (REFRESH_TOKEN_INVALID)`).and.include('peer:    cookie').and.not.include('not-a-token');
      const failures = await runCli(['trace', '--failures', '--json', ...storeArgs()], dir());
      const lists = JSON.parse(failures.stdout) as { idp: string; failures: TraceFailure[] }[];
      expect(lists.map((l) => [l.idp, l.failures.map((f) => f.reference)])).to.deep.equal([
        ['cookie', [reference]],
        [sp.entityId, [idpReference]],
      ]);
    } finally {
      await bridge.stop();
    }
  });
});

/** The admin API on an app of its own; returns a GET that answers status and JSON. */
async function admin(options: Omit<TraceAdminOptions, 'prefix' | 'authorize'>): Promise<{ get(path: string): Promise<[number, unknown]>; close(): void }> {
  const app = new Koa();
  app.use(createTraceAdmin({ prefix: '/admin/traces', authorize: () => true, ...options }));
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/admin/traces`;
  return {
    get: async (path) => {
      const response = await fetch(`${base}${path}`);
      return [response.status, await response.json()];
    },
    close: () => server.close(),
  };
}

describe('createTraceAdmin reads an IdP\'s traces', () => {
  const sp = new RawSp('https://signed.example.test', { keyName: 'signed-sp', authnRequestsSigned: true });
  before(requireXmlsec);

  /** An IdP on `settings`; one refused AuthnRequest; its reference. */
  async function refusedAt(idp: IdpServer, browser: Browser): Promise<string> {
    const stop = await browser.go(sp.redirectRequest(idp.idp.urls.sso, { assertionConsumerServiceUrl: 'https://evil.example/acs' }).url);
    const reference = REFERENCE.exec(stop.body ?? '')?.[1];
    if (!reference) throw new Error('no reference on the page');
    return reference;
  }

  it('from the store the IdP writes to (every role\'s namespace is read)', async () => {
    const store = createMemoryStore();
    const browser = new Browser();
    const idp = await IdpServer.start(browser, [{ metadata: sp.metadata() }], { settings: { store, logger: { debug() {}, info() {}, warn() {}, error() {} } } });
    const api = await admin({ traces: store });
    try {
      const reference = await refusedAt(idp, browser);
      const [status, record] = await api.get(`/${reference}`);
      expect(status).to.equal(200);
      expect(record).to.include({ reference, role: 'idp', code: 'ACS_URL_NOT_REGISTERED' });
      const [, lists] = await api.get('/');
      expect((lists as { idp: string; failures: TraceFailure[] }[]).map((l) => [l.idp, l.failures.map((f) => f.reference)])).to.deep.equal([[sp.entityId, [reference]]]);
    } finally {
      api.close();
      await idp.stop();
      await store.close();
    }
  });

  it('from several roles\' own trace stores (idp.traces beside mellon.traces)', async () => {
    const browser = new Browser();
    const idp = await IdpServer.start(browser, [{ metadata: sp.metadata() }], { settings: { logger: { debug() {}, info() {}, warn() {}, error() {} } } });
    const other = createMemoryStore();
    const api = await admin({ traces: [readerOf(other), idp.idp.traces as NonNullable<typeof idp.idp.traces>] });
    try {
      const reference = await refusedAt(idp, browser);
      expect((await api.get(`/${reference}`))[0]).to.equal(200);
      expect(await api.get('/ZZZZ-ZZZZ')).to.deep.equal([404, { error: 'TRACE_UNKNOWN' }]);
    } finally {
      api.close();
      await idp.stop();
      await other.close();
    }
  });
});

/** Another role's (empty) traces, as `mellon.traces` would be. */
function readerOf(store: ReturnType<typeof createMemoryStore>) {
  return createTraceStore(store.namespace('sp-traces'));
}
