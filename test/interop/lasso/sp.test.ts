// Lasso (Entr'ouvert; Debian python3-lasso 2.8.1, the SAML engine of mod_auth_mellon and
// django-mellon) as a service provider of our IdP (@koa-mellon/idp). One Lasso process serves the
// suite (lasso_sp.py: the Lasso calls mod_auth_mellon 0.18 makes, plus the checks mellon adds
// because Lasso does not make them: Destination, Recipient, Conditions and Audience); the test
// browser carries the messages between it and our IdP.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { expect } from 'chai';
import { BLOCK_ENCRYPTION, NAMEID_FORMAT } from '@koa-mellon/saml';
import type { IdpSettings, ServiceProviderSettings } from '@koa-mellon/idp';
import { testKeyPair } from '../../helpers/keys.js';
import { Browser, type Stop } from '../../../packages/idp/test/helpers/browser.js';
import { PeerProcess, requirePythonModule } from '../../../packages/idp/test/helpers/peer-process.js';
import { nextOf } from '../../../packages/idp/test/helpers/saml.js';
import { IdpServer, type TestUser } from '../../../packages/idp/test/helpers/world.js';

const SCRIPT = new URL('./lasso_sp.py', import.meta.url).pathname;
const IDP_ORIGIN = 'https://idp.example.test';
const SP_ORIGIN = 'https://mellon-sp.example.test';
/** mod_auth_mellon's layout: MellonEndpointPath /mellon, entityID = its metadata URL. */
const SP = {
  entityId: `${SP_ORIGIN}/mellon/metadata`,
  endpoint: `${SP_ORIGIN}/mellon`,
  acs: `${SP_ORIGIN}/mellon/postResponse`,
  slo: `${SP_ORIGIN}/mellon/logout`,
};
const IDP_SETTINGS = { wantAuthnRequestsSigned: true } as const;
const RELEASE = { mail: 'email', displayName: 'name', groups: 'groups', 'urn:oid:0.9.2342.19200300.100.1.3': 'email' } as const;
const SUCCESS = 'urn:oasis:names:tc:SAML:2.0:status:Success';

interface Login {
  readonly nameId: string;
  readonly nameIdFormat: string;
  readonly spNameQualifier: string | null;
  readonly attributes: Record<string, string[]>;
  readonly sessionIndex: string;
  readonly authnContext: string;
  readonly inResponseTo: string | null;
  readonly encrypted: boolean;
}
interface LogoutResponseOutcome {
  readonly kind: 'LogoutResponse';
  readonly status: string;
  readonly subStatus: string | null;
  readonly inResponseTo: string;
  readonly relayState: string | null;
}
interface LogoutRequestOutcome {
  readonly kind: 'LogoutRequest';
  readonly nameId: string;
  readonly sessionIndexes: string[];
  readonly hadSession: boolean;
  readonly validateError: string | null;
  readonly url: string;
}

function expectRefusal(stop: Stop, code: string): void {
  expect(stop.status).to.equal(400);
  expect(stop.body).to.include(`<code>${code}</code>`);
  expect(stop.form).to.equal(undefined);
}

function breakSignature(url: string): string {
  return url.replace(/([?&]Signature=)([A-Za-z0-9])/, (_, head: string, c: string) => `${head}${c === 'A' ? 'B' : 'A'}`);
}

