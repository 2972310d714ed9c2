import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { expect } from 'chai';
import { BINDING, NAMEID_FORMAT, buildArtifactResolve, buildLogoutResponse, buildSoapEnvelope, serializeXml, signElement } from '@koa-mellon/saml';
import { testKeyPair } from '../../../test/helpers/keys.js';
import { requireXmlsec } from '../../../test/helpers/xmlsec.js';
import { Browser } from './helpers/browser.js';
import { RawSp } from './helpers/raw-sp.js';
import { expectRefusal, nextOf } from './helpers/saml.js';
import { IdpServer } from './helpers/world.js';


describe('@koa-mellon/idp refusals: an error page with a stable code, never a response to an unverified destination', () => {
  const signedSp = new RawSp('https://signed.example.test', { keyName: 'signed-sp', authnRequestsSigned: true });
  const plainSp = new RawSp('https://plain.example.test', { keyName: 'plain-sp' });
  let browser: Browser;
  let idp: IdpServer;
  let sso: string;
  before(requireXmlsec);
  beforeEach(async () => {
    browser = new Browser();
    idp = await IdpServer.start(browser, [{ metadata: signedSp.metadata() }, { metadata: plainSp.metadata(), wantAuthnRequestsSigned: true }], {
      settings: { artifactResolution: true },
    });
    sso = idp.idp.urls.sso;
  });
  afterEach(() => idp.stop());

  describe('AuthnRequest signatures', () => {
    it('an unsigned Redirect request when the SP metadata says AuthnRequestsSigned', async () => {
      expectRefusal(await browser.go(signedSp.redirectRequest(sso, { signer: null }).url), 'SIGNATURE_MISSING');
      expect(idp.loginPages).to.have.length(0);
    });

    it('an unsigned request when our setting wants signed requests from that SP', async () => {
      expectRefusal(await browser.go(plainSp.redirectRequest(sso, { signer: null }).url), 'SIGNATURE_MISSING');
    });

    it('an unsigned POST request when signatures are wanted', async () => {
      expectRefusal(await browser.go(sso, { form: signedSp.postRequest(sso, { signer: null }).form }), 'SIGNATURE_MISSING');
    });

    it('a Redirect request whose RelayState was changed after signing', async () => {
      const url = new URL(signedSp.redirectRequest(sso, { relayState: 'mine' }).url);
      expectRefusal(await browser.go(url.href.replace('RelayState=mine', 'RelayState=theirs')), 'SIGNATURE_INVALID');
    });

    it('a Redirect request whose Signature value was altered', async () => {
      const url = signedSp.redirectRequest(sso).url;
      const tampered = url.replace(/Signature=([A-Za-z0-9%]{10})/, (_, head: string) => `Signature=${head.startsWith('A') ? 'B' : 'A'}${head.slice(1)}`);
      expectRefusal(await browser.go(tampered), 'SIGNATURE_INVALID');
    });

    it('a request signed with a key that is not in the SP metadata', async () => {
      expectRefusal(await browser.go(signedSp.redirectRequest(sso, { signer: testKeyPair('intruder').privateKey }).url), 'SIGNATURE_INVALID');
    });

    it('a signed POST request is accepted (and continues on a same-site GET)', async () => {
      const stop = await browser.go(sso, { form: signedSp.postRequest(sso).form });
      expect(stop.history[0]?.status).to.equal(303);
      expect(stop.url.startsWith(idp.url('/login?next='))).to.equal(true);
    });
  });

  describe('who asks, and where the answer would go', () => {
    it('an SP that is not configured', async () => {
      expectRefusal(await browser.go(new RawSp('https://stranger.example.test', { keyName: 'stranger' }).redirectRequest(sso).url), 'ENTITY_NOT_FOUND');
    });

    it('an AssertionConsumerServiceURL that is not in the SP metadata', async () => {
      expectRefusal(await browser.go(signedSp.redirectRequest(sso, { assertionConsumerServiceUrl: 'https://evil.example/acs' }).url), 'ACS_URL_NOT_REGISTERED');
    });

    it('an AssertionConsumerServiceIndex that is not in the SP metadata', async () => {
      expectRefusal(await browser.go(signedSp.redirectRequest(sso, { assertionConsumerServiceUrl: undefined, assertionConsumerServiceIndex: 7 }).url), 'ACS_URL_NOT_REGISTERED');
    });

    it('a ProtocolBinding the ACS URL is not registered for', async () => {
      expectRefusal(await browser.go(signedSp.redirectRequest(sso, { protocolBinding: BINDING.artifact }).url), 'ACS_URL_NOT_REGISTERED');
    });

    it('a Destination other than our SSO URL', async () => {
      expectRefusal(await browser.go(signedSp.redirectRequest('https://other-idp.example.test/sso', {}).url.replace('https://other-idp.example.test/sso', sso)), 'DESTINATION_MISMATCH');
    });

    it('a request issued long ago', async () => {
      const old = Date.now() - 3600_000;
      expectRefusal(await browser.go(signedSp.redirectRequest(sso, { clock: () => old }).url), 'ASSERTION_EXPIRED');
    });

    it('a replayed request ID', async () => {
      const { url } = signedSp.redirectRequest(sso);
      expect((await browser.go(url)).url.startsWith(idp.url('/login'))).to.equal(true);
      expectRefusal(await browser.go(url), 'REPLAYED_ASSERTION');
    });

    it('garbage in the SAMLRequest parameter (no 500)', async () => {
      expectRefusal(await browser.go(`${sso}?SAMLRequest=bm90IHhtbA%3D%3D`), 'INFLATE_FAILED');
      expectRefusal(await browser.go(sso, { form: { SAMLRequest: 'PG5vdCB4bWw+' } }), 'XML_INVALID');
    });
  });

  describe('no bad input reaches the generic 500 page', () => {
    const deflated = (xml: string) => encodeURIComponent(deflateRawSync(Buffer.from(xml)).toString('base64'));
    const cases: [string, () => string | { form: Record<string, string> }, string][] = [
      ['sso/ opened by hand', () => '', 'BINDING_INVALID'],
      ['a SAMLResponse sent to sso/', () => `?SAMLResponse=${deflated('<x/>')}`, 'MESSAGE_TYPE_UNEXPECTED'],
      ['SAMLRequest twice', () => `?SAMLRequest=${deflated('<x/>')}&SAMLRequest=${deflated('<x/>')}`, 'BINDING_INVALID'],
      ['a LogoutRequest sent to sso/', () => `?SAMLRequest=${deflated('<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_a" Version="2.0" IssueInstant="2026-01-01T00:00:00Z"/>')}`, 'MESSAGE_TYPE_UNEXPECTED'],
      ['a DOCTYPE', () => `?SAMLRequest=${deflated('<!DOCTYPE x [<!ENTITY a "b">]><x/>')}`, 'XML_DOCTYPE_FORBIDDEN'],
      ['an AuthnRequest without Issuer', () => `?SAMLRequest=${deflated('<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_a" Version="2.0" IssueInstant="2026-01-01T00:00:00Z"/>')}`, 'ENTITY_NOT_FOUND'],
      ['SAML 1.1', () => `?SAMLRequest=${deflated('<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_a" Version="1.1" IssueInstant="2026-01-01T00:00:00Z"/>')}`, 'VERSION_UNSUPPORTED'],
      ['a POST without SAMLRequest', () => ({ form: { RelayState: 'x' } }), 'BINDING_INVALID'],
    ];
    for (const [what, input, code] of cases) {
      it(what, async () => {
        const value = input();
        expectRefusal(typeof value === 'string' ? await browser.go(`${sso}${value}`) : await browser.go(sso, value), code);
      });
    }

    it('sso/init/ for an unknown SP, and slo/ posted without a message', async () => {
      expectRefusal(await browser.go(`${idp.idp.urls.ssoInit}?sp=https%3A%2F%2Fnobody.example.test`), 'ENTITY_NOT_FOUND');
      expectRefusal(await browser.go(idp.idp.urls.slo, { form: { RelayState: 'x' } }), 'BINDING_INVALID');
    });
  });

  describe('the pending request', () => {
    it('is resumed only by the browser that brought it', async () => {
      const atLogin = await browser.go(signedSp.redirectRequest(sso).url);
      const other = new Browser().map(idp.origin, idp.local);
      await other.go(idp.url('/login/as?user=alice&next=/'));
      expectRefusal(await other.go(idp.url(nextOf(atLogin.url))), 'LOGIN_BROWSER_MISMATCH');
    });

    it('is single use', async () => {
      const atLogin = await browser.go(signedSp.redirectRequest(sso).url);
      const first = await browser.go(idp.url(`/login/as?user=alice&next=${encodeURIComponent(nextOf(atLogin.url))}`));
      expect(first.url).to.equal(signedSp.acs);
      expectRefusal(await browser.go(idp.url(nextOf(atLogin.url))), 'IN_RESPONSE_TO_MISMATCH');
    });

    it('is answered to its own SP when the SP metadata file is replaced by another entity\'s while it waited (the entity is pinned)', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'km-idp-pending-'));
      const file = join(dir, 'sp.xml');
      writeFileSync(file, plainSp.metadata());
      let now = Date.now();
      const events: string[] = [];
      const fromFile = await IdpServer.start(new Browser(), [{ metadataPath: file }], { settings: { clock: () => now, onMetadataEvent: (event) => events.push(event.type) } });
      try {
        const visitor = new Browser().map(fromFile.origin, fromFile.local);
        const atLogin = await visitor.go(plainSp.redirectRequest(fromFile.idp.urls.sso).url);
        // Another SP's metadata replaces the file (a newer mtime: it is reloaded, and refused).
        writeFileSync(file, new RawSp('https://other.example.test', { keyName: 'other-sp' }).metadata());
        const later = new Date(Date.now() + 5000);
        utimesSync(file, later, later);
        now += 2000; // past the file source's stat interval
        const done = await visitor.go(fromFile.url(`/login/as?user=alice&next=${encodeURIComponent(nextOf(atLogin.url))}`));
        expect(done.url).to.equal(plainSp.acs);
        expect(events).to.include('entity-changed');
      } finally {
        await fromFile.stop();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('answers that do go to the verified ACS', () => {
    it('a NameIDPolicy we cannot satisfy: InvalidNameIDPolicy', async () => {
      await browser.go(idp.url('/login/as?user=alice&next=/'));
      const stop = await browser.go(signedSp.redirectRequest(sso, { nameIdPolicy: { format: NAMEID_FORMAT.kerberos } }).url);
      expect(stop.url).to.equal(signedSp.acs);
      const xml = Buffer.from(stop.form?.get('SAMLResponse') ?? '', 'base64').toString();
      expect(xml).to.include('urn:oasis:names:tc:SAML:2.0:status:InvalidNameIDPolicy').and.not.include('Assertion');
    });

    it('an exact RequestedAuthnContext we do not provide: NoAuthnContext', async () => {
      await browser.go(idp.url('/login/as?user=alice&next=/'));
      const stop = await browser.go(signedSp.redirectRequest(sso, { requestedAuthnContext: { classRefs: ['urn:example:mfa'] } }).url);
      expect(Buffer.from(stop.form?.get('SAMLResponse') ?? '', 'base64').toString()).to.include('status:NoAuthnContext');
    });
  });

  describe('single logout', () => {
    it('an unsigned LogoutRequest', async () => {
      const { form } = signedSp.logoutRequestForm(idp.idp.urls.slo, { value: 'x' }, undefined, false);
      expectRefusal(await browser.go(idp.idp.urls.slo, { form }), 'SIGNATURE_MISSING');
    });

    it('a LogoutResponse to a request we never sent', async () => {
      const { document } = buildLogoutResponse({ issuer: signedSp.entityId, destination: idp.idp.urls.slo, inResponseTo: '_never' });
      signElement(document.documentElement, { privateKey: signedSp.keys.privateKey });
      const form = { SAMLResponse: Buffer.from(serializeXml(document)).toString('base64') };
      expectRefusal(await browser.go(idp.idp.urls.slo, { form }), 'IN_RESPONSE_TO_MISMATCH');
    });
  });

  describe('artifact resolution (SOAP)', () => {
    async function soap(signed: boolean): Promise<Response> {
      const { document } = buildArtifactResolve({ issuer: signedSp.entityId, destination: idp.idp.urls.artifact, artifact: 'AAQAAA==' });
      if (signed) signElement(document.documentElement, { privateKey: signedSp.keys.privateKey });
      const body = serializeXml(buildSoapEnvelope(document.documentElement));
      return fetch(`${idp.local}${new URL(idp.idp.urls.artifact).pathname}`, { method: 'POST', body, headers: { 'content-type': 'text/xml', 'x-forwarded-proto': 'https' } });
    }

    // saml-bindings §3.2.3.3: a refused sender gets 403, with a SOAP fault naming the code.
    it('an unsigned ArtifactResolve gets 403 and a SOAP fault, no message', async () => {
      const response = await soap(false);
      expect(response.status).to.equal(403);
      expect(await response.text()).to.include('<faultcode>soap:Client</faultcode><faultstring>SIGNATURE_MISSING</faultstring>').and.not.include('Response');
    });

    it('a signed ArtifactResolve of a malformed artifact is refused too', async () => {
      const response = await soap(true);
      expect(response.status).to.equal(403);
      expect(await response.text()).to.include('<faultstring>BINDING_INVALID</faultstring>');
    });
  });
});
