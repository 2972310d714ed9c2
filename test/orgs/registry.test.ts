import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, use } from 'chai';
import chaiAsPromised from 'chai-as-promised';
import Koa from 'koa';
import { ConfigError, createMemoryStore, createMellonOrganizations, createOrganizationAdmin, createOrganizationRegistry, type MellonOrganizations, type OrganizationRegistry, type StateStore } from 'koa-mellon';
import { Browser } from '../../packages/idp/test/helpers/browser.js';
import { IdpServer } from '../../packages/idp/test/helpers/world.js';
import { testKeyPair } from '../helpers/keys.js';
import { SHARED_BACKENDS, type SharedStateServer } from '../helpers/shared-state.js';

use(chaiAsPromised);

const SP_ORIGIN = 'https://sp.example.test';
const IDP_A = 'https://idp-a.example.test';
const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/** One instance of the app: its own connection to the shared store, its own registry handle. */
interface Instance {
  readonly registry: OrganizationRegistry;
  readonly orgs: MellonOrganizations;
  readonly server: Server;
  readonly local: string;
}

async function startInstance(store: StateStore): Promise<Instance> {
  const registry = createOrganizationRegistry(store);
  const orgs = createMellonOrganizations({
    baseUrl: `${SP_ORIGIN}/sso`,
    privateKey: testKeyPair('sp').keyPem,
    publicKeys: [testKeyPair('sp').certPem],
    store,
    logger: quiet,
    organizations: [],
    registry,
  });
  const app = new Koa();
  app.keys = ['sp-cookie-secret'];
  app.proxy = true;
  app.use(async (ctx, next) => {
    await next();
    if (ctx.path === '/whoami') ctx.body = { user: ctx.state.user ?? null };
  });
  app.use(orgs.middleware());
  app.use(orgs.routes());
  app.use(createOrganizationAdmin({ registry, prefix: '/admin/organizations', authorize: (ctx) => ctx.get('x-test-admin') === 'yes' }));
  const server = createServer(app.callback());
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { registry, orgs, server, local: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** Polls `probe` until it returns true, for at most `ms` (the registry promises a second). */
async function within(ms: number, probe: () => Promise<boolean>): Promise<boolean> {
  const end = Date.now() + ms;
  for (;;) {
    if (await probe()) return true;
    if (Date.now() > end) return false;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

for (const backend of SHARED_BACKENDS) {
  describe(`organization registry on ${backend.name}, two instances`, () => {
    let server: SharedStateServer;
    const stores: StateStore[] = [];
    let a: Instance;
    let b: Instance;
    let browser: Browser;
    let idp: IdpServer | undefined;
    const on = (instance: Instance) => browser.map(SP_ORIGIN, instance.local);
    const status = async (instance: Instance, path: string) => (on(instance), (await browser.request(`${SP_ORIGIN}/sso/${path}`)).status);

    before(async function () {
      this.timeout(30_000);
      server = await backend.start();
    });
    after(async () => {
      for (const store of stores) await store.close();
      await server?.stop();
    });
    beforeEach(async () => {
      const [one, two] = [await server.connect(), await server.connect()];
      stores.push(one, two);
      // Each test on fresh organizations: the store's data survives from test to test.
      for (const org of await createOrganizationRegistry(one).list()) await createOrganizationRegistry(one).delete(org.slug);
      a = await startInstance(one);
      b = await startInstance(two);
      browser = new Browser();
    });
    afterEach(async () => {
      await idp?.stop();
      idp = undefined;
      for (const instance of [a, b]) {
        instance.orgs.close();
        instance.server.closeAllConnections();
        instance.server.close();
      }
    });

    it('an organization created through the admin API on instance A logs users in on instance B, no restart', async () => {
      expect(await status(b, 'acme/metadata/')).to.equal(404);
      const created = await fetch(`${a.local}/admin/organizations/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-test-admin': 'yes' },
        body: JSON.stringify({ slug: 'acme', name: 'Acme', metadata: IdpServer.metadataFor(IDP_A) }),
      });
      expect(created.status).to.equal(201);
      expect(await within(1000, async () => (await status(b, 'acme/metadata/')) === 200)).to.equal(true);

      on(b);
      const spMetadata = await (await browser.request(`${SP_ORIGIN}/sso/acme/metadata/`)).text();
      idp = await IdpServer.start(browser, [{ metadata: spMetadata }], { origin: IDP_A });
      const atLogin = await browser.go(`${SP_ORIGIN}/sso/acme/login/?next=/home`);
      const next = new URL(atLogin.url).searchParams.get('next') ?? '';
      expect((await browser.go(idp.url(`/login/as?user=alice&next=${encodeURIComponent(next)}`))).url).to.equal(`${SP_ORIGIN}/home`);
      const me = (await (await browser.request(`${SP_ORIGIN}/whoami`, { accept: 'application/json' })).json()) as { user: { username: string } | null };
      expect(me.user?.username).to.match(/@acme$/);
    });

    it('an organization disabled on A is refused on every instance within a second; deleted, it is unknown', async () => {
      await a.registry.create({ slug: 'acme', name: 'Acme', metadata: IdpServer.metadataFor(IDP_A) });
      expect(await within(1000, async () => (await status(b, 'acme/metadata/')) === 200)).to.equal(true);
      expect(await a.registry.disable('acme')).to.equal(true);
      expect(await within(1000, async () => (await status(b, 'acme/login/')) === 403 && (await status(a, 'acme/login/')) === 403)).to.equal(true);
      on(b);
      expect(await (await browser.request(`${SP_ORIGIN}/sso/acme/login/`)).text()).to.include('<code class="error-code">ORGANIZATION_DISABLED</code>');
      await a.registry.delete('acme');
      expect(await within(1000, async () => (await status(b, 'acme/metadata/')) === 404)).to.equal(true);
      expect(await b.registry.list()).to.deep.equal([]);
    });

    it('an organization whose settings cannot be served answers ORGANIZATION_UNAVAILABLE (503), the others unaffected', async () => {
      await a.registry.create({ slug: 'typo', name: 'Typo', metadata: IdpServer.metadataFor(IDP_A), usernameTemplate: '{attributes[' });
      await a.registry.create({ slug: 'acme', name: 'Acme', metadata: IdpServer.metadataFor(IDP_A) });
      expect(await status(b, 'typo/login/')).to.equal(503);
      expect(await status(b, 'acme/metadata/')).to.equal(200);
    });

    it('create refuses a taken slug (on another instance) and invalid settings, naming the key', async () => {
      const org = { slug: 'acme', name: 'Acme', metadata: IdpServer.metadataFor(IDP_A) };
      expect(await a.registry.create(org)).to.equal(true);
      expect(await b.registry.create(org)).to.equal(false);
      expect(await b.registry.update({ ...org, slug: 'nobody' })).to.equal(false);
      await expect(b.registry.create({ ...org, slug: 'Bad Slug' })).to.be.rejectedWith(ConfigError).and.eventually.have.property('path', 'organization.slug');
      expect((await b.registry.list()).map((o) => o.slug)).to.deep.equal(['acme']);
    });
  });
}

describe('organizations added at run time and the SSRF guard', () => {
  let store: StateStore;
  let instance: Instance;
  let metadataServer: Server;
  let connections = 0;
  beforeEach(async () => {
    connections = 0;
    metadataServer = createServer((_req, res) => res.end(IdpServer.metadataFor(IDP_A)));
    metadataServer.on('connection', () => connections++);
    metadataServer.listen(0, '127.0.0.1');
    await once(metadataServer, 'listening');
    store = createMemoryStore();
    instance = await startInstance(store);
  });
  afterEach(async () => {
    instance.orgs.close();
    instance.server.closeAllConnections();
    instance.server.close();
    metadataServer.close();
    await store.close();
  });

  it('a registry organization whose metadataUrl points inside the network is refused (METADATA_URL_FORBIDDEN), never fetched', async () => {
    const port = (metadataServer.address() as AddressInfo).port;
    expect(await instance.registry.create({ slug: 'inside', name: 'Inside', metadataUrl: `https://127.0.0.1:${port}/metadata` })).to.equal(true);
    const browser = new Browser();
    browser.map(SP_ORIGIN, instance.local);
    const response = await browser.request(`${SP_ORIGIN}/sso/inside/login/`);
    expect(await response.text()).to.include('<code class="error-code">METADATA_URL_FORBIDDEN</code>');
    expect(connections).to.equal(0);
  });

  it('the registry and the admin API refuse metadataPath (a file on the server) and the guard keys, naming the key', async () => {
    const org = { slug: 'acme', name: 'Acme', metadata: IdpServer.metadataFor(IDP_A) };
    for (const [key, value] of [['metadataPath', '/etc/passwd'], ['metadataUrlGuard', false], ['metadataUrlAllowList', ['10.0.0.0/8']]] as const) {
      await expect(instance.registry.create({ ...org, [key]: value })).to.be.rejectedWith(ConfigError).and.eventually.have.property('path', `organization.${key}`);
      const response = await fetch(`${instance.local}/admin/organizations/`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-test-admin': 'yes' }, body: JSON.stringify({ ...org, [key]: value }) });
      expect(response.status).to.equal(400);
      expect(await response.json()).to.have.property('path', `organization.${key}`);
    }
    // An IdP given by parts: its certificates as PEM text only, never a path read on the server.
    await expect(instance.registry.create({ slug: 'acme', name: 'Acme', entityId: IDP_A, ssoUrl: `${IDP_A}/sso`, certificates: ['/etc/ssl/certs/ca-certificates.crt'] })).to.be.rejectedWith(ConfigError).and.eventually.have.property('path', 'organization.certificates');
    // Nor any other key that takes PEM text or a path (keys, metadata signing certificates).
    for (const [key, value] of [['metadataSigningCertificates', ['/etc/ssl/certs/ca-certificates.crt']], ['privateKey', '/etc/shadow'], ['privateKeys', [['/etc/shadow', 'x']]]] as const) {
      await expect(instance.registry.create({ ...org, [key]: value })).to.be.rejectedWith(ConfigError).and.eventually.have.property('path', `organization.${key}`);
    }
    // As the only metadata source too: the server's files are never read for a registry organization.
    await expect(instance.registry.create({ slug: 'acme', name: 'Acme', metadataPath: '/etc/passwd' })).to.be.rejectedWith(ConfigError).and.eventually.have.property('path', 'organization.metadataPath');
    expect(await instance.registry.list()).to.deep.equal([]);
  });
});

describe('createMellonOrganizations close()', () => {
  it('lets the app close the registry’s store right after (the unsubscribe it then refuses is not an unhandled rejection)', async () => {
    const store = createMemoryStore();
    const orgs = createMellonOrganizations({ baseUrl: `${SP_ORIGIN}/sso`, privateKey: testKeyPair('sp').keyPem, publicKeys: [testKeyPair('sp').certPem], logger: quiet, organizations: [], registry: createOrganizationRegistry(store) });
    await orgs.get('nobody');
    const unhandled: unknown[] = [];
    const record = (reason: unknown) => void unhandled.push(reason);
    process.on('unhandledRejection', record);
    try {
      orgs.close();
      await store.close();
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      process.off('unhandledRejection', record);
    }
    expect(unhandled).to.deep.equal([]);
  });
});
