import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Router from '@koa/router';
import { expect } from 'chai';
import Koa from 'koa';
import { ConfigError, createMellonOrganizations, type MellonOrganizations } from 'koa-mellon';
import type { ServiceProviderSettings } from '@koa-mellon/idp';
import { Browser } from '../../packages/idp/test/helpers/browser.js';
import { IdpServer, type TestUser } from '../../packages/idp/test/helpers/world.js';
import { testKeyPair } from '../helpers/keys.js';

const SP_ORIGIN = 'https://sp.example.test';
const BASE_PATH = '/accounts/sso';
const IDP_A = 'https://idp-a.example.test';
const IDP_B = 'https://idp-b.example.test';
const SAME_UID: Partial<ServiceProviderSettings<TestUser>> = { nameIdFormat: 'emailAddress', nameIdField: 'email', attributes: { mail: 'email' } };

type Mount = 'nested' | 'stripped';

interface Whoami {
  user: { id: string; username: string } | null;
  mellon: { issuer: string } | null;
}

function organizations(): MellonOrganizations {
  return createMellonOrganizations({
    logger: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
    baseUrl: `${SP_ORIGIN}${BASE_PATH}`,
    privateKey: testKeyPair('sp').keyPem,
    publicKeys: [testKeyPair('sp').certPem],
    organizations: [
      { slug: 'acme', name: 'Acme', metadata: IdpServer.metadataFor(IDP_A), emailDomains: ['acme.example'] },
      { slug: 'globex', name: 'Globex', metadata: IdpServer.metadataFor(IDP_B) },
    ],
  });
}

/**
 * The app mounts the organizations' router where baseUrl's path is not the path it sees: nested
 * in a parent @koa/router that matched BASE_PATH, or behind a proxy that strips BASE_PATH.
 */
