import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import Koa from 'koa';
import { ConfigError, createMellonOrganizations, type MellonOrganizations, type OrganizationSettings } from 'koa-mellon';
import type { ServiceProviderSettings } from '@koa-mellon/idp';
import { Browser } from '../../packages/idp/test/helpers/browser.js';
import { IdpServer, type TestUser } from '../../packages/idp/test/helpers/world.js';
import { testKeyPair } from '../helpers/keys.js';
import { readSspForm, SimpleSamlPhp, SSP_USERS, type SspUser } from '../helpers/ssp.js';
import { createApp } from '../../docs/examples/organizations.js';

const SP_ORIGIN = 'https://sp.example.test';
const IDP_A = 'https://idp-a.example.test';
const IDP_B = 'https://idp-b.example.test';
const IDP_EVIL = 'https://idp-evil.example.test';
// Every IdP asserts the same uid for alice (her e-mail as NameID; SimpleSAMLphp's persistent NameID
// is her uid attribute, the same value): the collision the scoping must survive.
const SAME_UID: Partial<ServiceProviderSettings<TestUser>> = { nameIdFormat: 'emailAddress', nameIdField: 'email', attributes: { mail: 'email' } };
// SimpleSAMLphp 1.19 sends a persistent NameID (its uid attribute) only when our metadata lists the format.
const PERSISTENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent';

type LogLine = { level: string; msg?: string | undefined } & Record<string, unknown>;

interface Whoami {
  user: { id: string; username: string } | null;
  mellon: { issuer: string; nameIdContent: string } | null;
}

