// Issue #13, "pages users see": the SP's pages (error page, IdP chooser) drawn by the app through
// `pages.render` with their typed models, or built in with the app's name and colour.
import { expect } from 'chai';
import { generateIdpMetadata } from '@koa-mellon/saml';
import { ConfigError, type MellonPage } from 'koa-mellon';
import { requireXmlsec } from '../../../../test/helpers/xmlsec.js';
import { testKeyPair } from '../../../../test/helpers/keys.js';
import { withUiInfo } from '../../../../test/helpers/mdui.js';
import { TestSp, idpMetadata } from '../harness.js';

describe('SP pages: built in with the app’s look, or the app’s own (pages.render)', () => {
  before(requireXmlsec);
  let sp: TestSp | undefined;
  afterEach(async () => {
    await sp?.stop();
    sp = undefined;
  });

  const second = () =>
    withUiInfo(generateIdpMetadata({ entityId: 'https://idp2.example.test/metadata', singleSignOnServiceUrl: 'https://idp2.example.test/sso', certificates: [testKeyPair('idp').certPem] }), {
      displayName: 'Contoso staff',
      logos: ['http://idp2.example.test/plain.png', 'https://idp2.example.test/logo.png'],
    });

  it('the IdP chooser names IdPs by mdui DisplayName (else entityID), with https logos only, in the app’s colours', async () => {
    sp = await TestSp.start('/sp', { identityProviders: [{ metadata: idpMetadata() }, { metadata: second() }], pages: { appName: 'Acme Portal', accentColor: '#1b5e20' } });
    const response = await sp.request(`${sp.mellon.urls.login}?next=/reports`, { headers: { accept: 'text/html' } });
    expect(response.status).to.equal(200);
    const html = await response.text();
    expect(html).to.include('<title>Sign in · Acme Portal</title>').and.include('--accent:#1b5e20');
    const login = sp.mellon.urls.login;
    expect(html).to.include(`<a class="choice" href="${login}?entityID=https%3A%2F%2Fidp2.example.test%2Fmetadata&#38;next=%2Freports"><img src="https://idp2.example.test/logo.png" width="80" height="40" alt=""><span><span class="name">Contoso staff</span>`);
    expect(html).to.include('<span class="name">https://idp.example.test/metadata</span>');
    expect(html).to.not.include('http://idp2.example.test/plain.png');
  });

  it('the app draws the chooser and the error page from their models; other kinds stay built in', async () => {
    const seen: MellonPage[] = [];
    sp = await TestSp.start('/sp', {
      identityProviders: [{ metadata: idpMetadata() }, { metadata: second() }],
      pages: {
        render: (page, ctx) => {
          seen.push(page);
          if (page.kind === 'idp-chooser') return `<ul>${page.choices.map((c) => `<li>${c.name}|${c.entityId}|${c.logo?.url ?? '-'}</li>`).join('')}</ul>${ctx.path}`;
          if (page.kind === 'error') return `<p>${page.code} ${page.reference ?? ''} ${page.status} ${page.continueUrl}</p>`;
          return undefined;
        },
      },
    });
    const chooser = await sp.request(`${sp.mellon.urls.login}?next=/reports`, { headers: { accept: 'text/html' } });
    expect(await chooser.text()).to.equal('<ul><li>https://idp.example.test/metadata|https://idp.example.test/metadata|-</li><li>Contoso staff|https://idp2.example.test/metadata|https://idp2.example.test/logo.png</li></ul>/sp/login/');
    expect(chooser.headers.get('x-frame-options')).to.equal('DENY');
    expect(seen[0]).to.include({ kind: 'idp-chooser', next: '/reports' });

    const { requestId, relayState } = await sp.startLogin('?next=/reports&entityID=https%3A%2F%2Fidp.example.test%2Fmetadata');
    const refused = await sp.post(sp.mellon.urls.login, { SAMLResponse: sp.response({ inResponseTo: requestId, audience: 'https://other.test' }), RelayState: relayState }, 'text/html');
    expect(refused.status).to.equal(400);
    expect(await refused.text()).to.match(/^<p>AUDIENCE_MISMATCH [0-9A-Z]{4}-[0-9A-Z]{4} 400 \/reports<\/p>$/);
    // JSON clients get the JSON refusal, never the app's HTML.
    const { requestId: again, relayState: state2 } = await sp.startLogin('?entityID=https%3A%2F%2Fidp.example.test%2Fmetadata');
    const json = await sp.post(sp.mellon.urls.login, { SAMLResponse: sp.response({ inResponseTo: again, audience: 'https://other.test' }), RelayState: state2 });
    expect(await json.json()).to.include({ error: 'AUDIENCE_MISMATCH' });
  });

  it('a bad pages setting stops start-up naming the key', async () => {
    let error: unknown;
    try {
      sp = await TestSp.start('/sp', { pages: { accentColor: '#f5f5f5', render: 'nope' } as never });
    } catch (err) {
      error = err;
    }
    expect(error).to.be.instanceOf(ConfigError);
    expect((error as ConfigError).problems.map((p) => p.path)).to.deep.equal(['pages.accentColor', 'pages.render']);
  });
});
