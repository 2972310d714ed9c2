// Lasso (Entr'ouvert; the SAML library of mod_auth_mellon and django-mellon, Debian python3-lasso)
// as the IdP: it verifies koa-mellon's signed HTTP-Redirect AuthnRequest against our metadata, and
// koa-mellon must accept its signed, and its encrypted (aes256-cbc), responses. Then Lasso logs the
// user out over the SOAP back-channel: it POSTs its signed LogoutRequest to our SP's real
// 127.0.0.1 logout/ endpoint and checks our signed answer.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { BINDING, STATUS, generateIdpMetadata } from '@koa-mellon/saml';
import { testKeyPair } from '../../helpers/keys.js';
import { TestSp } from '../../../packages/koa-mellon/test/harness.js';
import { breakSignature } from '../../../packages/idp/test/helpers/saml.js';

const run = promisify(execFile);
const PYTHON = '/usr/bin/python3';
const SCRIPT = new URL('./lasso_idp.py', import.meta.url).pathname;
const ENTITY_ID = 'https://lasso-idp.example.test/metadata';

/** What lasso_idp.py --soap-logout reports. */
interface SoapLogout {
  readonly url: string;
  readonly request: { id: string; nameId: string; sessionIndexes: string[] };
  readonly httpStatus: number;
  readonly contentType: string | null;
  readonly body?: string;
  readonly ok: boolean;
  readonly error: string | null;
  readonly status?: string;
  readonly subStatus?: string | null;
  readonly inResponseTo?: string;
}

function lassoIdpMetadata(): string {
  return generateIdpMetadata({ entityId: ENTITY_ID, singleSignOnServiceUrl: 'https://lasso-idp.example.test/sso', certificates: [testKeyPair('lasso-idp').certPem] });
}

/** Runs one step of the Lasso IdP with the metadata files in `dir`. */
async function lassoIdp<T>(dir: string, step: string[]): Promise<T> {
  const idp = testKeyPair('lasso-idp');
  const { stdout } = await run(PYTHON, [SCRIPT, '--idp-metadata', join(dir, 'idp.xml'), '--key', idp.keyPath, '--cert', idp.certPath, '--sp-metadata', join(dir, 'sp.xml'), ...step]);
  return JSON.parse(stdout) as T;
}

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

  function lassoAnswer(query: string, encrypt: boolean): Promise<{ acs: string; SAMLResponse: string }> {
    return lassoIdp(dir, encrypt ? ['--query', query, '--encrypt'] : ['--query', query]);
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

  it('issues a transient NameID without a NameIDPolicy, which is no uid (UID_MISSING)', async () => {
    await sp.stop();
    const metadata = generateIdpMetadata({ entityId: ENTITY_ID, singleSignOnServiceUrl: 'https://lasso-idp.example.test/sso', certificates: [testKeyPair('lasso-idp').certPem] });
    sp = await TestSp.start('/accounts/mellon', { identityProviders: [{ metadata }] });
    writeFileSync(join(dir, 'sp.xml'), await (await sp.request(sp.mellon.urls.metadata)).text());
    const { location, relayState } = await sp.startLogin();
    const answer = await lassoAnswer(location.slice(location.indexOf('?') + 1), false);
    const response = await sp.post(answer.acs, { SAMLResponse: answer.SAMLResponse, RelayState: relayState });
    expect(((await response.json()) as { error: string }).error).to.equal('UID_MISSING');
  });

  it('refuses our request when its signature is altered (Lasso checks what we sign)', async () => {
    const { location } = await sp.startLogin();
    const altered = breakSignature(location);
    expect(altered).to.not.equal(location);
    const query = altered.slice(altered.indexOf('?') + 1);
    const error = await lassoAnswer(query, false).then(() => undefined, (err: Error) => err);
    expect(error?.message).to.match(/Signature|signature|440/);
  });
});