/** An app serving organizations under `basePath` at SP_ORIGIN, with `/whoami`. */
async function serveOrganizations(browser: Browser, basePath: string, organizations: OrganizationSettings[], logged: LogLine[]): Promise<{ orgs: MellonOrganizations; server: Server }> {
  const log = (level: string) => (obj: object, msg?: string) => logged.push({ level, msg, ...obj });
  const orgs = createMellonOrganizations({
    logger: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
    baseUrl: `${SP_ORIGIN}${basePath}`,
    privateKey: testKeyPair('sp').keyPem,
    publicKeys: [testKeyPair('sp').certPem],
    organizations,
  });
  const app = new Koa();
  app.keys = ['sp-cookie-secret'];
  app.proxy = true;
  app.use(async (ctx, next) => {
    await next();
    if (ctx.path === '/whoami') ctx.body = { user: ctx.state.user ?? null, mellon: ctx.state.mellon ?? null };
  });
  app.use(orgs.middleware());
  app.use(orgs.routes());
  const server = createServer(app.callback());
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  browser.map(SP_ORIGIN, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  return { orgs, server };
}

// CONVENTIONS: router suites run mounted at the root and under a path (absolute-URL bugs).
// Three organizations' IdPs are the heart of it: acme's and globex's are @koa-mellon/idp, umbrella's
// is SimpleSAMLphp (a real php -S, registered with umbrella's SP metadata, logged in through its form).
for (const basePath of ['', '/accounts/sso']) {
  describe(`createMellonOrganizations, mounted at "${basePath || '/'}"`, () => {
    const base = `${SP_ORIGIN}${basePath}`;
    let ssp: SimpleSamlPhp;
    let sspMetadata: string;
    before(async function () {
      this.timeout(30_000);
      ssp = await SimpleSamlPhp.start();
      sspMetadata = await (await fetch(ssp.metadataUrl)).text();
    });
    after(async () => ssp?.stop());
    const evilEntityId = `${IDP_A}/idp/metadata/`;
    let browser: Browser;
    let orgs: MellonOrganizations;
    let server: Server;
    let idps: IdpServer[];
    let logged: LogLine[];

    const orgUrl = (slug: string, route: string) => `${base}/${slug}/${route}`;
    const spEntry = async (slug: string): Promise<ServiceProviderSettings<TestUser>> => ({ metadata: await (await browser.request(orgUrl(slug, 'metadata/'))).text(), ...SAME_UID });
    const whoami = async (): Promise<Whoami> => (await browser.request(`${SP_ORIGIN}/whoami`, { accept: 'application/json' })).json() as Promise<Whoami>;
    /** SP-initiated login at `slug` as `user`, through the IdP's login page. */
    const login = async (slug: string, idp: IdpServer, user = 'alice') => {
      const atLogin = await browser.go(`${orgUrl(slug, 'login/')}?next=/home`);
      const next = new URL(atLogin.url).searchParams.get('next') ?? '';
      return browser.go(idp.url(`/login/as?user=${user}&next=${encodeURIComponent(next)}`));
    };
    /** SP-initiated login at `slug` through SimpleSAMLphp's own login form, then its post to our ACS. */
    const loginAtSsp = async (slug: string, user: SspUser = 'alice') => {
      const atForm = await browser.go(`${orgUrl(slug, 'login/')}?next=/home`);
      const form = readSspForm(atForm.body ?? '', atForm.url);
      expect(form?.fields.has('AuthState'), `SimpleSAMLphp's login form at ${atForm.url}\n${ssp.logTail(20)}`).to.equal(true);
      const fields = new Map([...(form?.fields ?? []), ['username', user], ['password', SSP_USERS[user].password]]);
      const answered = await browser.request(form?.action ?? '', { form: fields });
      const post = readSspForm(await answered.text(), form?.action ?? '');
      expect(post?.fields.has('SAMLResponse'), `SimpleSAMLphp's answer\n${ssp.logTail(20)}`).to.equal(true);
      return browser.go(post?.action ?? '', { form: post?.fields ?? new Map() });
    };

    beforeEach(async () => {
      browser = new Browser();
      logged = [];
      browser.map(ssp.origin, ssp.origin);
      ({ orgs, server } = await serveOrganizations(browser, basePath, [
        { slug: 'acme', name: 'Acme', metadata: IdpServer.metadataFor(IDP_A), attributeMapping: { email: '{attributes[mail][0]}' } },
        { slug: 'umbrella', name: 'Umbrella', metadata: sspMetadata, nameIdFormats: [PERSISTENT], attributeMapping: { email: '{attributes[mail][0]}' } },
        // Vouches for its e-mail addresses: may link a login to an existing account by e-mail.
        { slug: 'hooli', name: 'Hooli', metadata: IdpServer.metadataFor(IDP_B), emailVerified: true, lookupByAttributes: [{ userField: 'email', samlAttribute: 'mail' }] },
        // Its IdP sends transient NameIDs only: no uid to key an account by.
        { slug: 'anon', name: 'Anon', metadata: IdpServer.metadataFor(IDP_B) },
        { slug: 'globex', name: 'Globex', metadata: IdpServer.metadataFor(IDP_B), allowIdpInitiated: true },
        { slug: 'initech', name: 'Initech', metadata: IdpServer.metadataFor(IDP_A), enabled: false },
        // An organization whose admin registered an IdP claiming acme's IdP entityID.
        { slug: 'evil', name: 'Evil', metadata: IdpServer.metadataFor(IDP_EVIL, { settings: { entityId: evilEntityId } }) },
        // Metadata that cannot load: nothing listens on port 1.
        { slug: 'broken', name: 'Broken', metadataUrl: 'https://127.0.0.1:1/metadata', metadataHttpTimeout: 2 },
      ], logged));
      idps = [
        await IdpServer.start(browser, [await spEntry('acme')], { origin: IDP_A }),
        await IdpServer.start(browser, [await spEntry('globex'), await spEntry('hooli'), { ...(await spEntry('anon')), nameIdFormat: 'transient' }], { origin: IDP_B }),
        await IdpServer.start(browser, [await spEntry('evil')], { origin: IDP_EVIL, settings: { entityId: evilEntityId } }),
      ];
      ssp.registerSp(await (await browser.request(orgUrl('umbrella', 'metadata/'))).text());
    });
    afterEach(async () => {
      orgs.close();
      for (const idp of idps) await idp.stop();
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    });

    it('logs a user in through {base}/acme/login/ with acme’s IdP, the username scoped by the slug', async () => {
      const done = await login('acme', idps[0] as IdpServer);
      expect(done.url).to.equal(`${SP_ORIGIN}/home`);
      const me = await whoami();
      expect(me.mellon?.issuer).to.equal(`${IDP_A}/idp/metadata/`);
      expect(me.user?.username).to.equal('alice@example.test@acme');
    });

    it('serves each organization’s own SP metadata, its entityID {base}/{slug}/metadata/', async () => {
      const xml = await (await browser.request(orgUrl('globex', 'metadata/'))).text();
      expect(xml).to.include(`entityID="${orgUrl('globex', 'metadata/')}"`);
      expect(xml).to.include(`Location="${orgUrl('globex', 'login/')}"`);
      // What an organization's metadata publishes follows its own overrides (umbrella lists persistent).
      expect(xml).to.not.include('NameIDFormat');
      expect(await (await browser.request(orgUrl('umbrella', 'metadata/'))).text()).to.include(`<md:NameIDFormat>${PERSISTENT}</md:NameIDFormat>`);
    });

    it('logs a user in through {base}/umbrella/login/ with SimpleSAMLphp, the username scoped by the slug', async () => {
      const done = await loginAtSsp('umbrella');
      expect(done.url).to.equal(`${SP_ORIGIN}/home`);
      const me = await whoami();
      expect(me.mellon?.issuer).to.equal(ssp.entityId);
      expect(me.mellon?.nameIdContent).to.equal('alice@example.test');
      expect(me.user?.username).to.equal('alice@example.test@umbrella');
    });

    it('the same uid at three IdPs (two @koa-mellon/idp, SimpleSAMLphp) gives three users', async () => {
      await login('acme', idps[0] as IdpServer);
      const atAcme = await whoami();
      await login('globex', idps[1] as IdpServer);
      const atGlobex = await whoami();
      await loginAtSsp('umbrella');
      const atUmbrella = await whoami();
      expect(atAcme.mellon?.nameIdContent).to.equal('alice@example.test');
      expect(atGlobex.mellon?.nameIdContent).to.equal('alice@example.test');
      expect(atUmbrella.mellon?.nameIdContent).to.equal('alice@example.test');
      const ids = [atAcme, atGlobex, atUmbrella].map((me) => me.user?.id);
      expect(ids.every((id) => typeof id === 'string')).to.equal(true);
      expect(new Set(ids).size).to.equal(3);
    });

    it('an organization that registers another’s IdP entityID does not reach its accounts (takeover attempt)', async () => {
      await login('acme', idps[0] as IdpServer);
      const victim = await whoami();
      await login('evil', idps[2] as IdpServer);
      const attacker = await whoami();
      // Same issuer, same NameID: without scoping, the same account.
      expect(attacker.mellon?.issuer).to.equal(victim.mellon?.issuer);
      expect(attacker.mellon?.nameIdContent).to.equal(victim.mellon?.nameIdContent);
      expect(attacker.user?.id).to.be.a('string').and.not.equal(victim.user?.id);
      expect(attacker.user?.username).to.equal('alice@example.test@evil');
    });

    it('links a login to an existing account by e-mail where the organization marks its e-mail verified', async () => {
      await login('acme', idps[0] as IdpServer);
      const atAcme = await whoami();
      await login('hooli', idps[1] as IdpServer);
      expect((await whoami()).user?.id).to.be.a('string').and.equal(atAcme.user?.id);
    });

    it('refuses a login without a uid (transient NameID, no transientFederationAttribute) with UID_MISSING, a friendly page', async () => {
      const stop = await login('anon', idps[1] as IdpServer);
      expect(stop.status).to.equal(403);
      expect(stop.body).to.include('<code class="error-code">UID_MISSING</code>').and.include('did not say which account is yours');
      expect(await whoami()).to.deep.equal({ user: null, mellon: null });
      const refusal = logged.find((line) => line['code'] === 'UID_MISSING');
      expect(String(refusal?.['reason'])).to.include('transientFederationAttribute is not set');
    });

    it('refuses a response from acme’s IdP posted to globex’s ACS', async () => {
      await login('acme', idps[0] as IdpServer);
      const posted = [...browser.posts].reverse().find((p) => p.form.has('SAMLResponse'));
      const other = browser.another();
      const stop = await other.go(orgUrl('globex', 'login/'), { form: new Map([['SAMLResponse', posted?.form.get('SAMLResponse') ?? '']]) });
      expect(stop.status).to.equal(400);
      expect(stop.body).to.include('<code class="error-code">ISSUER_MISMATCH</code>');
      expect((await other.request(`${SP_ORIGIN}/whoami`, { accept: 'application/json' }).then((r) => r.json())) as Whoami).to.deep.equal({ user: null, mellon: null });
    });

    it('refuses SimpleSAMLphp’s response for umbrella posted to acme’s ACS, and acme’s IdP’s posted to umbrella’s', async () => {
      await loginAtSsp('umbrella');
      const fromSsp = [...browser.posts].reverse().find((p) => p.form.has('SAMLResponse'))?.form.get('SAMLResponse') ?? '';
      await login('acme', idps[0] as IdpServer);
      const fromAcme = [...browser.posts].reverse().find((p) => p.form.has('SAMLResponse'))?.form.get('SAMLResponse') ?? '';
      expect(fromSsp).to.not.equal(fromAcme);
      for (const [slug, response] of [['acme', fromSsp], ['umbrella', fromAcme]] as const) {
        const other = browser.another();
        const stop = await other.go(orgUrl(slug, 'login/'), { form: new Map([['SAMLResponse', response]]) });
        expect(stop.status, slug).to.equal(400);
        expect(stop.body, slug).to.include('<code class="error-code">ISSUER_MISMATCH</code>');
        expect((await other.request(`${SP_ORIGIN}/whoami`, { accept: 'application/json' }).then((r) => r.json())) as Whoami).to.deep.equal({ user: null, mellon: null });
      }
    });

    it('refuses IdP-initiated login by default, and accepts it where the organization enabled it', async () => {
      const [idpA, idpB] = idps as [IdpServer, IdpServer];
      await browser.go(idpA.url('/login/as?user=alice&next=/'));
      const refused = await browser.go(idpA.idp.initiateUrl(orgUrl('acme', 'metadata/'), '/welcome'));
      expect(refused.status).to.equal(400);
      expect(refused.body).to.include('<code class="error-code">UNSOLICITED_RESPONSE</code>');
      await browser.go(idpB.url('/login/as?user=alice&next=/'));
      const accepted = await browser.go(idpB.idp.initiateUrl(orgUrl('globex', 'metadata/'), '/welcome'));
      expect(accepted.url).to.equal(`${SP_ORIGIN}/welcome`);
      expect((await whoami()).mellon?.issuer).to.equal(`${IDP_B}/idp/metadata/`);
    });

    it('logs out through {base}/acme/logout/ (SP-initiated single logout at acme’s IdP)', async () => {
      await login('acme', idps[0] as IdpServer);
      const done = await browser.go(`${orgUrl('acme', 'logout/')}?next=/bye`);
      expect(done.url).to.equal(`${SP_ORIGIN}/bye`);
      expect(done.history.some((step) => step.url.startsWith(`${IDP_A}/idp/slo/`))).to.equal(true);
      expect(await whoami()).to.deep.equal({ user: null, mellon: null });
    });

    it('answers an unknown organization with ORGANIZATION_UNKNOWN (404), a friendly page', async () => {
      const stop = await browser.go(orgUrl('nobody', 'login/'));
      expect(stop.status).to.equal(404);
      expect(stop.body).to.include('<code class="error-code">ORGANIZATION_UNKNOWN</code>');
      expect(logged).to.deep.include({ level: 'warn', msg: 'koa-mellon: refused', code: 'ORGANIZATION_UNKNOWN', org: 'nobody' });
    });

    it('answers a disabled organization with ORGANIZATION_DISABLED (403) on every route, the others unaffected', async () => {
      for (const route of ['login/', 'logout/', 'metadata/']) {
        const stop = await browser.go(orgUrl('initech', route));
        expect(stop.status, route).to.equal(403);
        expect(stop.body).to.include('<code class="error-code">ORGANIZATION_DISABLED</code>');
      }
      expect((await login('acme', idps[0] as IdpServer)).url).to.equal(`${SP_ORIGIN}/home`);
    });

    it('answers an organization whose metadata cannot load with a friendly 503, the others unaffected', async () => {
      const stop = await browser.go(orgUrl('broken', 'login/'));
      expect(stop.status).to.equal(503);
      expect(stop.body).to.include('<code class="error-code">METADATA_UNAVAILABLE</code>');
      expect((await login('globex', idps[1] as IdpServer)).url).to.equal(`${SP_ORIGIN}/home`);
    });

    it('leaves other paths to the app', async () => {
      const response = await browser.request(`${base}/acme/elsewhere/`);
      expect(response.status).to.equal(404);
      expect(await response.text()).to.not.include('ORGANIZATION');
    });
  });
}

describe('createMellonOrganizations settings', () => {
  const keys = { privateKey: testKeyPair('sp').keyPem, publicKeys: [testKeyPair('sp').certPem] };
  const org = (slug: string, extra: Record<string, unknown> = {}) => ({ slug, name: slug, metadata: IdpServer.metadataFor(IDP_A), ...extra });
  const refuse = (organizations: unknown[], path: string) => {
    // Plain JavaScript callers: the shapes TypeScript would refuse.
    const settings = { baseUrl: SP_ORIGIN, ...keys, organizations } as never;
    expect(() => createMellonOrganizations(settings)).to.throw(ConfigError).with.property('path', path);
  };

  it('names the organization’s key of a wrong per-IdP override', () => refuse([org('a'), org('b'), org('c', { requestsSigned: 'yes' })], 'organizations[2].requestsSigned'));
  it('refuses a setting that cannot be set per organization', () => refuse([org('a', { baseUrl: 'https://x.example' })], 'organizations[0].baseUrl'));
  it('refuses a bad slug', () => refuse([org('Not A Slug')], 'organizations[0].slug'));
  it('refuses a duplicate slug', () => refuse([org('a'), org('a')], 'organizations[1].slug'));
  it('refuses an organization without a name', () => refuse([{ slug: 'a', metadata: 'x' }], 'organizations[0].name'));
  it('refuses an organization with no IdP', () => refuse([{ slug: 'a', name: 'A' }], 'organizations[0]'));
  it('refuses e-mail domains that are not lower-case domain names', () => refuse([org('a', { emailDomains: ['Example.COM'] })], 'organizations[0].emailDomains'));
  it('names the organization when its IdP settings fail in the single-IdP SP (a bad template)', () => refuse([org('a'), org('b', { usernameTemplate: '{attributes[' })], 'organizations[1].usernameTemplate'));
  it('refuses linking accounts by e-mail for an organization that does not mark its e-mail verified', () => refuse([org('a', { lookupByAttributes: [{ userField: 'email', samlAttribute: 'mail' }] })], 'organizations[0].lookupByAttributes'));
  it('refuses an inherited e-mail lookup for an organization that does not mark its e-mail verified, naming emailVerified', () => {
    const settings = { baseUrl: SP_ORIGIN, ...keys, lookupByAttributes: [{ userField: 'email', samlAttribute: 'mail' }], organizations: [org('a', { emailVerified: true }), org('b')] } as never;
    expect(() => createMellonOrganizations(settings)).to.throw(ConfigError).with.property('path', 'organizations[1].emailVerified');
  });
  it('refuses identityProviders beside organizations', () => {
    const settings = { baseUrl: SP_ORIGIN, ...keys, organizations: [], identityProviders: [] } as never;
    expect(() => createMellonOrganizations(settings)).to.throw(ConfigError).with.property('path', 'identityProviders');
  });
});

describe('docs/organizations.md', () => {
  it('its example app logs a user in at an organization and greets them with the mapped e-mail', async () => {
    const browser = new Browser();
    const { app, orgs } = createApp({
      baseUrl: `${SP_ORIGIN}/sso`,
      privateKey: testKeyPair('sp').keyPem,
      publicKeys: [testKeyPair('sp').certPem],
      organizations: [{ slug: 'acme', name: 'Acme Inc.', metadata: IdpServer.metadataFor(IDP_A) }],
    });
    const server = createServer(app.callback());
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    browser.map(SP_ORIGIN, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    const idp = await IdpServer.start(browser, [{ metadata: await (await browser.request(`${SP_ORIGIN}/sso/acme/metadata/`)).text(), ...SAME_UID }], { origin: IDP_A });
    try {
      const atLogin = await browser.go(`${SP_ORIGIN}/sso/acme/login/?next=/`);
      const next = new URL(atLogin.url).searchParams.get('next') ?? '';
      expect((await browser.go(idp.url(`/login/as?user=alice&next=${encodeURIComponent(next)}`))).url).to.equal(`${SP_ORIGIN}/`);
      expect(await (await browser.request(`${SP_ORIGIN}/`)).text()).to.equal('Hello alice@example.test@acme (alice@example.test)');
    } finally {
      orgs.close();
      await idp.stop();
      server.closeAllConnections();
      server.close();
    }
  });

  it('shows the example file the test runs', () => {
    expect(readFileSync(new URL('../../docs/organizations.md', import.meta.url), 'utf8')).to.include('examples/organizations.ts');
  });
});
