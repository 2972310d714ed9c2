// pysaml2 (IdentityPython, Debian python3-pysaml2; it signs and encrypts with the xmlsec1 binary) as
// the IdP: koa-mellon must accept its signed, and its signed-then-encrypted, responses.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { generateIdpMetadata } from '@koa-mellon/saml';
import { testKeyPair } from '../../helpers/keys.js';
import { TestSp } from '../../../packages/koa-mellon/test/harness.js';

const run = promisify(execFile);
const PYTHON = '/usr/bin/python3';
const SCRIPT = new URL('./pysaml2_idp.py', import.meta.url).pathname;
const ENTITY_ID = 'https://pysaml2-idp.example.test';

async function requirePysaml2(): Promise<void> {
  const probe = existsSync(PYTHON) ? await run(PYTHON, ['-c', 'import saml2']).then(() => true, () => false) : false;
  if (!probe) throw new Error('pysaml2 is not installed: run scripts/install-test-deps.sh (apt-get install python3-pysaml2)');
}

describe('interop: pysaml2 as the IdP', function () {
  this.timeout(30_000);
  let sp: TestSp;
  let dir: string;
  before(requirePysaml2);
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'km-pysaml2-'));
    const idp = testKeyPair('pysaml2-idp');
    const metadata = generateIdpMetadata({ entityId: ENTITY_ID, singleSignOnServiceUrl: `${ENTITY_ID}/sso`, certificates: [idp.certPem] });
    sp = await TestSp.start('/accounts/mellon', { identityProviders: [{ metadata }] });
    writeFileSync(join(dir, 'sp.xml'), await (await sp.request(sp.mellon.urls.metadata)).text());
  });
  afterEach(async () => {
    await sp.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function pysaml2Login(encrypt: boolean): Promise<Response> {
    const { location, relayState } = await sp.startLogin('?next=/from-pysaml2');
    const samlRequest = new URL(location).searchParams.get('SAMLRequest') ?? '';
    const idp = testKeyPair('pysaml2-idp');
    const args = [SCRIPT, '--entity-id', ENTITY_ID, '--key', idp.keyPath, '--cert', idp.certPath, '--sp-metadata', join(dir, 'sp.xml'), '--saml-request', samlRequest];
    const { stdout } = await run(PYTHON, encrypt ? [...args, '--encrypt'] : args);
    const answer = JSON.parse(stdout) as { acs: string; SAMLResponse: string };
    expect(answer.acs).to.equal(sp.mellon.urls.login);
    if (encrypt) expect(Buffer.from(answer.SAMLResponse, 'base64').toString()).to.include('EncryptedAssertion').and.include('aes256-cbc');
    return sp.post(answer.acs, { SAMLResponse: answer.SAMLResponse, RelayState: relayState });
  }

  for (const encrypt of [false, true]) {
    it(`accepts its ${encrypt ? 'signed and encrypted (aes256-cbc + rsa-oaep)' : 'signed (response and assertion, rsa-sha256)'} response`, async () => {
      const response = await pysaml2Login(encrypt);
      expect(response.status).to.equal(303);
      expect(response.headers.get('location')).to.equal('/from-pysaml2');
      const me = await sp.whoami();
      expect(me.mellon?.nameIdContent).to.equal('pat-from-pysaml2');
      expect(me.user?.username).to.equal('pat-from-pysaml2@saml');
    });
  }
});