// saml-profiles §4.4.3.4: an IdP built on Lasso (Authentic 2, e.g.) logs SPs out over SOAP when their
// metadata offers it; koa-mellon answers at logout/ with `soapLogout`.
describe('interop: Lasso as the IdP, single logout over the SOAP back-channel', function () {
  this.timeout(30_000);
  let sp: TestSp | undefined;
  let dir: string;
  before(requireLasso);
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'km-lasso-soap-'));
    writeFileSync(join(dir, 'idp.xml'), lassoIdpMetadata());
  });
  afterEach(async () => {
    await sp?.stop();
    sp = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  /** koa-mellon on its real 127.0.0.1 URL (Lasso posts there), the user logged in through Lasso; Lasso keeps its session dump. */
  async function loggedIn(soapLogout: boolean): Promise<TestSp> {
    const server = await TestSp.startLocal('/accounts/mellon', { identityProviders: [{ metadata: lassoIdpMetadata() }], nameIdPolicyFormat: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent', soapLogout });
    sp = server;
    let metadata = await (await server.request(server.mellon.urls.metadata)).text();
    if (!soapLogout) {
      // Lasso is told the SP takes SOAP logout though it does not publish it (a stale or hand-edited metadata).
      expect(metadata).to.not.include(BINDING.soap);
      metadata = metadata.replace(/(<md:SingleLogoutService )/, `<md:SingleLogoutService Binding="${BINDING.soap}" Location="${server.mellon.urls.logout}"/>$1`);
    }
    writeFileSync(join(dir, 'sp.xml'), metadata);
    const { location, relayState } = await server.startLogin('?next=/from-lasso');
    const answer = await lassoIdp<{ acs: string; SAMLResponse: string; session: string }>(dir, ['--query', location.slice(location.indexOf('?') + 1)]);
    writeFileSync(join(dir, 'session.xml'), answer.session);
    expect((await server.post(answer.acs, { SAMLResponse: answer.SAMLResponse, RelayState: relayState })).status).to.equal(303);
    expect((await server.whoami()).mellon?.nameIdContent).to.equal('lee-from-lasso');
    return server;
  }

  it('with soapLogout our metadata lists the SOAP SingleLogoutService at logout/; Lasso posts its signed LogoutRequest there, our SP ends the session and Lasso accepts our signed Success', async () => {
    const server = await loggedIn(true);
    const { sessionIndex } = (await server.whoami()).mellon ?? {};
    expect(await (await server.request(server.mellon.urls.metadata)).text()).to.include(`<md:SingleLogoutService Binding="${BINDING.soap}" Location="${server.mellon.urls.logout}"/>`);
    const result = await lassoIdp<SoapLogout>(dir, ['--soap-logout', join(dir, 'session.xml')]);
    expect(result.url).to.equal(server.mellon.urls.logout);
    expect(result.url.startsWith(`${server.origin}/`)).to.equal(true);
    expect(result.request.nameId).to.equal('lee-from-lasso');
    expect(result.request.sessionIndexes).to.deep.equal([sessionIndex]);
    expect([result.httpStatus, result.contentType]).to.deep.equal([200, 'text/xml; charset=utf-8']);
    // processResponseMsg raised nothing: our signature (metadata key), Issuer, InResponseTo and status passed.
    expect([result.ok, result.error]).to.deep.equal([true, null]);
    expect([result.status, result.subStatus, result.inResponseTo]).to.deep.equal([STATUS.success, null, result.request.id]);
    // The browser still holds its cookie; the session behind it is gone.
    expect(await server.whoami()).to.deep.equal({ user: null, mellon: null });
  });

  it('Lasso checks the signature of our answer: one altered octet and it refuses it', async () => {
    await loggedIn(true);
    const result = await lassoIdp<SoapLogout>(dir, ['--soap-logout', join(dir, 'session.xml'), '--tamper-response']);
    expect(result.httpStatus).to.equal(200);
    expect([result.ok, result.error]).to.deep.equal([false, 'ProfileCannotVerifySignatureError']);
  });

  it('without soapLogout our SP refuses the SOAP LogoutRequest (403, SOAP fault BINDING_INVALID), keeps the session, and Lasso reports the failure', async () => {
    const server = await loggedIn(false);
    const result = await lassoIdp<SoapLogout>(dir, ['--soap-logout', join(dir, 'session.xml')]);
    expect(result.url).to.equal(server.mellon.urls.logout);
    expect(result.httpStatus).to.equal(403);
    expect(result.body).to.include('<faultcode>soap:Client</faultcode><faultstring>BINDING_INVALID</faultstring>');
    expect(result.ok).to.equal(false);
    expect(result.error).to.equal('ProfileInvalidMsgError');
    expect((await server.whoami()).mellon?.nameIdContent).to.equal('lee-from-lasso');
  });
});
