import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import Koa from 'koa';
import { createMemoryStore, createMellonOrganizations, createOrganizationRegistry, type MellonOrganizations, type OrganizationRegistry, type OrganizationSettings, type StateStore } from 'koa-mellon';
import { IdpServer } from '../../packages/idp/test/helpers/world.js';
import { testKeyPair } from '../helpers/keys.js';
import { withUiInfo } from '../helpers/mdui.js';

const SP_ORIGIN = 'https://sp.example.test';
const HOSTILE = '<script>alert(1)</script> & "Co" \'';

const ORGANIZATIONS: OrganizationSettings[] = [
  { slug: 'acme', name: 'Acme', metadata: IdpServer.metadataFor('https://idp-a.example.test'), emailDomains: ['acme.example'] },
  { slug: 'globex', name: 'Globex', metadata: withUiInfo(IdpServer.metadataFor('https://idp-g.example.test'), { displayName: 'Globex Okta', logos: ['http://logos.example.test/plain.png', 'https://logos.example.test/globex.png'] }), emailDomains: ['shared.example'] },
  { slug: 'hostile', name: HOSTILE, metadata: withUiInfo(IdpServer.metadataFor('https://idp-h.example.test'), { displayName: '<img src=x onerror=alert(2)>', logos: ['https://logos.example.test/x.png?a="><script>'] }), emailDomains: ['shared.example'] },
  { slug: 'initech', name: 'Initech', metadata: IdpServer.metadataFor('https://idp-i.example.test'), emailDomains: ['shared.example', 'initech.example'], enabled: false },
];