async function serve(browser: Browser, orgs: MellonOrganizations, mount: Mount): Promise<Server> {
  const app = new Koa();
  app.keys = ['sp-cookie-secret'];
  app.proxy = true;
  app.use(async (ctx, next) => {
    await next();
    if (ctx.path === '/whoami') ctx.body = { user: ctx.state.user ?? null, mellon: ctx.state.mellon ?? null };
  });
  app.use(orgs.middleware());
  if (mount === 'nested') {
    const parent = new Router();
    parent.use(BASE_PATH, orgs.routes({ prefix: '' }));
    app.use(parent.routes());
  } else {
    app.use(orgs.routes({ prefix: '' }));
  }
  const callback = app.callback();
  const server = createServer((req, res) => {
    if (mount === 'stripped' && req.url?.startsWith(`${BASE_PATH}/`)) req.url = req.url.slice(BASE_PATH.length);
    callback(req, res);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  browser.map(SP_ORIGIN, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  return server;
}

for (const mount of ['nested', 'stripped'] as const) {
  describe(`createMellonOrganizations routes mounted ${mount === 'nested' ? 'in a parent @koa/router' : 'behind a proxy that strips their path'}`, () => {
    const base = `${SP_ORIGIN}${BASE_PATH}`;
    let browser: Browser;
    let orgs: MellonOrganizations;
    let server: Server;
    let idps: IdpServer[];

    const orgUrl = (slug: string, route: string) => `${base}/${slug}/${route}`;
    const spEntry = async (slug: string): Promise<ServiceProviderSettings<TestUser>> => ({ metadata: await (await browser.request(orgUrl(slug, 'metadata/'))).text(), ...SAME_UID });
    const whoami = async (): Promise<Whoami> => (await browser.request(`${SP_ORIGIN}/whoami`, { accept: 'application/json' })).json() as Promise<Whoami>;
    const login = async (slug: string, idp: IdpServer) => {
      const atLogin = await browser.go(`${orgUrl(slug, 'login/')}?next=/home`);
      const next = new URL(atLogin.url).searchParams.get('next') ?? '';
      return browser.go(idp.url(`/login/as?user=alice&next=${encodeURIComponent(next)}`));
    };

    beforeEach(async () => {
      browser = new Browser();
      orgs = organizations();
      server = await serve(browser, orgs, mount);
      idps = [await IdpServer.start(browser, [await spEntry('acme')], { origin: IDP_A }), await IdpServer.start(browser, [await spEntry('globex')], { origin: IDP_B })];
    });
    afterEach(async () => {
      orgs.close();
      for (const idp of idps) await idp.stop();
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    });

    it('serves each organization’s metadata with the public URLs baseUrl names', async () => {
      const xml = await (await browser.request(orgUrl('acme', 'metadata/'))).text();
      expect(xml).to.include(`entityID="${orgUrl('acme', 'metadata/')}"`).and.include(`Location="${orgUrl('acme', 'login/')}"`);
    });

    it('logs a user in at each organization (SP-initiated, through the ACS and login/finish/), then out', async () => {
      const [idpA, idpB] = idps as [IdpServer, IdpServer];
      expect((await login('acme', idpA)).url).to.equal(`${SP_ORIGIN}/home`);
      expect((await whoami()).user?.username).to.equal('alice@example.test@acme');
      expect((await login('globex', idpB)).url).to.equal(`${SP_ORIGIN}/home`);
      const me = await whoami();
      expect(me.user?.username).to.equal('alice@example.test@globex');
      expect(me.mellon?.issuer).to.equal(`${IDP_B}/idp/metadata/`);
      const out = await browser.go(`${orgUrl('globex', 'logout/')}?next=/bye`);
      expect(out.url).to.equal(`${SP_ORIGIN}/bye`);
      expect(await whoami()).to.deep.equal({ user: null, mellon: null });
    });

    it('finds the organization at {base}/login/ (hint and identity-first form), to the public login URL', async () => {
      const hinted = await browser.request(`${base}/login/?org=acme&next=/home`);
      expect(hinted.status).to.equal(302);
      expect(hinted.headers.get('location')).to.equal(`${orgUrl('acme', 'login/')}?next=%2Fhome`);
      const form = await browser.request(`${base}/login/`, { accept: 'text/html' });
      expect(await form.text()).to.include(`action="${base}/login/"`);
      // As a browser posts the form from the page: Fetch Metadata says same-origin.
      const local = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const posted = await fetch(`${local}${BASE_PATH}/login/`, {
        method: 'POST',
        body: new URLSearchParams({ email: 'bob@acme.example', next: '/home' }),
        headers: { 'x-forwarded-proto': 'https', 'sec-fetch-site': 'same-origin' },
        redirect: 'manual',
      });
      expect(posted.status).to.equal(303);
      expect(posted.headers.get('location')).to.equal(`${orgUrl('acme', 'login/')}?next=%2Fhome`);
    });

    it('answers an unknown organization with its friendly page, and leaves other paths to the app', async () => {
      const unknown = await browser.go(orgUrl('nobody', 'login/'));
      expect(unknown.status).to.equal(404);
      expect(unknown.body).to.include('<code class="error-code">ORGANIZATION_UNKNOWN</code>');
      const other = await browser.request(`${base}/acme/elsewhere/`);
      expect(other.status).to.equal(404);
      expect(await other.text()).to.not.include('ORGANIZATION');
    });
  });
}

describe('createMellonOrganizations routes({ prefix })', () => {
  it('is checked like the SP’s (ConfigError naming routes.prefix), and one router per prefix', () => {
    const orgs = organizations();
    try {
      for (const prefix of ['/', 'accounts', '/accounts/', '/a?b', '/a#b', '//a']) {
        expect(() => orgs.routes({ prefix }), prefix).to.throw(ConfigError).with.property('path', 'routes.prefix');
      }
      expect(orgs.routes({ prefix: '' })).to.equal(orgs.routes({ prefix: '' }));
      expect(orgs.routes()).to.equal(orgs.routes({ prefix: BASE_PATH }));
      expect(orgs.routes()).to.not.equal(orgs.routes({ prefix: '' }));
    } finally {
      orgs.close();
    }
  });
});
