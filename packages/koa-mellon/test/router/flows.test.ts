import { expect } from 'chai';
import { decodeRedirect, parseXml, parseLogoutResponse } from '@koa-mellon/saml';
import { requireXmlsec } from '../../../../test/helpers/xmlsec.js';
import { IDP_SLO, IDP_SSO, TestSp } from '../harness.js';

// CONVENTIONS: router suites run mounted at the root and under a path (absolute-URL bugs).
for (const basePath of ['', '/accounts/mellon']) {
  describe(`koa-mellon routes mounted at "${basePath || '/'}"`, () => {
    let sp: TestSp;
    before(requireXmlsec);
    beforeEach(async () => {
      sp = await TestSp.start(basePath);
    });
    afterEach(() => sp.stop());

    it('GET login/ sends a signed AuthnRequest over HTTP-Redirect with an opaque RelayState', async () => {
      const { location, relayState } = await sp.startLogin('?next=/dashboard');
      expect(location.startsWith(`${IDP_SSO}?SAMLRequest=`)).to.equal(true);
      expect(relayState).to.match(/^[0-9a-f]{32}$/);
      const redirect = decodeRedirect(location.slice(location.indexOf('?') + 1));
      expect(redirect.signature?.algorithm).to.equal('http://www.w3.org/2001/04/xmldsig-more#rsa-sha256');
      expect(redirect.xml).to.include(`AssertionConsumerServiceURL="${sp.mellon.urls.login}"`);
    });

    it('POST login/ (the ACS) logs the user in without any prior cookie, and goes to next', async () => {
      const response = await sp.login();
      expect(response.status).to.equal(303);
      expect(response.headers.get('location')).to.equal('/dashboard');
      const cookie = response.headers.getSetCookie().join(';');
      expect(cookie).to.match(/mellon\.sid=/).and.match(/httponly/i).and.match(/samesite=lax/i);
      const me = await sp.whoami();
      expect(me.user?.username).to.equal('alice-1234@saml');
      expect(me.mellon?.nameIdContent).to.equal('alice-1234');
      expect(me.mellon?.sessionIndex).to.equal('_session42');
    });

    it('refuses a replayed response with a JSON error, not a 500', async () => {
      const { requestId, relayState } = await sp.startLogin();
      const form = { SAMLResponse: sp.response({ inResponseTo: requestId }), RelayState: relayState };
      expect((await sp.post(sp.mellon.urls.login, form)).status).to.equal(303);
      const again = await sp.post(sp.mellon.urls.login, form);
      expect(again.status).to.equal(400);
      expect(((await again.json()) as { error: string }).error).to.equal('IN_RESPONSE_TO_MISMATCH');
    });

    it('shows a friendly HTML page with the code and a continue link', async () => {
      const response = await sp.post(sp.mellon.urls.login, { SAMLResponse: 'bm90IHhtbA==' }, 'text/html');
      expect(response.status).to.equal(400);
      const html = await response.text();
      expect(html).to.include('XML_INVALID').and.include('href="/"').and.not.include(' at ');
    });

    it('refuses an IdP-initiated response unless allowed', async () => {
      const response = await sp.post(sp.mellon.urls.login, { SAMLResponse: sp.response({ inResponseTo: null }) });
      expect(((await response.json()) as { error: string }).error).to.equal('UNSOLICITED_RESPONSE');
      expect((await sp.whoami()).user).to.equal(null);
    });

    it('refuses a response whose Destination is another path', async () => {
      const { requestId, relayState } = await sp.startLogin();
      const SAMLResponse = sp.response({ inResponseTo: requestId, destination: 'https://sp.example.test/other/login/' });
      const response = await sp.post(sp.mellon.urls.login, { SAMLResponse, RelayState: relayState });
      expect(((await response.json()) as { error: string }).error).to.equal('DESTINATION_MISMATCH');
    });

    it('refuses a repeated SAMLResponse parameter', async () => {
      const body = 'SAMLResponse=a&SAMLResponse=b';
      const response = await sp.request(sp.mellon.urls.login, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' } });
      expect(((await response.json()) as { error: string }).error).to.equal('BINDING_INVALID');
    });

    it('SP-initiated logout: local session ends, a signed LogoutRequest goes to the IdP, its answer returns to next', async () => {
      await sp.login();
      const start = await sp.request(`${sp.mellon.urls.logout}?next=/bye`);
      const location = start.headers.get('location') ?? '';
      expect(location.startsWith(`${IDP_SLO}?SAMLRequest=`)).to.equal(true);
      expect(decodeRedirect(location.slice(location.indexOf('?') + 1)).xml).to.include('_session42');
      expect((await sp.whoami()).user).to.equal(null);
      const done = await sp.request(sp.idpLogoutResponse(location));
      expect(done.status).to.equal(302);
      expect(done.headers.get('location')).to.equal('/bye');
    });

    it('IdP-initiated logout ends the session and answers with a signed LogoutResponse', async () => {
      await sp.login();
      const response = await sp.request(sp.idpLogoutRequest('alice-1234'));
      const location = response.headers.get('location') ?? '';
      expect(location.startsWith(`${IDP_SLO}?SAMLResponse=`)).to.equal(true);
      const answer = decodeRedirect(location.slice(location.indexOf('?') + 1));
      expect(answer.relayState).to.equal('idp-state');
      expect(parseLogoutResponse(parseXml(answer.xml).root).success).to.equal(true);
      expect((await sp.whoami()).user).to.equal(null);
    });

    it('refuses a LogoutRequest signed by another key, keeping the session', async () => {
      await sp.login();
      const response = await sp.request(sp.idpLogoutRequest('alice-1234', 'attacker'), { headers: { accept: 'application/json' } });
      expect(((await response.json()) as { error: string }).error).to.equal('SIGNATURE_INVALID');
      expect((await sp.whoami()).user?.username).to.equal('alice-1234@saml');
    });

    it('GET metadata/ lists the ACS and both SLO bindings at the mounted URLs', async () => {
      const response = await sp.request(sp.mellon.urls.metadata);
      expect(response.headers.get('content-type')).to.include('samlmetadata');
      const xml = await response.text();
      expect(xml).to.include(`Location="${sp.mellon.urls.login}"`).and.include('HTTP-Redirect').and.include(`Location="${sp.mellon.urls.logout}"`);
      expect(xml).to.include(`entityID="${sp.mellon.urls.entityId}"`);
    });

    it('GET metadata/ from a browser shows the same XML as application/xml instead of downloading it', async () => {
      const accept = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8';
      const browser = await sp.request(sp.mellon.urls.metadata, { headers: { accept } });
      expect(browser.headers.get('content-type')).to.equal('application/xml; charset=utf-8');
      expect(browser.headers.get('vary')).to.include('Accept');
      const machine = await sp.request(sp.mellon.urls.metadata, { headers: { accept: '*/*' } });
      expect(machine.headers.get('content-type')).to.include('application/samlmetadata+xml');
      // The same document (each copy has a fresh ID).
      const withoutId = (xml: string) => xml.replace(/ ID="[^"]*"/, '');
      expect(withoutId(await browser.text())).to.equal(withoutId(await machine.text()));
    });
  });
}

describe('metadata/ with organization and contacts', () => {
  it('publishes them', async () => {
    const sp = await TestSp.start('', {
      organization: { names: ['Acme'], urls: ['https://acme.example.test'] },
      contactPersons: [{ contactType: 'technical', givenName: 'Ada', emailAddresses: ['mailto:ada@acme.example.test'] }],
    });
    try {
      const xml = await (await sp.request(sp.mellon.urls.metadata)).text();
      expect(xml).to.include('>Acme<').and.include('contactType="technical"').and.include('mailto:ada@acme.example.test');
    } finally {
      await sp.stop();
    }
  });
});
