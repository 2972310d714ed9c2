import { expect } from 'chai';
import {
  BINDING,
  ConfigError,
  STATUS,
  buildLogoutRequest,
  buildSoapEnvelope,
  findSignature,
  parseLogoutResponse,
  parseSoapEnvelope,
  serializeXml,
  signElement,
  verifyEnvelopedSignature,
} from '@koa-mellon/saml';
import { createMellon } from 'koa-mellon';
import { testKeyPair } from '../../../test/helpers/keys.js';
import { requireXmlsec } from '../../../test/helpers/xmlsec.js';
import type { Browser } from './helpers/browser.js';
import { nextOf, redirectMessage } from './helpers/saml.js';
import { IdpServer, startWorld, type IdpServerOptions, type SpServer, type World } from './helpers/world.js';

/** The SP's metadata with only its SOAP SingleLogoutService left: the IdP must use the back-channel. */
function soapOnlySlo(metadata: string): string {
  const stripped = metadata.replace(/<md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2\.0:bindings:HTTP-(Redirect|POST)"[^>]*\/>/g, '');
  expect(stripped).to.include(`Binding="${BINDING.soap}"`).and.not.include('bindings:HTTP-Redirect');
  return stripped;
}

// saml-profiles §4.4.3.4: an SP that offers only the SOAP back-channel is told directly by the
// IdP, during the same single logout, while the browser visits the others.
describe('@koa-mellon/idp single logout over the SOAP back-channel (koa-mellon SP with soapLogout)', () => {
  let world: World;
  let browser: Browser;
  let front: SpServer;
  let back: SpServer;
  before(requireXmlsec);
  afterEach(() => world.stop());

  /** Two SPs, the second reachable over SOAP only (on its real 127.0.0.1 URL); the user logged in to both. */
  async function start(backSoapLogout: boolean, idpSettings: IdpServerOptions['settings'] = {}): Promise<void> {
    world = await startWorld({ sps: [{}, { origin: 'local', settings: { soapLogout: backSoapLogout } }] });
    browser = world.browser;
    [front, back] = world.sps as [SpServer, SpServer];
    await world.idp.stop();
    const backMetadata = backSoapLogout ? soapOnlySlo(await back.metadata()) : soapOnlySlo((await back.metadata()).replace(`Binding="${BINDING.redirect}" Location="${back.mellon.urls.logout}"`, `Binding="${BINDING.soap}" Location="${back.mellon.urls.logout}"`));
    world.idp = await IdpServer.start(browser, [{ metadata: await front.metadata() }, { metadata: backMetadata }], { settings: idpSettings });
    const atLogin = await browser.go(`${front.mellon.urls.login}?next=/`);
    await browser.go(world.idp.url(`/login/as?user=alice&next=${encodeURIComponent(nextOf(atLogin.url))}`));
    await browser.go(`${back.mellon.urls.login}?next=/`);
    expect((await front.whoami()).user).to.not.equal(null);
    expect((await back.whoami()).user).to.not.equal(null);
  }

  it('publishes the SOAP SingleLogoutService in the SP metadata only with soapLogout', async () => {
    await start(true);
    expect(await back.metadata()).to.include(`<md:SingleLogoutService Binding="${BINDING.soap}" Location="${back.mellon.urls.logout}"/>`);
    expect(await front.metadata()).to.not.include(BINDING.soap);
  });

  it('started at the other SP: the SOAP SP is logged out server-side, the initiator gets Success', async () => {
    await start(true);
    const done = await browser.go(`${front.mellon.urls.logout}?next=/bye`);
    expect(done.url).to.equal('https://sp.example.test/bye');
    // The browser never went to the SOAP SP; its session ended all the same.
    expect(done.history.some((step) => step.url.startsWith(back.origin))).to.equal(false);
    expect((await back.whoami()).user).to.equal(null);
    const answer = done.history.find((step) => step.url.startsWith(`${front.mellon.urls.logout}?SAMLResponse=`));
    expect(parseLogoutResponse(redirectMessage(answer?.url ?? '').parsed.root).statusCodes).to.deep.equal([STATUS.success]);
  });

  it('started at the IdP: the front-channel SP through the browser, the SOAP SP directly, then next', async () => {
    await start(true);
    const done = await browser.go(world.idp.idp.logoutUrl('/bye'));
    expect(done.url).to.equal(world.idp.url('/bye'));
    expect((await front.whoami()).user).to.equal(null);
    expect((await back.whoami()).user).to.equal(null);
  });

  it('an SP that refuses the SOAP LogoutRequest keeps its session, and the logout is reported partial', async () => {
    // Its metadata (as the IdP has it) claims SOAP logout, but the SP has soapLogout off: it answers 400.
    await start(false);
    const done = await browser.go(`${front.mellon.urls.logout}?next=/bye`);
    expect(done.url).to.equal('https://sp.example.test/bye');
    expect((await back.whoami()).user).to.not.equal(null);
    const answer = done.history.find((step) => step.url.startsWith(`${front.mellon.urls.logout}?SAMLResponse=`));
    expect(parseLogoutResponse(redirectMessage(answer?.url ?? '').parsed.root).statusCodes).to.deep.equal([STATUS.success, STATUS.partialLogout]);
  });

  describe('started by an SP over SOAP (the IdP with soapLogout)', () => {
    const ended: string[] = [];
    const soapLogout = { soapLogout: true, backChannelLogout: (userId: string) => void ended.push(userId) };
    beforeEach(() => {
      ended.length = 0;
    });

    /** `sp`'s LogoutRequest for its current user, signed with its key, posted to the IdP's slo/ in a SOAP envelope. */
    async function soapLogoutFrom(sp: SpServer, id?: string, issuedAt?: number): Promise<{ status: number; text: string }> {
      const me = (await sp.whoami()).mellon;
      const { document } = buildLogoutRequest({
        ...(id ? { id } : {}),
        ...(issuedAt !== undefined ? { clock: () => issuedAt } : {}),
        issuer: sp.mellon.urls.entityId,
        destination: world.idp.idp.urls.slo,
        nameId: { value: me?.nameIdContent ?? '', format: me?.nameIdFormat },
        sessionIndexes: me?.sessionIndex ? [me.sessionIndex] : [],
      });
      // An old request as SPs that omit NotOnOrAfter send it: only its IssueInstant dates it.
      if (issuedAt !== undefined) document.documentElement.removeAttribute('NotOnOrAfter');
      signElement(document.documentElement, { privateKey: testKeyPair('sp').privateKey });
      const response = await fetch(`${world.idp.local}${new URL(world.idp.idp.urls.slo).pathname}`, {
        method: 'POST',
        headers: { 'content-type': 'text/xml', 'x-forwarded-proto': 'https' },
        body: serializeXml(buildSoapEnvelope(document.documentElement)),
      });
      return { status: response.status, text: await response.text() };
    }

    /** The IdP's signed LogoutResponse from a SOAP answer. */
    function logoutResponse(text: string) {
      const { parsed, message } = parseSoapEnvelope(text);
      verifyEnvelopedSignature(message, findSignature(message)!, { keys: [testKeyPair('idp').publicKey], ids: parsed.ids });
      return parseLogoutResponse(message);
    }

    it('publishes a SOAP SingleLogoutService in the IdP metadata', async () => {
      await start(true, soapLogout);
      expect(world.idp.idp.metadata()).to.include(`<md:SingleLogoutService Binding="${BINDING.soap}" Location="${world.idp.idp.urls.slo}"/>`);
    });

    it('the IdP session and your sessions end, the SOAP SP is told, the initiator gets a signed Success', async () => {
      await start(true, soapLogout);
      const answer = await soapLogoutFrom(front, '_soap-logout-1');
      expect(answer.status).to.equal(200);
      const response = logoutResponse(answer.text);
      expect([response.inResponseTo, response.statusCodes]).to.deep.equal(['_soap-logout-1', [STATUS.success]]);
      expect(ended).to.deep.equal(['u-1001']);
      expect((await back.whoami()).user).to.equal(null);
      // The same request again: verified, so a LogoutResponse says why (no second logout).
      const replay = logoutResponse((await soapLogoutFrom(front, '_soap-logout-1')).text);
      expect([replay.statusCodes, replay.statusMessage]).to.deep.equal([[STATUS.requester], 'REPLAYED_ASSERTION']);
      expect(ended).to.have.length(1);
    });

    it('the user has two IdP sessions (two browsers): the SessionIndex names the one that ends, the other stays', async () => {
      await start(true, soapLogout);
      const phone = browser.another();
      const atLogin = await phone.go(`${front.mellon.urls.login}?next=/`);
      await phone.go(world.idp.url(`/login/as?user=alice&next=${encodeURIComponent(nextOf(atLogin.url))}`));
      await phone.go(`${back.mellon.urls.login}?next=/`);
      const phoneAtBack = async () => ((await (await phone.request(new URL('/whoami', back.origin).href, { accept: 'application/json' })).json()) as { user: unknown }).user;
      expect(await phoneAtBack()).to.not.equal(null);

      // The first browser's session, named by its SessionIndex (the NameID is the same in both).
      const response = logoutResponse((await soapLogoutFrom(front)).text);
      expect(response.statusCodes).to.deep.equal([STATUS.success]);
      expect(ended).to.deep.equal(['u-1001']);
      expect((await back.whoami()).user).to.equal(null);
      expect(await phoneAtBack()).to.not.equal(null);
    });

    it('a LogoutRequest older than the replay window is refused (Requester), even without NotOnOrAfter', async () => {
      await start(true, soapLogout);
      const old = logoutResponse((await soapLogoutFrom(front, undefined, Date.now() - 30 * 60 * 1000)).text);
      expect([old.statusCodes, old.statusMessage]).to.deep.equal([[STATUS.requester], 'ASSERTION_EXPIRED']);
      expect(ended).to.deep.equal([]);
      expect((await back.whoami()).user).to.not.equal(null);
    });

    it('an SP reachable only through the browser cannot be told: PartialLogout, and it keeps its session', async () => {
      await start(true, soapLogout);
      const response = logoutResponse((await soapLogoutFrom(back)).text);
      expect(response.statusCodes).to.deep.equal([STATUS.success, STATUS.partialLogout]);
      expect((await front.whoami()).user).to.not.equal(null);
    });

    it('refused without soapLogout (403, SOAP fault), and soapLogout needs backChannelLogout', async () => {
      await start(true);
      const answer = await soapLogoutFrom(front);
      expect(answer.status).to.equal(403);
      expect(answer.text).to.include('<faultstring>BINDING_INVALID</faultstring>');
      expect((await back.whoami()).user).to.not.equal(null);
      expect(() => IdpServer.metadataFor('https://idp.example.test', { settings: { soapLogout: true } })).to.throw(ConfigError, 'backChannelLogout');
    });
  });
});

// saml-bindings §3.2.3.3: before the IdP is verified, 403 (refused sender) or 500 (not SOAP and
// SAML) with a SOAP fault; after, a 200 whose signed LogoutResponse carries the error status.
describe('koa-mellon SOAP logout/ endpoint refusals', () => {
  let world: World;
  let sp: SpServer;
  before(requireXmlsec);
  beforeEach(async () => {
    world = await startWorld({ sps: [{ origin: 'local', settings: { soapLogout: true } }] });
    sp = world.sps[0] as SpServer;
  });
  afterEach(() => world.stop());

  const post = (body: string) => fetch(sp.mellon.urls.logout, { method: 'POST', headers: { 'content-type': 'text/xml' }, body });
  const fault = (text: string) => /<faultcode>soap:(\w+)<\/faultcode><faultstring>(\w+)<\/faultstring>/.exec(text)?.slice(1);

  /** A LogoutRequest from `issuer` in a SOAP envelope, signed with the test IdP's key when `signed`. */
  function soapRequest(issuer: string, signed: boolean, destination = sp.mellon.urls.logout): string {
    const { document } = buildLogoutRequest({ issuer, destination, nameId: { value: 'someone' }, sessionIndexes: [] });
    if (signed) signElement(document.documentElement, { privateKey: testKeyPair('idp').privateKey });
    return serializeXml(buildSoapEnvelope(document.documentElement));
  }

  it('an unsigned or foreign LogoutRequest: 403 and a SOAP fault naming the code', async () => {
    const unsigned = await post(soapRequest(world.idp.idp.urls.entityId, false));
    expect([unsigned.status, fault(await unsigned.text())]).to.deep.equal([403, ['Client', 'SIGNATURE_MISSING']]);
    const foreign = await post(soapRequest('https://evil.example/idp', true));
    expect([foreign.status, fault(await foreign.text())]).to.deep.equal([403, ['Client', 'ISSUER_MISMATCH']]);
  });

  it('not a SAML message in a SOAP envelope: 500 and a SOAP fault', async () => {
    const notSoap = await post('<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"/>');
    expect([notSoap.status, fault(await notSoap.text())]).to.deep.equal([500, ['Client', 'MESSAGE_TYPE_UNEXPECTED']]);
    const doctype = await post('<!DOCTYPE x [<!ENTITY a "b">]><x/>');
    expect([doctype.status, fault(await doctype.text())]).to.deep.equal([500, ['Client', 'XML_DOCTYPE_FORBIDDEN']]);
  });

  it('a LogoutRequest is acted on once: a replayed copy gets the Requester status', async () => {
    const request = soapRequest(world.idp.idp.urls.entityId, true);
    expect((await post(request)).status).to.equal(200);
    const replay = parseLogoutResponse(parseSoapEnvelope(await (await post(request)).text()).message);
    expect([replay.statusCodes, replay.statusMessage]).to.deep.equal([[STATUS.requester], 'REPLAYED_ASSERTION']);
  });

  it('soapLogout without a private key to sign the answers is a ConfigError', () => {
    expect(() => createMellon({ baseUrl: 'https://sp.example.test/sp', identityProviders: [{ metadata: world.idp.idp.metadata() }], soapLogout: true })).to.throw(ConfigError, 'soapLogout');
  });

  it('a verified LogoutRequest it cannot honour: 200 and a signed LogoutResponse with the Requester status', async () => {
    const response = await post(soapRequest(world.idp.idp.urls.entityId, true, 'https://elsewhere.example/logout/'));
    expect(response.status).to.equal(200);
    const { parsed, message } = parseSoapEnvelope(await response.text());
    const signature = findSignature(message);
    expect(signature).to.not.equal(undefined);
    verifyEnvelopedSignature(message, signature!, { keys: [testKeyPair('sp').publicKey], ids: parsed.ids });
    const answer = parseLogoutResponse(message);
    expect(answer.statusCodes).to.deep.equal([STATUS.requester]);
    expect(answer.statusMessage).to.equal('DESTINATION_MISMATCH');
  });
});
