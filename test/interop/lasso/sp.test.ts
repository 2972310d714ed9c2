// Lasso (Entr'ouvert; Debian python3-lasso 2.8.1, the SAML engine of mod_auth_mellon and
// django-mellon) as a service provider of our IdP (@koa-mellon/idp). One Lasso process serves the
// suite (lasso_sp.py: the Lasso calls mod_auth_mellon 0.18 makes, plus the checks mellon adds
// because Lasso does not make them: Destination, Recipient, Conditions and Audience); the test
// browser carries the messages between it and our IdP. For SOAP back-channel logout the Lasso
// process also serves mellon's logout endpoint on 127.0.0.1, and our IdP posts to it directly;
// the other way round, Lasso posts its SOAP LogoutRequest to our IdP served on 127.0.0.1.
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { expect } from 'chai';
import { BINDING, BLOCK_ENCRYPTION, NAMEID_FORMAT, STATUS, parseLogoutResponse } from '@koa-mellon/saml';
import type Koa from 'koa';
import type { IdpLogger, IdpSettings, ServiceProviderSettings } from '@koa-mellon/idp';
import { testKeyPair } from '../../helpers/keys.js';
import { Browser, type Stop } from '../../../packages/idp/test/helpers/browser.js';
import { PeerProcess, requirePythonModule } from '../../../packages/idp/test/helpers/peer-process.js';
import { breakSignature, expectRefusal, nextOf, redirectMessage } from '../../../packages/idp/test/helpers/saml.js';
import { IdpServer, SpServer, type TestUser } from '../../../packages/idp/test/helpers/world.js';

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
/** Lasso's SP-initiated SOAP logout: what it sent, what came back over HTTP, what Lasso made of it. */
interface SoapExchange {
  readonly httpStatus: number;
  readonly contentType: string | null;
  /** faultcode and faultstring of a SOAP fault answer. */
  readonly fault: [string, string] | null;
  readonly answerSigned: boolean;
  /** The Lasso exception processResponseMsg raised, if any. */
  readonly lassoError: string | null;
  /** Lasso's signatureStatus after it (it may raise ProfileStatusNotSuccessError for an answer whose signature failed). */
  readonly signatureError: string | null;
  /** The status read, only from an answer whose signature Lasso verified. */
  readonly status: string | null;
  readonly subStatus: string | null;
  readonly statusMessage: string | null;
  readonly inResponseTo: string | null;
}
interface SoapLogout extends SoapExchange {
  readonly url: string;
  readonly id: string;
  readonly nameId: string;
  readonly sessionIndexes: string[];
  readonly signed: boolean;
  readonly replay?: SoapExchange;
}
interface LogoutRequestOutcome {
  readonly kind: 'LogoutRequest';
  readonly nameId: string;
  readonly sessionIndexes: string[];
  readonly hadSession: boolean;
  readonly validateError: string | null;
  readonly url: string;
}
/** What the Lasso SP's SOAP endpoint received and did (am_handle_logout_request, SOAP binding). */
interface SoapSeen {
  readonly contentType: string;
  readonly soapAction: string | null;
  readonly mode: 'answer' | 'tamper' | 'drop';
  readonly processError?: string | null;
  readonly id?: string;
  readonly issuer?: string;
  readonly destination?: string | null;
  readonly nameId?: string;
  readonly sessionIndexes?: string[];
  readonly hadSession?: boolean;
  readonly validateError?: string | null;
  readonly answered?: { status: string; subStatus: string | null; signed: boolean };
}

/** A 127.0.0.1 server for IdpServer.start, its URL known before the IdP (so SPs can be given our metadata). */
type Listening = NonNullable<Parameters<typeof IdpServer.start>[3]>;

async function reserveLocal(): Promise<Listening> {
  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  const server = createServer((req, res) => (handler ? handler(req, res) : res.writeHead(503).end()));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    server,
    local: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    setApp(app: Koa) {
      handler = app.callback();
    },
  };
}

