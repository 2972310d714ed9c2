// pysaml2 (IdentityPython, Debian python3-pysaml2 7.0.1; it signs, verifies and decrypts with the
// xmlsec1 binary) as a service provider of our IdP (@koa-mellon/idp). One pysaml2 process serves
// the whole suite (pysaml2_sp.py: a Saml2Client answering JSON commands); the test browser carries
// the messages between it and our IdP, as a user agent would.
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
import { breakSignature, expectRefusal, nextOf } from '../../../packages/idp/test/helpers/saml.js';
import { IdpServer, type TestUser } from '../../../packages/idp/test/helpers/world.js';

const SCRIPT = new URL('./pysaml2_sp.py', import.meta.url).pathname;
const IDP_ORIGIN = 'https://idp.example.test';
const SP_ORIGIN = 'https://pysaml2-sp.example.test';
const SP = { entityId: `${SP_ORIGIN}/saml2/metadata/`, acs: `${SP_ORIGIN}/saml2/acs/`, slo: `${SP_ORIGIN}/saml2/ls/` };
const IDP_SETTINGS = { wantAuthnRequestsSigned: true } as const;
/** Released to pysaml2: a basic-format name, a multi-valued one, and an OID name its converters know (mail). */
const RELEASE = { mail: 'email', displayName: 'name', groups: 'groups', 'urn:oid:0.9.2342.19200300.100.1.3': 'email' } as const;

interface Login {
  readonly nameId: string;
  readonly nameIdFormat: string;
  readonly spNameQualifier: string | null;
  readonly attributes: Record<string, string[]>;
  readonly issuer: string;
  readonly sessionIndex: string;
  readonly inResponseTo: string | null;
  readonly authnContext: string;
  readonly loggedIn: boolean;
}
interface LogoutResponseOutcome {
  readonly kind: 'LogoutResponse';
  readonly status: string;
  readonly subStatus: string | null;
  readonly inResponseTo: string;
  readonly loggedIn: boolean;
}
interface LogoutRequestOutcome {
  readonly kind: 'LogoutRequest';
  readonly nameId: string;
  readonly sessionIndexes: string[];
  readonly url: string;
  readonly loggedIn: boolean;
}

const SUCCESS = 'urn:oasis:names:tc:SAML:2.0:status:Success';

