// Lasso (Entr'ouvert; the SAML library of mod_auth_mellon and django-mellon, Debian python3-lasso)
// as the IdP: it verifies koa-mellon's signed HTTP-Redirect AuthnRequest against our metadata, and
// koa-mellon must accept its signed, and its encrypted (aes256-cbc), responses.
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
const SCRIPT = new URL('./lasso_idp.py', import.meta.url).pathname;
const ENTITY_ID = 'https://lasso-idp.example.test/metadata';

async function requireLasso(): Promise<void> {
  const ok = existsSync(PYTHON) && (await run(PYTHON, ['-c', 'import lasso']).then(() => true, () => false));
  if (!ok) throw new Error('Lasso is not installed: run scripts/install-test-deps.sh (apt-get install python3-lasso)');
}

describe('interop: Lasso as the IdP', function () {
  this.timeout(30_000);
  let sp: TestSp;
  let dir: string;
  before(requireLasso);
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'km-lasso-'));
    const idp = testKeyPair('lasso-idp');
    const metadata = generateIdpMetadata({ entityId: ENTITY_ID, singleSignOnServiceUrl: 'https://lasso-idp.example.test/sso', certificates: [idp.certPem] });
    writeFileSync(join(dir, 'idp.xml'), metadata);
    // Without a NameIDPolicy Format Lasso issues a transient NameID, which the DefaultAdapter refuses
    // (as django-mellon does) unless transientFederationAttribute is set: ask for persistent.
    sp = await TestSp.start('/accounts/mellon', { identityProviders: [{ metadata }], nameIdPolicyFormat: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent' });
    writeFileSync(join(dir, 'sp.xml'), await (await sp.request(sp.mellon.urls.metadata)).text());
  });
  afterEach(async () => {
    await sp.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function lassoAnswer(query: string, encrypt: boolean): Promise<{ acs: string; SAMLResponse: string }> {
    const idp = testKeyPair('lasso-idp');
    const args = [SCRIPT, '--idp-metadata', join(dir, 'idp.xml'), '--key', idp.keyPath, '--cert', idp.certPath, '--sp-metadata', join(dir, 'sp.xml'), '--query', query];
    const { stdout } = await run(PYTHON, encrypt ? [...args, '--encrypt'] : args);
    return JSON.parse(stdout) as { acs: string; SAMLResponse: string };
  }

  for (const encrypt of [false, true]) {
    it(`accepts its ${encrypt ? 'encrypted (aes256-cbc)' : 'signed'} response to our signed request`, async () => {
      const { location, relayState } = await sp.startLogin('?next=/from-lasso');
      const answer = await lassoAnswer(location.slice(location.indexOf('?') + 1), encrypt);
      expect(answer.acs).to.equal(sp.mellon.urls.login);
      if (encrypt) expect(Buffer.from(answer.SAMLResponse, 'base64').toString()).to.include('EncryptedAssertion');
      const response = await sp.post(answer.acs, { SAMLResponse: answer.SAMLResponse, RelayState: relayState });
      expect(response.status, await response.clone().text()).to.equal(303);
      const me = await sp.whoami();
      expect(me.mellon?.nameIdContent).to.equal('lee-from-lasso');
      expect(me.user?.username).to.equal('lee-from-lasso@saml');
    });
  }

  it('issues a transient NameID without a NameIDPolicy, which the DefaultAdapter refuses', async () => {
    await sp.stop();
    const metadata = generateIdpMetadata({ entityId: ENTITY_ID, singleSignOnServiceUrl: 'https://lasso-idp.example.test/sso', certificates: [testKeyPair('lasso-idp').certPem] });
    sp = await TestSp.start('/accounts/mellon', { identityProviders: [{ metadata }] });
    writeFileSync(join(dir, 'sp.xml'), await (await sp.request(sp.mellon.urls.metadata)).text());
    const { location, relayState } = await sp.startLogin();
    const answer = await lassoAnswer(location.slice(location.indexOf('?') + 1), false);
    const response = await sp.post(answer.acs, { SAMLResponse: answer.SAMLResponse, RelayState: relayState });
    expect(((await response.json()) as { error: string }).error).to.equal('PERMISSION_DENIED');
  });

  it('refuses our request when its signature is altered (Lasso checks what we sign)', async () => {
    const { location } = await sp.startLogin();
    const query = location.slice(location.indexOf('?') + 1).replace(/Signature=([A-Za-z])/, (_, c: string) => `Signature=${c === 'A' ? 'B' : 'A'}`);
    const error = await lassoAnswer(query, false).then(() => undefined, (err: Error) => err);
    expect(error?.message).to.match(/Signature|signature|440/);
  });
});
