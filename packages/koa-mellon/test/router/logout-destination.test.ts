import { expect } from 'chai';
import {
  buildLogoutRequest,
  buildLogoutResponse,
  buildSoapEnvelope,
  decodeRedirect,
  encodeRedirect,
  parseLogoutRequest,
  parseLogoutResponse,
  parseSoapEnvelope,
  parseXml,
  serializeXml,
  signElement,
} from '@koa-mellon/saml';
import { testKeyPair } from '../../../../test/helpers/keys.js';
import { IDP_ENTITY_ID } from '../../../../test/helpers/response-fixture.js';
import { requireXmlsec } from '../../../../test/helpers/xmlsec.js';
import { TestSp } from '../harness.js';

type Binding = 'redirect' | 'post';
const idpKey = () => testKeyPair('idp').privateKey;

/** The signed message as the browser would bring it: a Redirect URL, or a POST form. */
function carry(sp: TestSp, binding: Binding, parameter: 'SAMLRequest' | 'SAMLResponse', document: Document): { url: string; form?: Record<string, string> } {
  const url = sp.mellon.urls.logout;
  if (binding === 'redirect') return { url: encodeRedirect({ url, parameter, xml: serializeXml(document), relayState: 'idp-state', signingKey: idpKey() }) };
  signElement(document.documentElement, { privateKey: idpKey() });
  return { url, form: { [parameter]: Buffer.from(serializeXml(document)).toString('base64'), RelayState: 'idp-state' } };
}

async function send(sp: TestSp, message: { url: string; form?: Record<string, string> }): Promise<Response> {
  if (message.form) return sp.postOnly(message.url, message.form);
  return sp.request(message.url, { headers: { accept: 'application/json' } });
}

/** saml-bindings §3.4.5.2 / §3.5.5.2: a signed message must carry Destination (the ACS and the IdP refuse too). */
describe('koa-mellon logout/: a signed front-channel message without Destination is refused', () => {
  let sp: TestSp;
  before(requireXmlsec);
  beforeEach(async () => {
    sp = await TestSp.start('/accounts/mellon', { soapLogout: true });
  });
  afterEach(() => sp.stop());

  for (const binding of ['redirect', 'post'] as const) {
    it(`a LogoutRequest over ${binding}: DESTINATION_MISMATCH, and the session is kept`, async () => {
      await sp.login();
      const { document } = buildLogoutRequest({ issuer: IDP_ENTITY_ID, destination: sp.mellon.urls.logout, nameId: { value: 'alice-1234' }, sessionIndexes: [] });
      document.documentElement.removeAttribute('Destination');
      const response = await send(sp, carry(sp, binding, 'SAMLRequest', document));
      expect(response.status).to.equal(400);
      expect(((await response.json()) as { error: string }).error).to.equal('DESTINATION_MISMATCH');
      expect((await sp.whoami()).user?.username).to.equal('alice-1234@saml');
    });

    it(`a LogoutResponse over ${binding}: DESTINATION_MISMATCH, and the logout it answers is still pending`, async () => {
      await sp.login();
      const start = await sp.request(`${sp.mellon.urls.logout}?next=/bye`);
      const location = start.headers.get('location') ?? '';
      const request = parseLogoutRequest(parseXml(decodeRedirect(location.slice(location.indexOf('?') + 1)).xml).root, { keys: [] });
      const build = () => buildLogoutResponse({ issuer: IDP_ENTITY_ID, destination: sp.mellon.urls.logout, inResponseTo: request.id }).document;
      const stripped = build();
      stripped.documentElement.removeAttribute('Destination');
      const refused = await send(sp, carry(sp, binding, 'SAMLResponse', stripped));
      expect(refused.status).to.equal(400);
      expect(((await refused.json()) as { error: string }).error).to.equal('DESTINATION_MISMATCH');
      const done = await send(sp, carry(sp, binding, 'SAMLResponse', build()));
      expect(done.headers.get('location')).to.equal('/bye');
    });
  }

  it('over SOAP (no browser), Destination stays optional: a signed LogoutRequest without it ends the session', async () => {
    await sp.login();
    const { document } = buildLogoutRequest({ issuer: IDP_ENTITY_ID, destination: sp.mellon.urls.logout, nameId: { value: 'alice-1234' }, sessionIndexes: [] });
    document.documentElement.removeAttribute('Destination');
    signElement(document.documentElement, { privateKey: idpKey() });
    const body = serializeXml(buildSoapEnvelope(document.documentElement));
    const answer = await sp.request(sp.mellon.urls.logout, { method: 'POST', body, headers: { 'content-type': 'text/xml' } });
    expect(answer.status).to.equal(200);
    expect(parseLogoutResponse(parseSoapEnvelope(await answer.text()).message).success).to.equal(true);
    expect((await sp.whoami()).user).to.equal(null);
  });
});
