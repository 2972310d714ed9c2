import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { requireXmlsec } from '../helpers/xmlsec.js';
import { pages, pagesWithHelp, signedOutPage } from '../../docs/examples/pages.js';
import { TestSp, idpMetadata } from '../../packages/koa-mellon/test/harness.js';

describe('docs/pages.md', () => {
  before(requireXmlsec);

  for (const [name, settings, expected] of [
    ['its own error page', pages, ['<nav><a href="/">Acme Portal</a></nav>', 'We could not sign you in', 'Back to Acme Portal']],
    ['the built-in error page with a help line', pagesWithHelp, ['<h1>Sign-in problem</h1>', 'mailto:it@acme.example']],
  ] as const) {
    it(`its example renders ${name} for a refused login, with the reference`, async () => {
      const sp = await TestSp.start('/sp', { pages: settings, logger: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined } });
      try {
        const { requestId, relayState } = await sp.startLogin('?next=/reports');
        const response = await sp.post(sp.mellon.urls.login, { SAMLResponse: sp.response({ inResponseTo: requestId, audience: 'https://other.test' }), RelayState: relayState }, 'text/html');
        expect(response.status).to.equal(400);
        const html = await response.text();
        for (const text of expected) expect(html).to.include(text);
        expect(html).to.match(/Reference: <code>[0-9A-Z]{4}-[0-9A-Z]{4}<\/code>/);
      } finally {
        await sp.stop();
      }
    });
  }

  it('its example leaves the IdP chooser to the built-in page in the app’s colours', async () => {
    const second = idpMetadata().replaceAll('https://idp.example.test/', 'https://idp2.example.test/');
    const sp = await TestSp.start('/sp', { pages, identityProviders: [{ metadata: idpMetadata() }, { metadata: second }] });
    try {
      const html = await (await sp.request(sp.mellon.urls.login, { headers: { accept: 'text/html' } })).text();
      expect(html).to.include('<header>Acme Portal</header>').and.include('--accent:#1b5e20').and.include('<h1>Sign in with</h1>');
    } finally {
      await sp.stop();
    }
  });

  it('its own page in the same look', () => {
    expect(signedOutPage()).to.include('<title>Signed out · Acme Portal</title>').and.include('<a class="button" href="/">');
  });

  it('names the example file and every page kind', () => {
    const text = readFileSync(new URL('../../docs/pages.md', import.meta.url), 'utf8');
    expect(text).to.include('examples/pages.ts');
    for (const kind of ['error', 'idp-chooser', 'organization-form', 'organization-chooser', 'consent']) expect(text).to.include(`\`${kind}\``);
  });
});
