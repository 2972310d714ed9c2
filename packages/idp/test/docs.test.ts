import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { NAMEID_FORMAT } from '@koa-mellon/saml';
import { testKeyPair } from '../../../test/helpers/keys.js';
import { requireXmlsec } from '../../../test/helpers/xmlsec.js';
import { createIdpApp, hashPassword, type AppUser } from '../../../docs/examples/idp-basic.js';
import { serviceProviders } from '../../../docs/examples/idp-service-providers.js';
import { Browser } from './helpers/browser.js';
import { IdpServer, SpServer } from './helpers/world.js';

const USERS: ReadonlyMap<string, AppUser> = new Map([
  ['carol', { id: 'emp-7', username: 'carol', email: 'carol@example.test', displayName: 'Carol', groups: ['staff'], passwordHash: hashPassword('correct horse', 'salt1') }],
]);

describe('docs/idp.md', () => {
  before(requireXmlsec);

  it('its example IdP logs users in to two SPs registered as the docs show, and logs them out of both', async () => {
    const browser = new Browser();
    const idpMetadata = IdpServer.metadataFor('https://idp.example.test', { basePath: '/saml' });
    const hr = await SpServer.start(browser, idpMetadata, { origin: 'https://hr.example.test', basePath: '/accounts/mellon' });
    // The wiki SP is served from 127.0.0.1 itself: the IdP fetches its metadata URL there.
    const wiki = await SpServer.start(browser, idpMetadata, { origin: 'local', basePath: '/wiki', keyName: 'wiki-sp', settings: { wantResponseSigned: true } });
    const wikiOrigin = wiki.origin;
    const cacheDir = mkdtempSync(join(tmpdir(), 'km-idp-docs-'));
    const { app, idp } = createIdpApp(
      {
        baseUrl: 'https://idp.example.test/saml',
        privateKey: testKeyPair('idp').keyPath,
        publicKeys: [testKeyPair('idp').certPath],
        secret: 'docs-example-secret-0123456789abcdef',
        serviceProviders: serviceProviders(await hr.metadata(), wiki.mellon.urls.metadata),
        metadataCacheDir: cacheDir,
      },
      USERS,
    );
    const server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    browser.map('https://idp.example.test', `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    try {
      const atLogin = await browser.go(`${hr.mellon.urls.login}?next=/payslips`);
      expect(atLogin.url.startsWith('https://idp.example.test/login?next=')).to.equal(true);
      const action = /action="([^"]+)"/.exec(atLogin.body ?? '')?.[1] ?? '';
      const wrong = await browser.go(new URL(action, atLogin.url).href, { form: { username: 'carol', password: 'nope' } });
      expect(wrong.url.startsWith('https://idp.example.test/login')).to.equal(true);
      const done = await browser.go(new URL(action, atLogin.url).href, { form: { username: 'carol', password: 'correct horse' } });
      expect(done.url).to.equal('https://hr.example.test/payslips');
      const atHr = (await hr.whoami()).mellon;
      expect(atHr?.nameIdFormat).to.equal(NAMEID_FORMAT.persistent);
      expect(atHr?.attributes).to.deep.include({ mail: ['carol@example.test'], displayName: ['Carol'], eduPersonAffiliation: ['staff', 'member'] });
      expect(atHr?.attributes['urn:oid:0.9.2342.19200300.100.1.3']).to.deep.equal(['carol@example.test']);

      // The wiki: single sign-on (no login page), but a consent page first; NameID = e-mail, groups released.
      const consent = await browser.go(`${wiki.mellon.urls.login}?next=/pages`);
      expect(consent.body).to.include('Share your information?').and.include('<th scope="row">groups</th><td>staff</td>');
      const key = /name="k" value="([0-9a-f]{32})"/.exec(consent.body ?? '')?.[1] ?? '';
      const atWiki = await browser.go(idp.urls.consent, { form: { k: key, decision: 'accept', remember: '1' } });
      expect(atWiki.url).to.equal(`${wikiOrigin}/pages`);
      const wikiSession = (await wiki.whoami()).mellon;
      expect(wikiSession?.nameIdContent).to.equal('carol@example.test');
      expect(wikiSession?.attributes['groups']).to.deep.equal(['staff']);

      // "Sign out everywhere": both SPs are told, the app session ends.
      const out = await browser.go(idp.logoutUrl('/'));
      expect(out.body).to.include('Sign in');
      expect((await hr.whoami()).user).to.equal(null);
      expect((await wiki.whoami()).user).to.equal(null);
    } finally {
      idp.close();
      server.close();
      await Promise.all([hr.stop(), wiki.stop()]);
      rmSync(cacheDir, { recursive: true, force: true });
    }
  });

  it('shows the example files the test runs', () => {
    const text = readFileSync(new URL('../../../docs/idp.md', import.meta.url), 'utf8');
    expect(text).to.include('examples/idp-basic.ts').and.include('examples/idp-service-providers.ts');
  });
});