describe('interop: Lasso (mod_auth_mellon) as a service provider of our IdP', function () {
  this.timeout(30_000);
  let dir: string;
  let peer: PeerProcess;
  let spMetadata: string;
  let browser: Browser;
  let idp: IdpServer | undefined;

  before(async function () {
    this.timeout(60_000);
    await requirePythonModule('lasso', 'python3-lasso');
    dir = mkdtempSync(join(tmpdir(), 'km-lasso-sp-'));
    writeFileSync(join(dir, 'idp.xml'), IdpServer.metadataFor(IDP_ORIGIN, { settings: IDP_SETTINGS }));
    const keys = testKeyPair('lasso-sp');
    const started = await PeerProcess.start<{ metadata: string }>(SCRIPT, [JSON.stringify({ entityId: SP.entityId, endpoint: SP.endpoint, key: keys.keyPath, cert: keys.certPath, idpMetadata: join(dir, 'idp.xml') })]);
    peer = started.peer;
    spMetadata = started.ready.metadata;
  });
  after(async () => {
    await peer?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  afterEach(async () => {
    await idp?.stop();
    idp = undefined;
  });

  async function startIdp(sp: Partial<ServiceProviderSettings<TestUser>> = {}, settings: Partial<IdpSettings<TestUser>> = {}): Promise<IdpServer> {
    browser = new Browser();
    idp = await IdpServer.start(browser, [{ metadata: spMetadata, attributes: RELEASE, ...sp }], { origin: IDP_ORIGIN, settings: { ...IDP_SETTINGS, ...settings } });
    return idp;
  }

  async function logInAt(url: string): Promise<Stop> {
    const server = idp as IdpServer;
    const atLogin = await browser.go(url);
    expect(atLogin.url.startsWith(server.url('/login?next='))).to.equal(true);
    const atAcs = await browser.go(server.url(`/login/as?user=alice&next=${encodeURIComponent(nextOf(atLogin.url))}`));
    expect(atAcs.url).to.equal(SP.acs);
    expect(atAcs.method).to.equal('POST');
    return atAcs;
  }

  async function spInitiatedLogin(relayState = 'https://mellon-sp.example.test/secret/'): Promise<{ login: Login; posted: Stop; requestId: string; url: string }> {
    const { url, id } = await peer.expectOk<{ url: string; id: string }>({ op: 'login', relayState });
    expect(url.startsWith(`${IDP_ORIGIN}/idp/sso/?SAMLRequest=`)).to.equal(true);
    const posted = await logInAt(url);
    const login = await peer.expectOk<Login>({ op: 'acs', SAMLResponse: posted.form?.get('SAMLResponse') ?? '' });
    return { login, posted, requestId: id, url };
  }

  function requestXml(url: string): string {
    return inflateRawSync(Buffer.from(new URL(url).searchParams.get('SAMLRequest') ?? '', 'base64')).toString('utf8');
  }

  function postedXml(stop: Stop): string {
    return Buffer.from(stop.form?.get('SAMLResponse') ?? '', 'base64').toString('utf8');
  }

  describe('login', () => {
    it('SP-initiated: decrypts and verifies our signed, encrypted (aes256-gcm + rsa-oaep-mgf1p) assertion', async () => {
      await startIdp();
      const { login, posted, requestId, url } = await spInitiatedLogin();
      const xml = postedXml(posted);
      expect(xml).to.include('<saml:EncryptedAssertion').and.include('http://www.w3.org/2009/xmlenc11#aes256-gcm').and.include('http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p');
      expect(xml).to.not.include('<saml:Assertion').and.not.include('alice@example.test');
      expect(posted.form?.get('RelayState')).to.equal('https://mellon-sp.example.test/secret/');
      expect(login.encrypted).to.equal(true);
      expect(login.inResponseTo).to.equal(requestId);
      // mellon leaves Lasso's default NameIDPolicy (Format transient, AllowCreate): our IdP
      // honours it over its configured persistent format, as saml-core §3.4.1.1 allows.
      expect(requestXml(url)).to.match(/<samlp:NameIDPolicy [^>]*Format="urn:oasis:names:tc:SAML:2.0:nameid-format:transient"/);
      expect(login.nameIdFormat).to.equal(NAMEID_FORMAT.transient);
      expect(login.nameId).to.not.equal('');
      expect(login.spNameQualifier).to.equal(SP.entityId);
      expect(login.authnContext).to.equal('urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport');
      // What mellon would put in MELLON_<name> (one value per AttributeValue, names as sent).
      expect(login.attributes).to.deep.equal({
        mail: ['alice@example.test'],
        displayName: ['Alice Liddell'],
        groups: ['staff', 'admins'],
        'urn:oid:0.9.2342.19200300.100.1.3': ['alice@example.test'],
      });
    });

    for (const [name, uri] of Object.entries(BLOCK_ENCRYPTION)) {
      it(`decrypts ${name} (per-SP encryptionAlgorithm)`, async () => {
        await startIdp({ encryptionAlgorithm: uri });
        const { login, posted } = await spInitiatedLogin();
        expect(postedXml(posted)).to.include(`<xenc:EncryptionMethod Algorithm="${uri}"`);
        expect(login.encrypted).to.equal(true);
        expect(login.attributes['displayName']).to.deep.equal(['Alice Liddell']);
      });
    }

    it('IdP-initiated (sso/init/): accepted without InResponseTo, with RelayState = next', async () => {
      await startIdp();
      const posted = await logInAt((idp as IdpServer).idp.initiateUrl(SP.entityId, 'https://mellon-sp.example.test/welcome'));
      expect(posted.form?.get('RelayState')).to.equal('https://mellon-sp.example.test/welcome');
      const login = await peer.expectOk<Login>({ op: 'acs', SAMLResponse: posted.form?.get('SAMLResponse') ?? '' });
      expect(login.inResponseTo).to.equal(null);
      expect(login.encrypted).to.equal(true);
      expect(login.attributes['displayName']).to.deep.equal(['Alice Liddell']);
    });

    it('IsPassive without an IdP session: Lasso reports our signed NoPassive status', async () => {
      const server = await startIdp();
      const { url } = await peer.expectOk<{ url: string }>({ op: 'login', isPassive: true });
      const atAcs = await browser.go(url);
      expect(atAcs.url).to.equal(SP.acs);
      expect(server.loginPages).to.have.length(0);
      expect(postedXml(atAcs)).to.include('urn:oasis:names:tc:SAML:2.0:status:NoPassive');
      const answer = await peer.call<Login>({ op: 'acs', SAMLResponse: atAcs.form?.get('SAMLResponse') ?? '' });
      expect(answer.ok).to.equal(false);
      expect(answer.error).to.equal('ProfileStatusNotSuccessError');
    });
  });

  describe('single logout', () => {
    it('SP-initiated: our IdP verifies its signed LogoutRequest; Lasso verifies our signed LogoutResponse', async () => {
      await startIdp();
      const { login } = await spInitiatedLogin();
      const { url, id } = await peer.expectOk<{ url: string; id: string }>({ op: 'logout', relayState: 'https://mellon-sp.example.test/bye' });
      expect(url.startsWith(`${IDP_ORIGIN}/idp/slo/?SAMLRequest=`)).to.equal(true);
      expect(url).to.include('SigAlg=http%3A%2F%2Fwww.w3.org%2F2001%2F04%2Fxmldsig-more%23rsa-sha256');
      expect(requestXml(url)).to.include(`>${login.nameId}</saml:NameID>`).and.include(`<samlp:SessionIndex>${login.sessionIndex}</samlp:SessionIndex>`);
      const atSlo = await browser.go(url);
      // Lasso insists on an answer on the binding of its request: HTTP-Redirect.
      expect(atSlo.url.startsWith(`${SP.slo}?SAMLResponse=`)).to.equal(true);
      // Lasso refuses our LogoutResponse once its signature is altered, and nothing changes.
      const forged = await peer.call<LogoutResponseOutcome>({ op: 'slo', url: breakSignature(atSlo.url) });
      expect(forged.ok).to.equal(false);
      expect(forged.error).to.equal('ProfileCannotVerifySignatureError');
      const outcome = await peer.expectOk<LogoutResponseOutcome>({ op: 'slo', url: atSlo.url });
      expect(outcome.status).to.equal(SUCCESS);
      expect(outcome.subStatus).to.equal(null);
      expect(outcome.inResponseTo).to.equal(id);
      expect(outcome.relayState).to.equal('https://mellon-sp.example.test/bye');
      expect((await peer.expectOk<{ nameIds: string[] }>({ op: 'sessions' })).nameIds).to.not.include(login.nameId);
      // The IdP session is over too.
      const { url: again } = await peer.expectOk<{ url: string }>({ op: 'login' });
      expect((await browser.go(again)).url.startsWith((idp as IdpServer).url('/login?next='))).to.equal(true);
    });

    it('IdP-initiated: Lasso verifies our signed LogoutRequest and finds the session; our IdP accepts its signed LogoutResponse', async () => {
      const server = await startIdp();
      const { login } = await spInitiatedLogin();
      const atSp = await browser.go(server.idp.logoutUrl('/bye'));
      expect(atSp.url.startsWith(`${SP.slo}?SAMLRequest=`)).to.equal(true);
      const outcome = await peer.expectOk<LogoutRequestOutcome>({ op: 'slo', url: atSp.url });
      expect(outcome.nameId).to.equal(login.nameId);
      expect(outcome.sessionIndexes).to.deep.equal([login.sessionIndex]);
      expect(outcome.hadSession).to.equal(true);
      expect(outcome.validateError).to.equal(null);
      expect(outcome.url.startsWith(`${IDP_ORIGIN}/idp/slo/?SAMLResponse=`)).to.equal(true);
      expect(outcome.url).to.include('&Signature=');
      expect(inflateRawSync(Buffer.from(new URL(outcome.url).searchParams.get('SAMLResponse') ?? '', 'base64')).toString()).to.include(SUCCESS);
      const end = await browser.go(outcome.url);
      expect(end.url).to.equal(server.url('/bye'));
      expect(end.history.map((step) => step.status)).to.deep.equal([302, 404]);
      expect((await peer.expectOk<{ nameIds: string[] }>({ op: 'sessions' })).nameIds).to.not.include(login.nameId);
    });
  });

  describe('refusals (each proves a check that can fail)', () => {
    it('our IdP refuses its AuthnRequest when unsigned (its metadata says AuthnRequestsSigned), or when its signature is broken', async () => {
      const server = await startIdp();
      const unsigned = await peer.expectOk<{ url: string }>({ op: 'login', sign: false });
      expect(unsigned.url).to.not.include('Signature=');
      expectRefusal(await browser.go(unsigned.url), 'SIGNATURE_MISSING');
      const signed = await peer.expectOk<{ url: string }>({ op: 'login' });
      expectRefusal(await browser.go(breakSignature(signed.url)), 'SIGNATURE_INVALID');
      expect(server.loginPages).to.have.length(0);
    });

    it('Lasso refuses our assertion once a signed value is changed', async () => {
      await startIdp({ encryptAssertions: false });
      const { url } = await peer.expectOk<{ url: string }>({ op: 'login' });
      const posted = await logInAt(url);
      const xml = postedXml(posted);
      expect(xml).to.include('Alice Liddell');
      const answer = await peer.call<Login>({ op: 'acs', SAMLResponse: Buffer.from(xml.replace('Alice Liddell', 'Mallory')).toString('base64') });
      expect(answer.ok).to.equal(false);
      expect(answer.error).to.equal('DsSignatureVerificationFailedError');
      const intact = await peer.expectOk<Login>({ op: 'acs', SAMLResponse: posted.form?.get('SAMLResponse') ?? '' });
      expect(intact.encrypted).to.equal(false);
      expect(intact.attributes['displayName']).to.deep.equal(['Alice Liddell']);
    });

    it('the mellon checks refuse an assertion for another audience (Lasso alone would accept it)', async () => {
      // The IdP is told the SP's entityID is another one: same keys and endpoints, wrong Audience.
      const other = spMetadata.replace(`entityID="${SP.entityId}"`, 'entityID="https://other-sp.example.test/mellon/metadata"');
      await startIdp({ metadata: other });
      const posted = await logInAt((idp as IdpServer).idp.initiateUrl('https://other-sp.example.test/mellon/metadata'));
      expect(postedXml(posted)).to.not.include(SP.entityId);
      const answer = await peer.call<Login>({ op: 'acs', SAMLResponse: posted.form?.get('SAMLResponse') ?? '' });
      expect(answer.ok).to.equal(false);
      expect(answer.error).to.equal('Refused');
      expect(answer.message).to.equal('Audience is not our entityID');
    });

    it('the mellon checks refuse an expired assertion (our IdP clock 10 minutes behind; Lasso alone would accept it)', async () => {
      await startIdp({}, { clock: () => Date.now() - 10 * 60_000 });
      const posted = await logInAt((idp as IdpServer).idp.initiateUrl(SP.entityId));
      const answer = await peer.call<Login>({ op: 'acs', SAMLResponse: posted.form?.get('SAMLResponse') ?? '' });
      expect(answer.ok).to.equal(false);
      expect(answer.error).to.equal('Refused');
      expect(answer.message).to.equal('SubjectConfirmationData NotOnOrAfter in the past');
    });

    it('Lasso refuses an encrypted assertion signed with a key that is not in our metadata', async () => {
      const rogue = testKeyPair('rogue-idp');
      await startIdp({}, { privateKey: rogue.keyPem, publicKeys: [rogue.certPem] });
      const posted = await logInAt((idp as IdpServer).idp.initiateUrl(SP.entityId));
      expect(postedXml(posted)).to.include('<saml:EncryptedAssertion');
      const answer = await peer.call<Login>({ op: 'acs', SAMLResponse: posted.form?.get('SAMLResponse') ?? '' });
      expect(answer.ok).to.equal(false);
      expect(answer.error).to.equal('DsSignatureVerificationFailedError');
    });

    it('our IdP refuses its LogoutRequest with a broken signature; Lasso refuses our LogoutRequest with a broken signature', async () => {
      const server = await startIdp();
      const { login } = await spInitiatedLogin();
      const { url } = await peer.expectOk<{ url: string }>({ op: 'logout' });
      expectRefusal(await browser.go(breakSignature(url)), 'SIGNATURE_INVALID');
      const atSp = await browser.go(server.idp.logoutUrl('/bye'));
      expect(atSp.url.startsWith(`${SP.slo}?SAMLRequest=`)).to.equal(true);
      const refused = await peer.call<LogoutRequestOutcome>({ op: 'slo', url: breakSignature(atSp.url) });
      expect(refused.ok).to.equal(false);
      expect(refused.error).to.equal('DsInvalidSignatureError');
      // Its session is still there; the intact request ends it.
      const outcome = await peer.expectOk<LogoutRequestOutcome>({ op: 'slo', url: atSp.url });
      expect(outcome.nameId).to.equal(login.nameId);
      expect(outcome.hadSession).to.equal(true);
    });
  });
});