describe('interop: Lasso (mod_auth_mellon) as a service provider of our IdP', function () {
  this.timeout(30_000);
  let dir: string;
  let peer: PeerProcess;
  let spMetadata: string;
  /** Its metadata with only the SOAP SingleLogoutService, at the loopback URL the peer serves. */
  let soapMetadata: string;
  let soapUrl: string;
  let idpMetadata: string;
  let browser: Browser;
  let idp: IdpServer | undefined;

  before(async function () {
    this.timeout(60_000);
    await requirePythonModule('lasso', 'python3-lasso');
    dir = mkdtempSync(join(tmpdir(), 'km-lasso-sp-'));
    idpMetadata = IdpServer.metadataFor(IDP_ORIGIN, { settings: IDP_SETTINGS });
    writeFileSync(join(dir, 'idp.xml'), idpMetadata);
    const keys = testKeyPair('lasso-sp');
    const started = await PeerProcess.start<{ metadata: string; soapMetadata: string; soapLogout: string }>(SCRIPT, [JSON.stringify({ entityId: SP.entityId, endpoint: SP.endpoint, key: keys.keyPath, cert: keys.certPath, idpMetadata: join(dir, 'idp.xml') })]);
    peer = started.peer;
    spMetadata = started.ready.metadata;
    soapMetadata = started.ready.soapMetadata;
    soapUrl = started.ready.soapLogout;
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
    expect(url.startsWith((idp as IdpServer).url('/idp/sso/?SAMLRequest='))).to.equal(true);
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

  // saml-profiles §4.4.3.4: mod_auth_mellon takes LogoutRequests over SOAP at its logout endpoint
  // (am_handle_logout: a POST without a query). Given only that SingleLogoutService, our IdP must
  // tell it directly, during the browser's single logout, and count what it answers.
  describe('single logout over the SOAP back-channel (its metadata offers only SOAP)', () => {
    let front: SpServer | undefined;
    let logs: { level: string; obj: Record<string, unknown> }[];
    afterEach(async () => {
      await front?.stop();
      front = undefined;
      await peer.expectOk({ op: 'soapMode', mode: 'answer' });
      await peer.expectOk({ op: 'soapLog' });
    });

    function logger(): IdpLogger {
      logs = [];
      const log = (level: string) => (obj: object) => logs.push({ level, obj: obj as Record<string, unknown> });
      return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
    }

    /** What the IdP logged of the SOAP call and of the run: `partial` is only in the run's last entry. */
    function outcome(): { partial: unknown; codes: unknown[] } {
      return { partial: logs.find((entry) => 'partial' in entry.obj)?.obj['partial'], codes: logs.filter((entry) => 'code' in entry.obj).map((entry) => entry.obj['code']) };
    }

    /** Lasso (SOAP only) and a koa-mellon SP (front channel) at our IdP; the user logged in to both. */
    async function loginBoth(): Promise<{ login: Login; front: SpServer }> {
      browser = new Browser();
      front = await SpServer.start(browser, idpMetadata);
      idp = await IdpServer.start(browser, [{ metadata: soapMetadata, attributes: RELEASE }, { metadata: await front.metadata() }], { origin: IDP_ORIGIN, settings: { ...IDP_SETTINGS, logger: logger() } });
      const { login } = await spInitiatedLogin();
      await browser.go(`${front.mellon.urls.login}?next=/`);
      expect((await front.whoami()).user?.username).to.be.a('string');
      return { login, front };
    }

    /** SP-initiated at the koa-mellon SP: the status codes of the LogoutResponse it gets from our IdP. */
    async function logoutAtFront(sp: SpServer): Promise<readonly string[]> {
      const done = await browser.go(`${sp.mellon.urls.logout}?next=/bye`);
      expect(done.url).to.equal('https://sp.example.test/bye');
      // The browser never went to the Lasso SP: our IdP told it over the back-channel.
      expect(done.history.some((step) => step.url.startsWith(SP_ORIGIN))).to.equal(false);
      const answer = done.history.find((step) => step.url.startsWith(`${sp.mellon.urls.logout}?SAMLResponse=`));
      expect((await sp.whoami()).user).to.equal(null);
      return parseLogoutResponse(redirectMessage(answer?.url ?? '').parsed.root).statusCodes;
    }

    async function soapLog(): Promise<SoapSeen[]> {
      return (await peer.expectOk<{ requests: SoapSeen[] }>({ op: 'soapLog' })).requests;
    }

    it('its metadata, as our IdP has it, offers only SOAP logout, at the loopback endpoint Lasso serves', () => {
      expect(soapUrl).to.match(/^http:\/\/127\.0\.0\.1:\d+\/mellon\/logout$/);
      expect(soapMetadata).to.include(`<SingleLogoutService Binding="${BINDING.soap}" Location="${soapUrl}"/>`);
      expect(soapMetadata).to.not.include(BINDING.redirect).and.not.include(`SingleLogoutService Binding="${BINDING.post}"`);
    });

    it('IdP-initiated (slo/?next=): Lasso verifies our signed SOAP LogoutRequest, ends that NameID and SessionIndex, answers signed Success', async () => {
      const server = await startIdp({ metadata: soapMetadata }, { logger: logger() });
      const { login } = await spInitiatedLogin();
      const done = await browser.go(server.idp.logoutUrl('/bye'));
      expect(done.url).to.equal(server.url('/bye'));
      expect(done.history.every((step) => step.url.startsWith(IDP_ORIGIN))).to.equal(true);
      const [seen, ...more] = await soapLog();
      expect(more).to.have.length(0);
      expect(seen?.contentType).to.match(/^text\/xml\b/);
      // saml-bindings §3.2.3.3 recommends this SOAPAction.
      expect(seen?.soapAction).to.equal('http://www.oasis-open.org/committees/security');
      // No DsSignatureNotFoundError (which mellon would let pass): Lasso found and verified our signature.
      expect(seen?.processError).to.equal(null);
      expect(seen?.issuer).to.equal(server.idp.urls.entityId);
      expect(seen?.destination).to.equal(soapUrl);
      expect(seen?.nameId).to.equal(login.nameId);
      expect(seen?.sessionIndexes).to.deep.equal([login.sessionIndex]);
      expect(seen?.hadSession).to.equal(true);
      expect(seen?.validateError).to.equal(null);
      expect(seen?.answered).to.deep.equal({ status: SUCCESS, subStatus: null, signed: true });
      expect((await peer.expectOk<{ nameIds: string[] }>({ op: 'sessions' })).nameIds).to.not.include(login.nameId);
      // Our IdP verified Lasso's signed answer: the run was not partial.
      expect(outcome()).to.deep.equal({ partial: false, codes: [] });
    });

    it('started at a front-channel SP (koa-mellon): Lasso is told over SOAP, and the initiator gets Success, not PartialLogout', async () => {
      const { login, front: sp } = await loginBoth();
      expect(await logoutAtFront(sp)).to.deep.equal([STATUS.success]);
      const [seen] = await soapLog();
      expect(seen?.nameId).to.equal(login.nameId);
      expect(seen?.hadSession).to.equal(true);
      expect(seen?.answered?.status).to.equal(SUCCESS);
      expect((await peer.expectOk<{ nameIds: string[] }>({ op: 'sessions' })).nameIds).to.not.include(login.nameId);
    });

    it('Lasso answers with its signature altered: our IdP refuses the answer and reports PartialLogout', async () => {
      const { login, front: sp } = await loginBoth();
      await peer.expectOk({ op: 'soapMode', mode: 'tamper' });
      expect(await logoutAtFront(sp)).to.deep.equal([STATUS.success, STATUS.partialLogout]);
      // Lasso did log the user out and said so; only the signature over its answer was broken.
      const [seen] = await soapLog();
      expect([seen?.nameId, seen?.hadSession, seen?.answered?.status]).to.deep.equal([login.nameId, true, SUCCESS]);
      expect(outcome().codes).to.deep.equal(['SIGNATURE_INVALID']);
    });

    it('Lasso closes the connection without answering: PartialLogout', async () => {
      const { login, front: sp } = await loginBoth();
      await peer.expectOk({ op: 'soapMode', mode: 'drop' });
      expect(await logoutAtFront(sp)).to.deep.equal([STATUS.success, STATUS.partialLogout]);
      expect((await soapLog()).map((seen) => seen.mode)).to.deep.equal(['drop']);
      expect(outcome().codes).to.deep.equal(['LOGOUT_FAILED']);
      expect((await peer.expectOk<{ nameIds: string[] }>({ op: 'sessions' })).nameIds).to.include(login.nameId);
    });

    it('Lasso no longer holds the session (mellon restarted): it answers a signed Responder/RequestDenied, and our IdP reports PartialLogout', async () => {
      const { login, front: sp } = await loginBoth();
      await peer.expectOk({ op: 'forget' });
      expect(await logoutAtFront(sp)).to.deep.equal([STATUS.success, STATUS.partialLogout]);
      const [seen] = await soapLog();
      expect([seen?.nameId, seen?.hadSession, seen?.validateError]).to.deep.equal([login.nameId, false, 'ProfileSessionNotFoundError']);
      expect(seen?.answered).to.deep.equal({ status: STATUS.responder, subStatus: STATUS.requestDenied, signed: true });
      expect(outcome().codes).to.deep.equal(['LOGOUT_FAILED']);
    });
  });

  // saml-profiles §4.4.3.4 the other way round: Lasso starts single logout over SOAP at our IdP's
  // slo/ (lasso_logout_init_request with HTTP_METHOD_SOAP) and posts it itself. Our IdP runs with
  // soapLogout on 127.0.0.1, where the Lasso process can reach it, and Lasso is given the metadata
  // our IdP publishes with those settings (it then lists the SOAP SingleLogoutService).
  describe('single logout started by Lasso over SOAP (our IdP with soapLogout)', () => {
    const ended: string[] = [];
    const backChannelLogout = (userId: string): void => void ended.push(userId);
    const SOAP_IDP = { ...IDP_SETTINGS, soapLogout: true, backChannelLogout };
    /** soapLogout off; backChannelLogout given all the same, so that a call would show. */
    const NO_SOAP_IDP = { ...IDP_SETTINGS, backChannelLogout };
    let reserved: Listening | undefined;
    let front: SpServer | undefined;
    beforeEach(() => {
      ended.length = 0;
    });
    afterEach(async () => {
      await front?.stop();
      front = undefined;
      // Closed by idp.stop() once an IdP was started on it.
      if (reserved?.server.listening) reserved.server.close();
      reserved = undefined;
    });
    after(() => peer.expectOk({ op: 'useIdp', metadata: idpMetadata }));

    /**
     * Our IdP on 127.0.0.1 with `settings`; Lasso given its metadata for `published` settings (the
     * same by default); with `front`, a koa-mellon SP that has only front-channel logout as a
     * second SP. The user logged in to Lasso (and to that SP) at our IdP.
     */
    async function start(settings: Partial<IdpSettings<TestUser>>, options: { published?: Partial<IdpSettings<TestUser>>; front?: boolean } = {}): Promise<{ login: Login; server: IdpServer }> {
      browser = new Browser();
      reserved = await reserveLocal();
      const metadata = IdpServer.metadataFor(reserved.local, { settings: options.published ?? settings });
      await peer.expectOk({ op: 'useIdp', metadata });
      const sps: ServiceProviderSettings<TestUser>[] = [{ metadata: spMetadata, attributes: RELEASE }];
      if (options.front) {
        front = await SpServer.start(browser, metadata);
        sps.push({ metadata: await front.metadata() });
      }
      idp = await IdpServer.start(browser, sps, { origin: 'local', settings }, reserved);
      const { login } = await spInitiatedLogin();
      if (front) {
        await browser.go(`${front.mellon.urls.login}?next=/`);
        expect((await front.whoami()).user).to.not.equal(null);
      }
      return { login, server: idp };
    }

    async function sessionsHeld(): Promise<string[]> {
      return (await peer.expectOk<{ nameIds: string[] }>({ op: 'sessions' })).nameIds;
    }

    /** Lasso logs in again: with the app's login cookie still there, no login page; the SessionIndex says which IdP session. */
    async function loginAgain(): Promise<Login> {
      const { url } = await peer.expectOk<{ url: string }>({ op: 'login' });
      const posted = await browser.go(url);
      expect(posted.url).to.equal(SP.acs);
      return peer.expectOk<Login>({ op: 'acs', SAMLResponse: posted.form?.get('SAMLResponse') ?? '' });
    }

    it('our metadata, as Lasso is given it, lists the SOAP SingleLogoutService at slo/', async () => {
      const { server } = await start(SOAP_IDP);
      expect(IdpServer.metadataFor(server.origin, { settings: SOAP_IDP })).to.include(`<md:SingleLogoutService Binding="${BINDING.soap}" Location="${server.idp.urls.slo}"/>`);
      expect(server.idp.urls.slo).to.match(/^http:\/\/127\.0\.0\.1:\d+\/idp\/slo\/$/);
    });

    it('our IdP verifies its signed LogoutRequest, ends the IdP session, calls backChannelLogout; Lasso verifies our signed Success', async () => {
      const { login, server } = await start(SOAP_IDP);
      const out = await peer.expectOk<SoapLogout>({ op: 'soapLogout', replay: true });
      expect(out.url).to.equal(server.idp.urls.slo);
      expect([out.signed, out.nameId, out.sessionIndexes]).to.deep.equal([true, login.nameId, [login.sessionIndex]]);
      expect([out.httpStatus, out.fault, out.answerSigned]).to.deep.equal([200, null, true]);
      expect(out.contentType).to.match(/^text\/xml\b/);
      expect([out.lassoError, out.signatureError, out.status, out.subStatus, out.inResponseTo]).to.deep.equal([null, null, SUCCESS, null, out.id]);
      expect(ended).to.deep.equal(['u-1001']);
      expect(await sessionsHeld()).to.not.include(login.nameId);
      // The same request again: verified, so answered with a status (no second logout).
      expect(out.replay).to.include({ httpStatus: 200, answerSigned: true, lassoError: 'ProfileStatusNotSuccessError', signatureError: null, status: STATUS.requester, statusMessage: 'REPLAYED_ASSERTION', inResponseTo: out.id });
      expect(ended).to.have.length(1);
      // The IdP session is over: Lasso's next login is in a new one (the test app's own login is a
      // signed cookie that backChannelLogout cannot reach, so no login page is shown).
      expect((await loginAgain()).sessionIndex).to.not.equal(login.sessionIndex);
      expect(server.loginPages).to.have.length(1);
    });

    it('a second SP in the session, reachable only through the browser: Success + PartialLogout, and that SP keeps its session', async () => {
      const { login } = await start(SOAP_IDP, { front: true });
      const out = await peer.expectOk<SoapLogout>({ op: 'soapLogout' });
      // Lasso accepts it (only the top-level code decides) and ends its own session.
      expect([out.httpStatus, out.answerSigned, out.lassoError, out.signatureError]).to.deep.equal([200, true, null, null]);
      expect([out.status, out.subStatus, out.inResponseTo]).to.deep.equal([SUCCESS, STATUS.partialLogout, out.id]);
      expect(ended).to.deep.equal(['u-1001']);
      expect(await sessionsHeld()).to.not.include(login.nameId);
      expect((await (front as SpServer).whoami()).user).to.not.equal(null);
    });

    it('our IdP without soapLogout, its metadata listing no SOAP logout: Lasso does not even send', async () => {
      const { login, server } = await start(NO_SOAP_IDP);
      expect(IdpServer.metadataFor(server.origin, { settings: NO_SOAP_IDP })).to.not.include(BINDING.soap);
      const out = await peer.call<SoapLogout>({ op: 'soapLogout' });
      expect([out.ok, out.error]).to.deep.equal([false, 'ProfileUnsupportedProfileError']);
      expect(ended).to.deep.equal([]);
      expect(await sessionsHeld()).to.include(login.nameId);
    });

    it('our IdP without soapLogout, Lasso holding metadata that lists it: 403 and a SOAP fault BINDING_INVALID; Lasso reports failure', async () => {
      const { login } = await start(NO_SOAP_IDP, { published: SOAP_IDP });
      const out = await peer.expectOk<SoapLogout>({ op: 'soapLogout' });
      expect([out.httpStatus, out.fault, out.answerSigned]).to.deep.equal([403, ['soap:Client', 'BINDING_INVALID'], false]);
      // Lasso does not read SOAP faults: it finds no LogoutResponse in the answer.
      expect([out.lassoError, out.signatureError, out.status]).to.deep.equal(['ProfileInvalidMsgError', null, null]);
      expect(ended).to.deep.equal([]);
      expect(await sessionsHeld()).to.include(login.nameId);
      // The IdP session is still open: the next login is given the same SessionIndex.
      expect((await loginAgain()).sessionIndex).to.equal(login.sessionIndex);
    });

    it('its LogoutRequest with one octet of its signature altered: 403 and a SOAP fault SIGNATURE_INVALID; the IdP session stays', async () => {
      const { login } = await start(SOAP_IDP);
      const out = await peer.expectOk<SoapLogout>({ op: 'soapLogout', tamper: 'request' });
      expect([out.httpStatus, out.fault, out.answerSigned]).to.deep.equal([403, ['soap:Client', 'SIGNATURE_INVALID'], false]);
      expect([out.lassoError, out.signatureError, out.status]).to.deep.equal(['ProfileInvalidMsgError', null, null]);
      expect(ended).to.deep.equal([]);
      expect(await sessionsHeld()).to.include(login.nameId);
      expect((await loginAgain()).sessionIndex).to.equal(login.sessionIndex);
      // The intact request from the same session is accepted.
      const intact = await peer.expectOk<SoapLogout>({ op: 'soapLogout' });
      expect([intact.httpStatus, intact.lassoError, intact.signatureError, intact.status, intact.inResponseTo]).to.deep.equal([200, null, null, SUCCESS, intact.id]);
      expect(ended).to.deep.equal(['u-1001']);
    });

    it('our answer with one octet of its signature altered in transit: Lasso refuses it and keeps its session', async () => {
      const { login } = await start(SOAP_IDP);
      const out = await peer.expectOk<SoapLogout>({ op: 'soapLogout', tamper: 'response' });
      expect([out.httpStatus, out.fault, out.answerSigned]).to.deep.equal([200, null, true]);
      expect([out.lassoError, out.signatureError, out.status]).to.deep.equal(['ProfileCannotVerifySignatureError', 'DsSignatureVerificationFailedError', null]);
      expect(await sessionsHeld()).to.include(login.nameId);
      // Our IdP had done the logout; only its answer was refused.
      expect(ended).to.deep.equal(['u-1001']);
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