describe('interop: pysaml2 as a service provider of our IdP', function () {
  this.timeout(30_000);
  let dir: string;
  let peer: PeerProcess;
  let spMetadata: string;
  let browser: Browser;
  let idp: IdpServer | undefined;

  before(async function () {
    this.timeout(60_000);
    await requirePythonModule('saml2', 'python3-pysaml2');
    dir = mkdtempSync(join(tmpdir(), 'km-pysaml2-sp-'));
    writeFileSync(join(dir, 'idp.xml'), IdpServer.metadataFor(IDP_ORIGIN, { settings: IDP_SETTINGS }));
    const keys = testKeyPair('pysaml2-sp');
    const started = await PeerProcess.start<{ metadata: string }>(SCRIPT, [JSON.stringify({ ...SP, key: keys.keyPath, cert: keys.certPath, idpMetadata: join(dir, 'idp.xml') })]);
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

  async function startIdp(sp: Omit<ServiceProviderSettings<TestUser>, 'metadata'> = {}, settings: Partial<IdpSettings<TestUser>> = {}): Promise<IdpServer> {
    browser = new Browser();
    idp = await IdpServer.start(browser, [{ metadata: spMetadata, attributes: RELEASE, ...sp }], { origin: IDP_ORIGIN, settings: { ...IDP_SETTINGS, ...settings } });
    return idp;
  }

  /** From a URL (or form post) that leads to our login page: alice logs in; the browser stops at pysaml2's ACS. */
  async function logInAt(url: string, form?: Record<string, string>): Promise<Stop> {
    const server = idp as IdpServer;
    const atLogin = await browser.go(url, form ? { form } : {});
    expect(atLogin.url.startsWith(server.url('/login?next='))).to.equal(true);
    const atAcs = await browser.go(server.url(`/login/as?user=alice&next=${encodeURIComponent(nextOf(atLogin.url))}`));
    expect(atAcs.url).to.equal(SP.acs);
    expect(atAcs.method).to.equal('POST');
    return atAcs;
  }

  async function spInitiatedLogin(relayState = 'from-pysaml2'): Promise<{ login: Login; posted: Stop; requestId: string }> {
    const { url, id } = await peer.expectOk<{ url: string; id: string }>({ op: 'login', relayState });
    expect(url.startsWith(`${IDP_ORIGIN}/idp/sso/?SAMLRequest=`)).to.equal(true);
    const posted = await logInAt(url);
    const login = await peer.expectOk<Login>({ op: 'acs', SAMLResponse: posted.form?.get('SAMLResponse') ?? '' });
    return { login, posted, requestId: id };
  }

  function requestXml(url: string): string {
    return inflateRawSync(Buffer.from(new URL(url).searchParams.get('SAMLRequest') ?? '', 'base64')).toString('utf8');
  }

  function postedXml(stop: Stop): string {
    return Buffer.from(stop.form?.get('SAMLResponse') ?? '', 'base64').toString('utf8');
  }

  describe('login', () => {
    it('SP-initiated: accepts our signed, encrypted (aes256-gcm + rsa-oaep-mgf1p) assertion to its signed Redirect request', async () => {
      await startIdp();
      // pysaml2 URL-encodes RelayState as a form does (space as "+", parentheses escaped).
      const { login, posted, requestId } = await spInitiatedLogin('from pysaml2 (#1)');
      const xml = postedXml(posted);
      expect(xml).to.include('<saml:EncryptedAssertion').and.include('http://www.w3.org/2009/xmlenc11#aes256-gcm').and.include('http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p');
      expect(posted.form?.get('RelayState')).to.equal('from pysaml2 (#1)');
      // Nothing of the assertion travels in the clear: what pysaml2 reports below, it decrypted.
      expect(xml).to.not.include('<saml:Assertion').and.not.include('alice@example.test');
      expect(login.inResponseTo).to.equal(requestId);
      expect(login.issuer).to.equal(`${IDP_ORIGIN}/idp/metadata/`);
      expect(login.nameIdFormat).to.equal(NAMEID_FORMAT.persistent);
      expect(login.nameId).to.match(/^[A-Za-z0-9_-]{43}$/);
      expect(login.spNameQualifier).to.equal(SP.entityId);
      expect(login.authnContext).to.equal('urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport');
      // pysaml2's attribute converters map urn:oid:0.9.2342.19200300.100.1.3 (NameFormat uri) to
      // "mail", where our basic-format "mail" also lands: both values are reported under "mail".
      expect(login.attributes).to.deep.equal({
        mail: ['alice@example.test', 'alice@example.test'],
        displayName: ['Alice Liddell'],
        groups: ['staff', 'admins'],
      });
      expect(login.loggedIn).to.equal(true);
    });

    it('SP-initiated over HTTP-POST: our IdP verifies its enveloped signature (made by xmlsec1)', async () => {
      await startIdp();
      const { url, form, id } = await peer.expectOk<{ url: string; form: Record<string, string>; id: string }>({ op: 'login', binding: 'post', relayState: 'posted' });
      expect(url).to.equal(`${IDP_ORIGIN}/idp/sso/`);
      expect(Buffer.from(form['SAMLRequest'] ?? '', 'base64').toString()).to.match(/<ns\d:Signature|<ds:Signature/);
      const posted = await logInAt(url, form);
      expect(browser.posts[0]?.url).to.equal(url);
      expect(posted.form?.get('RelayState')).to.equal('posted');
      const login = await peer.expectOk<Login>({ op: 'acs', SAMLResponse: posted.form?.get('SAMLResponse') ?? '' });
      expect(login.inResponseTo).to.equal(id);
    });

    for (const [name, uri] of Object.entries(BLOCK_ENCRYPTION)) {
      it(`decrypts ${name} (per-SP encryptionAlgorithm)`, async () => {
        await startIdp({ encryptionAlgorithm: uri });
        const { login, posted } = await spInitiatedLogin();
        expect(postedXml(posted)).to.include(`<xenc:EncryptionMethod Algorithm="${uri}"`);
        expect(login.attributes['displayName']).to.deep.equal(['Alice Liddell']);
      });
    }

    it('gets the same pairwise NameID on the next login (no login page: the IdP session holds)', async () => {
      await startIdp();
      const first = (await spInitiatedLogin()).login.nameId;
      const { url } = await peer.expectOk<{ url: string }>({ op: 'login' });
      const again = await browser.go(url);
      expect(again.url).to.equal(SP.acs);
      expect((await peer.expectOk<Login>({ op: 'acs', SAMLResponse: again.form?.get('SAMLResponse') ?? '' })).nameId).to.equal(first);
    });

    it('gets an emailAddress NameID when it asks for one and the IdP is configured for it; InvalidNameIDPolicy otherwise', async () => {
      await startIdp({ nameIdFormat: 'emailAddress' });
      const { url } = await peer.expectOk<{ url: string }>({ op: 'login', nameIdFormat: NAMEID_FORMAT.emailAddress });
      const login = await peer.expectOk<Login>({ op: 'acs', SAMLResponse: (await logInAt(url)).form?.get('SAMLResponse') ?? '' });
      expect(login.nameIdFormat).to.equal(NAMEID_FORMAT.emailAddress);
      expect(login.nameId).to.equal('alice@example.test');
      await idp?.stop();
      // The default (persistent) IdP cannot give an e-mail NameID: at once (no login page), its
      // signed error Response reaches pysaml2, which reports the second-level status.
      const server = await startIdp();
      const { url: refusedUrl } = await peer.expectOk<{ url: string }>({ op: 'login', nameIdFormat: NAMEID_FORMAT.emailAddress });
      const atAcs = await browser.go(refusedUrl);
      expect(atAcs.url).to.equal(SP.acs);
      expect(server.loginPages).to.have.length(0);
      const refused = await peer.call<Login>({ op: 'acs', SAMLResponse: atAcs.form?.get('SAMLResponse') ?? '' });
      expect(refused.ok).to.equal(false);
      expect(refused.error).to.equal('StatusInvalidNameidPolicy');
    });

    it('by default the Response is signed too: pysaml2 requiring a signed Response (its default) verifies it around the encrypted assertion', async () => {
      await startIdp();
      const { url } = await peer.expectOk<{ url: string }>({ op: 'login' });
      const posted = await logInAt(url);
      expect(postedXml(posted)).to.match(/^<samlp:Response [^>]*>\s*<saml:Issuer[^>]*>[^<]*<\/saml:Issuer>\s*<ds:Signature/);
      const login = await peer.expectOk<Login>({ op: 'acs', SAMLResponse: posted.form?.get('SAMLResponse') ?? '', wantResponseSigned: true });
      expect(login.attributes['displayName']).to.deep.equal(['Alice Liddell']);
    });

    it('IdP-initiated (sso/init/): accepted as unsolicited, with RelayState = next', async () => {
      await startIdp();
      const posted = await logInAt((idp as IdpServer).idp.initiateUrl(SP.entityId, '/welcome'));
      expect(posted.form?.get('RelayState')).to.equal('/welcome');
      expect(postedXml(posted)).to.not.include('InResponseTo');
      const login = await peer.expectOk<Login>({ op: 'acs', SAMLResponse: posted.form?.get('SAMLResponse') ?? '', allowUnsolicited: true });
      expect(login.inResponseTo).to.equal(null);
      expect(login.nameIdFormat).to.equal(NAMEID_FORMAT.persistent);
      expect(login.attributes['displayName']).to.deep.equal(['Alice Liddell']);
    });
  });

  describe('single logout', () => {
    it('SP-initiated: our IdP verifies its signed LogoutRequest; pysaml2 verifies our signed LogoutResponse and logs out', async () => {
      await startIdp();
      const { login } = await spInitiatedLogin();
      const { url, relayState } = await peer.expectOk<{ url: string; relayState: string }>({ op: 'logout' });
      expect(url.startsWith(`${IDP_ORIGIN}/idp/slo/?SAMLRequest=`)).to.equal(true);
      expect(url).to.include('SigAlg=http%3A%2F%2Fwww.w3.org%2F2001%2F04%2Fxmldsig-more%23rsa-sha256');
      expect(requestXml(url)).to.match(new RegExp(`>${login.nameId}</ns\\d:NameID>`));
      const atSlo = await browser.go(url);
      // The request came on HTTP-Redirect: the answer goes back on it (pysaml2 lists both).
      expect(atSlo.url.startsWith(`${SP.slo}?SAMLResponse=`)).to.equal(true);
      // A LogoutResponse whose signature was altered on the way is refused, and changes nothing.
      const forged = await peer.call<LogoutResponseOutcome>({ op: 'slo', url: breakSignature(atSlo.url) });
      expect(forged.ok).to.equal(false);
      expect(forged.message).to.equal('HTTP-Redirect signature does not verify');
      // pysaml2's RelayState ("<request id>|<time>|<hmac>") comes back as it was sent.
      expect(new URL(atSlo.url).searchParams.get('RelayState')).to.equal(relayState).and.include('|');
      const outcome = await peer.expectOk<LogoutResponseOutcome>({ op: 'slo', url: atSlo.url });
      expect(outcome.kind).to.equal('LogoutResponse');
      expect(outcome.status).to.equal(SUCCESS);
      expect(outcome.subStatus).to.equal(null);
      expect(outcome.inResponseTo).to.equal(relayState.split('|')[0]);
      expect(outcome.loggedIn).to.equal(false);
      expect((await peer.expectOk<{ nameId: string | null }>({ op: 'session' })).nameId).to.equal(null);
      // The IdP session is over too: logging in again needs the login page.
      const { url: again } = await peer.expectOk<{ url: string }>({ op: 'login' });
      expect((await browser.go(again)).url.startsWith((idp as IdpServer).url('/login?next='))).to.equal(true);
    });

    it('SP-initiated over HTTP-POST: both enveloped signatures verify (its LogoutRequest here, our LogoutResponse there)', async () => {
      await startIdp();
      await spInitiatedLogin();
      const { url, form, relayState } = await peer.expectOk<{ url: string; form: Record<string, string>; relayState: string }>({ op: 'logout', binding: 'post' });
      expect(url).to.equal(`${IDP_ORIGIN}/idp/slo/`);
      expect(Buffer.from(form['SAMLRequest'] ?? '', 'base64').toString()).to.match(/<ns\d:Signature|<ds:Signature/);
      const atSlo = await browser.go(url, { form });
      // The request came on HTTP-POST: our LogoutResponse is posted back, enveloped-signed.
      expect(atSlo.url).to.equal(SP.slo);
      expect(atSlo.method).to.equal('POST');
      expect(atSlo.form?.get('RelayState')).to.equal(relayState);
      const fields = Object.fromEntries(atSlo.form ?? []);
      const xml = Buffer.from(fields['SAMLResponse'] ?? '', 'base64').toString();
      expect(xml).to.include('<ds:Signature');
      // One attribute added after signing: pysaml2's xmlsec1 check refuses it.
      const forged = xml.replace('<samlp:LogoutResponse ', '<samlp:LogoutResponse Consent="urn:oasis:names:tc:SAML:2.0:consent:unspecified" ');
      expect(forged).to.not.equal(xml);
      const refused = await peer.call<LogoutResponseOutcome>({ op: 'slo', url: atSlo.url, form: { ...fields, SAMLResponse: Buffer.from(forged).toString('base64') } });
      expect(refused.ok).to.equal(false);
      expect(refused.error).to.equal('SignatureError');
      const outcome = await peer.expectOk<LogoutResponseOutcome>({ op: 'slo', url: atSlo.url, form: fields });
      expect(outcome.status).to.equal(SUCCESS);
      expect(outcome.loggedIn).to.equal(false);
    });

    it('IdP-initiated: pysaml2 verifies our signed LogoutRequest, and our IdP accepts its signed LogoutResponse', async () => {
      const server = await startIdp();
      const { login } = await spInitiatedLogin();
      const atSp = await browser.go(server.idp.logoutUrl('/bye'));
      expect(atSp.url.startsWith(`${SP.slo}?SAMLRequest=`)).to.equal(true);
      const outcome = await peer.expectOk<LogoutRequestOutcome>({ op: 'slo', url: atSp.url });
      expect(outcome.kind).to.equal('LogoutRequest');
      expect(outcome.nameId).to.equal(login.nameId);
      expect(outcome.sessionIndexes).to.deep.equal([login.sessionIndex]);
      expect(outcome.loggedIn).to.equal(false);
      expect(outcome.url.startsWith(`${IDP_ORIGIN}/idp/slo/?SAMLResponse=`)).to.equal(true);
      expect(inflateRawSync(Buffer.from(new URL(outcome.url).searchParams.get('SAMLResponse') ?? '', 'base64')).toString()).to.include(SUCCESS);
      // Our IdP verifies pysaml2's answer and ends the logout where `next` said.
      const end = await browser.go(outcome.url);
      expect(end.url).to.equal(server.url('/bye'));
      expect(end.history.map((step) => step.status)).to.deep.equal([302, 404]);
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

    it('pysaml2 refuses our assertion once a signed value is changed', async () => {
      await startIdp({ encryptAssertions: false });
      const { url } = await peer.expectOk<{ url: string }>({ op: 'login' });
      const posted = await logInAt(url);
      const xml = postedXml(posted);
      expect(xml).to.include('alice@example.test');
      const tampered = Buffer.from(xml.replaceAll('alice@example.test', 'mallory@example.test')).toString('base64');
      const answer = await peer.call<Login>({ op: 'acs', SAMLResponse: tampered });
      expect(answer.ok).to.equal(false);
      expect(answer.error).to.equal('SignatureError');
      // The untouched response is accepted.
      expect((await peer.expectOk<Login>({ op: 'acs', SAMLResponse: posted.form?.get('SAMLResponse') ?? '' })).attributes['mail']).to.include('alice@example.test');
    });

    it('pysaml2 with its default want_response_signed refuses a Response where only the assertion is signed (signResponse: false)', async () => {
      await startIdp({ signResponse: false });
      const { url } = await peer.expectOk<{ url: string }>({ op: 'login' });
      const answer = await peer.call<Login>({ op: 'acs', SAMLResponse: (await logInAt(url)).form?.get('SAMLResponse') ?? '', wantResponseSigned: true });
      expect(answer.ok).to.equal(false);
      expect(answer.error).to.equal('SignatureError');
    });

    it('pysaml2 refuses an expired assertion (our IdP clock 10 minutes behind)', async () => {
      await startIdp({}, { clock: () => Date.now() - 10 * 60_000 });
      const posted = await logInAt((idp as IdpServer).idp.initiateUrl(SP.entityId));
      const answer = await peer.call<Login>({ op: 'acs', SAMLResponse: posted.form?.get('SAMLResponse') ?? '', allowUnsolicited: true });
      expect(answer.ok).to.equal(false);
      expect(answer.error).to.equal('ResponseLifetimeExceed');
    });

    it('pysaml2 refuses an IdP-initiated response unless told to accept unsolicited ones', async () => {
      await startIdp();
      const posted = await logInAt((idp as IdpServer).idp.initiateUrl(SP.entityId));
      const answer = await peer.call<Login>({ op: 'acs', SAMLResponse: posted.form?.get('SAMLResponse') ?? '' });
      expect(answer.ok).to.equal(false);
      expect(answer.error).to.equal('UnsolicitedResponse');
    });

    it('pysaml2 refuses an encrypted assertion signed with a key that is not in our metadata', async () => {
      const rogue = testKeyPair('rogue-idp');
      await startIdp({}, { privateKey: rogue.keyPem, publicKeys: [rogue.certPem] });
      const posted = await logInAt((idp as IdpServer).idp.initiateUrl(SP.entityId));
      expect(postedXml(posted)).to.include('<saml:EncryptedAssertion');
      const answer = await peer.call<Login>({ op: 'acs', SAMLResponse: posted.form?.get('SAMLResponse') ?? '', allowUnsolicited: true });
      expect(answer.ok).to.equal(false);
      expect(answer.error).to.equal('SignatureError');
    });

    it('our IdP refuses its LogoutRequest with a broken signature; pysaml2 refuses our LogoutRequest with a broken signature', async () => {
      const server = await startIdp();
      await spInitiatedLogin();
      const { url } = await peer.expectOk<{ url: string }>({ op: 'logout' });
      expectRefusal(await browser.go(breakSignature(url)), 'SIGNATURE_INVALID');
      // The IdP session is untouched: IdP-initiated logout reaches pysaml2, which refuses a broken signature.
      const atSp = await browser.go(server.idp.logoutUrl('/bye'));
      expect(atSp.url.startsWith(`${SP.slo}?SAMLRequest=`)).to.equal(true);
      const refused = await peer.call<LogoutRequestOutcome>({ op: 'slo', url: breakSignature(atSp.url) });
      expect(refused.ok).to.equal(false);
      expect(refused.error).to.equal('Refused');
      expect(refused.message).to.equal('HTTP-Redirect signature does not verify');
      // Its own session is still there; the intact request logs it out.
      expect((await peer.expectOk<LogoutRequestOutcome>({ op: 'slo', url: atSp.url })).loggedIn).to.equal(false);
    });
  });
});