// CONVENTIONS: router suites run mounted at the root and under a path (absolute-URL bugs).
for (const basePath of ['', '/accounts/sso']) {
  describe(`finding the organization at {base}/login/, mounted at "${basePath || '/'}"`, () => {
    const base = `${SP_ORIGIN}${basePath}`;
    let store: StateStore;
    let registry: OrganizationRegistry;
    let orgs: MellonOrganizations;
    let server: Server;
    let local: string;
    let logged: Record<string, unknown>[];

    /** A request as a browser on `base`'s page sends it, unless `headers` say otherwise. */
    const send = (path: string, init: { form?: Record<string, string>; headers?: Record<string, string> } = {}) =>
      fetch(`${local}${basePath}${path}`, {
        method: init.form ? 'POST' : 'GET',
        redirect: 'manual',
        headers: { 'x-forwarded-proto': 'https', accept: 'text/html', ...(init.form ? { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin' } : {}), ...init.headers },
        ...(init.form ? { body: new URLSearchParams(init.form).toString() } : {}),
      });
    const submit = (email: string, next = '/home', headers: Record<string, string> = {}) => send('/login/', { form: { email, next }, headers });

    beforeEach(async () => {
      logged = [];
      const log = (level: string) => (obj: object, msg?: string) => logged.push({ level, msg, ...obj });
      store = createMemoryStore();
      registry = createOrganizationRegistry(store);
      orgs = createMellonOrganizations({
        baseUrl: base,
        privateKey: testKeyPair('sp').keyPem,
        publicKeys: [testKeyPair('sp').certPem],
        logger: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
        store,
        organizations: ORGANIZATIONS,
        registry,
      });
      const app = new Koa();
      app.keys = ['sp-cookie-secret'];
      app.proxy = true;
      app.use(orgs.middleware());
      app.use(orgs.routes());
      server = createServer(app.callback());
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      local = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterEach(async () => {
      orgs.close();
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
      await store.close();
    });

    describe('the org hint', () => {
      it('?org=<slug> redirects to that organization’s login, keeping next', async () => {
        const response = await send('/login/?org=acme&next=%2Fhome%3Fx%3D1');
        expect(response.status).to.equal(302);
        expect(response.headers.get('location')).to.equal(`${base}/acme/login/?next=${encodeURIComponent('/home?x=1')}`);
      });

      it('?idp_hint=<slug> is an alias of ?org=', async () => {
        const response = await send('/login/?idp_hint=globex&next=/home');
        expect(response.headers.get('location')).to.equal(`${base}/globex/login/?next=%2Fhome`);
      });

      it('drops a next that leaves the site (safeNext), keeping the hint', async () => {
        for (const next of ['https://evil.example/', '//evil.example', '/\\evil.example']) {
          const response = await send(`/login/?org=acme&next=${encodeURIComponent(next)}`);
          expect(response.headers.get('location'), next).to.equal(`${base}/acme/login/?next=%2F`);
        }
      });

      it('answers an unknown organization (or a slug that cannot be one) with ORGANIZATION_UNKNOWN (404)', async () => {
        for (const hint of ['nobody', '..%2Facme', 'ACME', '']) {
          const response = await send(`/login/?org=${hint}`);
          expect(response.status, hint).to.equal(404);
          expect(await response.text()).to.include('<code class="error-code">ORGANIZATION_UNKNOWN</code>');
        }
      });

      it('answers a disabled organization with ORGANIZATION_DISABLED (403)', async () => {
        const response = await send('/login/?org=initech');
        expect(response.status).to.equal(403);
        expect(await response.text()).to.include('<code class="error-code">ORGANIZATION_DISABLED</code>');
      });

      it('finds a registry organization, and refuses it once disabled', async () => {
        await registry.create({ slug: 'hooli', name: 'Hooli', metadata: IdpServer.metadataFor('https://idp-b.example.test') });
        expect((await send('/login/?org=hooli')).headers.get('location')).to.equal(`${base}/hooli/login/?next=%2F`);
        await registry.disable('hooli');
        await new Promise((resolve) => setTimeout(resolve, 50));
        expect((await send('/login/?org=hooli')).status).to.equal(403);
      });
    });

    describe('the identity-first page', () => {
      it('shows a labelled e-mail field (autocomplete="email", focused) and the safe next, in English', async () => {
        const response = await send('/login/?next=%2Freports%3Fq%3D%22x%22');
        expect(response.status).to.equal(200);
        expect(response.headers.get('content-type')).to.match(/^text\/html/);
        expect(response.headers.get('cache-control')).to.equal('no-store');
        const html = await response.text();
        expect(html).to.include('<html lang="en">');
        expect(html).to.include(`<form method="post" action="${base}/login/">`);
        expect(html).to.include('<label for="email">');
        expect(html).to.match(/<input id="email" name="email" type="email" autocomplete="email"[^>]* required autofocus/);
        expect(html).to.include('name="next" value="/reports?q=&#34;x&#34;"');
      });

      it('one organization for the domain: 303 to its login with next (case and spaces forgiven)', async () => {
        const response = await submit('  Alice@ACME.Example ', '/home');
        expect(response.status).to.equal(303);
        expect(response.headers.get('location')).to.equal(`${base}/acme/login/?next=%2Fhome`);
        // The address itself is never logged.
        expect(JSON.stringify(logged)).to.not.include('lice@');
      });

      it('no organization for the domain: the form again with that notice, nothing typed echoed', async () => {
        for (const email of ['bob@nowhere.example', 'bob@sub.acme.example', 'bob@initech.example']) {
          const response = await submit(email);
          expect(response.status, email).to.equal(200);
          const html = await response.text();
          expect(html).to.include('role="alert"').and.include('No organization signs in with e-mail addresses of that domain');
          expect(html).to.not.include(email.split('@')[1] as string);
          expect(html).to.not.include('Initech');
        }
      });

      it('an address that is not one: the form again (400) asking for one', async () => {
        for (const email of ['', 'alice', 'alice@', '@acme.example', 'a b@acme.example', 'alice@acme', `${'x'.repeat(250)}@acme.example`]) {
          const response = await submit(email);
          expect(response.status, email).to.equal(400);
          expect(await response.text()).to.include('Please enter an e-mail address');
        }
      });

      it('several organizations: a chooser listing the enabled ones, with the IdP’s mdui name and https logo', async () => {
        const response = await submit('carol@shared.example', '/reports');
        expect(response.status).to.equal(200);
        const html = await response.text();
        expect(html).to.include('<h1>Choose your organization</h1>');
        expect(html).to.include(`<a class="choice" href="${base}/globex/login/?next=%2Freports"><img src="https://logos.example.test/globex.png" width="80" height="40" alt=""><span><span class="name">Globex</span><span class="detail">Globex Okta</span>`);
        expect(html).to.not.include('http://logos.example.test/plain.png');
        expect(html).to.not.include('Initech');
        expect(html).to.include(`<a href="${base}/login/?next=%2Freports">Use another e-mail address</a>`);
      });

      it('escapes a hostile organization name, IdP display name and logo URL', async () => {
        const html = await (await submit('carol@shared.example')).text();
        expect(html).to.include('<span class="name">&#60;script&#62;alert(1)&#60;/script&#62; &#38; &#34;Co&#34; &#39;</span>');
        expect(html).to.include('<span class="detail">&#60;img src=x onerror=alert(2)&#62;</span>');
        expect(html).to.include('src="https://logos.example.test/x.png?a=&#34;&#62;&#60;script&#62;"');
        expect(html).to.not.include('<script>').and.not.include('<img src=x');
      });

      it('registry organizations are found by domain next to the settings ones; disabled or moved, no longer', async () => {
        await registry.create({ slug: 'hooli', name: 'Hooli', metadata: IdpServer.metadataFor('https://idp-b.example.test'), emailDomains: ['hooli.example', 'shared.example'] });
        expect((await submit('d@hooli.example')).headers.get('location')).to.equal(`${base}/hooli/login/?next=%2Fhome`);
        expect(await (await submit('d@shared.example')).text()).to.include('<span class="name">Hooli</span>');
        await registry.update({ slug: 'hooli', name: 'Hooli', metadata: IdpServer.metadataFor('https://idp-b.example.test'), emailDomains: ['hooli.example'] });
        expect(await (await submit('d@shared.example')).text()).to.not.include('Hooli');
        await registry.disable('hooli');
        expect(await (await submit('d@hooli.example')).text()).to.include('No organization signs in');
      });

      it('a registry organization under a settings slug is not offered (the settings one is served)', async () => {
        await registry.create({ slug: 'acme', name: 'Fake Acme', metadata: IdpServer.metadataFor('https://idp-b.example.test'), emailDomains: ['acme.example'] });
        expect((await submit('a@acme.example')).headers.get('location')).to.equal(`${base}/acme/login/?next=%2Fhome`);
      });

      it('refuses a post from another site (CSRF_CROSS_SITE), by Fetch Metadata or else Origin / Referer', async () => {
        for (const headers of [
          { 'sec-fetch-site': 'cross-site' },
          { 'sec-fetch-site': 'same-site', origin: 'https://evil.sp.example.test' },
          { 'sec-fetch-site': '', origin: 'https://evil.example' },
          { 'sec-fetch-site': '', referer: 'https://evil.example/page' },
          { 'sec-fetch-site': '' },
        ]) {
          const response = await submit('a@acme.example', '/home', headers);
          expect(response.status, JSON.stringify(headers)).to.equal(400);
          expect(response.headers.get('location')).to.equal(null);
          expect(await response.text()).to.include('<code class="error-code">CSRF_CROSS_SITE</code>');
        }
      });

      it('accepts a post whose Origin (or Referer) is the site’s when the browser sends no Fetch Metadata', async () => {
        expect((await submit('a@acme.example', '/home', { 'sec-fetch-site': '', origin: SP_ORIGIN })).status).to.equal(303);
        expect((await submit('a@acme.example', '/home', { 'sec-fetch-site': '', referer: `${base}/login/` })).status).to.equal(303);
      });

      it('refuses a body that is not a form, or too large, with the friendly page', async () => {
        const json = await send('/login/', { form: {}, headers: { 'content-type': 'application/json' } });
        expect(await json.text()).to.include('<code class="error-code">BINDING_INVALID</code>');
        const large = await submit(`a@acme.example`, `/${'x'.repeat(40_000)}`);
        expect(large.status).to.equal(413);
      });
    });
  });
}
