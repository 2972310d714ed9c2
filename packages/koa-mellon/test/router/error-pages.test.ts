import { expect } from 'chai';
import { requireXmlsec } from '../../../../test/helpers/xmlsec.js';
import { TestSp, idpMetadata } from '../harness.js';

type ErrorBody = { error: string; continue: string };

describe('error pages', () => {
  before(requireXmlsec);

  it('link to the login’s next page when the login was ours', async () => {
    const sp = await TestSp.start('');
    try {
      const { requestId, relayState } = await sp.startLogin('?next=/reports');
      const response = await sp.post(sp.mellon.urls.login, { SAMLResponse: sp.response({ inResponseTo: requestId, audience: 'https://other.test' }), RelayState: relayState });
      expect(await response.json()).to.deep.include({ error: 'AUDIENCE_MISMATCH', continue: '/reports' });
    } finally {
      await sp.stop();
    }
  });

  it('link to the IdP’s errorUrl first, with a timed redirect in HTML', async () => {
    const sp = await TestSp.start('', { identityProviders: [{ metadata: idpMetadata(), errorUrl: '/sso-help' }], errorRedirectAfterTimeout: 30 });
    try {
      const { requestId, relayState } = await sp.startLogin('?next=/reports');
      const form = { SAMLResponse: sp.response({ inResponseTo: requestId, audience: 'https://other.test' }), RelayState: relayState };
      const response = await sp.post(sp.mellon.urls.login, form, 'text/html');
      const html = await response.text();
      expect(response.status).to.equal(400);
      expect(html).to.include('href="/sso-help"').and.include('content="30;url=/sso-help"').and.include('AUDIENCE_MISMATCH');
      expect(response.headers.get('content-security-policy')).to.include("default-src 'none'");
    } finally {
      await sp.stop();
    }
  });

  it('fall back to loginRedirectUrl, and never echo the request', async () => {
    const sp = await TestSp.start('', { loginRedirectUrl: '/home' });
    try {
      const response = await sp.post(sp.mellon.urls.login, { SAMLResponse: Buffer.from('<x>"><script>alert(1)</script></x>').toString('base64'), RelayState: '/"><script>' });
      const body = (await response.json()) as ErrorBody;
      expect(body.continue).to.equal('/home');
      expect(JSON.stringify(body)).to.not.include('script');
    } finally {
      await sp.stop();
    }
  });
});
