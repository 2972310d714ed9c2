// Attribute-mapping defaults and useNameIdForEmail per organization, through @koa-mellon/idp IdPs that
// release their attributes under Entra ID's claim URIs, and one that sends the e-mail only as the NameID
// (as Google Workspace does).
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import Koa from 'koa';
import { createMellonOrganizations, type MellonOrganizations, type OrganizationSettings } from 'koa-mellon';
import type { ServiceProviderSettings } from '@koa-mellon/idp';
import { Browser } from '../../packages/idp/test/helpers/browser.js';
import { IdpServer, type TestUser } from '../../packages/idp/test/helpers/world.js';
import { testKeyPair } from '../helpers/keys.js';

const SP_ORIGIN = 'https://sp.example.test';
const IDP_ORIGIN = 'https://idp-contoso.example.test';
const MS = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims';
// What an Entra ID enterprise app releases, by claim URI; the NameID is the e-mail address.
const ENTRA_LIKE: Partial<ServiceProviderSettings<TestUser>> = {
  nameIdFormat: 'emailAddress',
  attributes: { [`${MS}/emailaddress`]: 'email', 'http://schemas.microsoft.com/identity/claims/displayname': 'name', [`${MS}/name`]: 'username' },
};
// The address only as the NameID, no attribute at all.
const NAMEID_ONLY: Partial<ServiceProviderSettings<TestUser>> = { nameIdFormat: 'emailAddress' };

interface Whoami {
  user: { username: string; fields: Record<string, string> } | null;
}

for (const basePath of ['', '/accounts/sso']) {
  describe(`organizations: attribute-mapping defaults, mounted at "${basePath || '/'}"`, () => {
    const base = `${SP_ORIGIN}${basePath}`;
    let browser: Browser;
    let orgs: MellonOrganizations;
    let server: Server;
    let idp: IdpServer;

    const orgUrl = (slug: string, route: string) => `${base}/${slug}/${route}`;
    const loginAt = async (slug: string): Promise<Whoami['user']> => {
      const atLogin = await browser.go(`${orgUrl(slug, 'login/')}?next=/home`);
      const next = new URL(atLogin.url).searchParams.get('next') ?? '';
      const done = await browser.go(idp.url(`/login/as?user=alice&next=${encodeURIComponent(next)}`));
      expect(done.url).to.equal(`${SP_ORIGIN}/home`);
      return ((await (await browser.request(`${SP_ORIGIN}/whoami`, { accept: 'application/json' })).json()) as Whoami).user;
    };

    beforeEach(async () => {
      browser = new Browser();
      const metadata = IdpServer.metadataFor(IDP_ORIGIN);
      const organizations: OrganizationSettings[] = [
        { slug: 'contoso', name: 'Contoso', metadata },
        { slug: 'fabrikam', name: 'Fabrikam', metadata, attributeMappingDefaults: false },
        { slug: 'initech', name: 'Initech', metadata, attributeMapping: { displayName: '{attributes[name_id_content]}' } },
        { slug: 'gmail', name: 'Gmail-like', metadata, useNameIdForEmail: true },
        { slug: 'nomail', name: 'No mail', metadata },
        // The same IdP given by parts instead of metadata, with a next certificate for rollover.
        { slug: 'parts', name: 'By parts', entityId: `${IDP_ORIGIN}/idp/metadata/`, ssoUrl: `${IDP_ORIGIN}/idp/sso/`, sloUrl: `${IDP_ORIGIN}/idp/slo/`, certificates: [testKeyPair('idp-next').certPem, testKeyPair('idp').certPem] },
      ];
      orgs = createMellonOrganizations({ baseUrl: base, privateKey: testKeyPair('sp').keyPem, publicKeys: [testKeyPair('sp').certPem], organizations });
      const app = new Koa();
      app.keys = ['sp-cookie-secret'];
      app.proxy = true;
      app.use(async (ctx, next) => {
        await next();
        if (ctx.path === '/whoami') ctx.body = { user: ctx.state.user ?? null };
      });
      app.use(orgs.middleware());
      app.use(orgs.routes());
      server = createServer(app.callback());
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      browser.map(SP_ORIGIN, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
      const sp = async (slug: string, release: Partial<ServiceProviderSettings<TestUser>>) => ({ metadata: await (await browser.request(orgUrl(slug, 'metadata/'))).text(), ...release });
      idp = await IdpServer.start(browser, [await sp('contoso', ENTRA_LIKE), await sp('fabrikam', ENTRA_LIKE), await sp('initech', ENTRA_LIKE), await sp('gmail', NAMEID_ONLY), await sp('nomail', NAMEID_ONLY), await sp('parts', ENTRA_LIKE)], { origin: IDP_ORIGIN });
    });
    afterEach(async () => {
      orgs.close();
      await idp.stop();
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    });

    it('fills the profile fields from Entra ID’s claim URIs with no attributeMapping (defaults on)', async () => {
      const user = await loginAt('contoso');
      expect(user?.fields).to.deep.equal({ email: 'alice@example.test', displayName: 'Alice Liddell', preferredUsername: 'alice' });
    });

    it('an organization with attributeMappingDefaults: false gets no field', async () => {
      expect((await loginAt('fabrikam'))?.fields).to.deep.equal({});
    });

    it('an organization’s explicit attributeMapping wins for its field only', async () => {
      expect((await loginAt('initech'))?.fields).to.deep.equal({ email: 'alice@example.test', displayName: 'alice@example.test', preferredUsername: 'alice' });
    });

    it('useNameIdForEmail on an organization fills email from the emailAddress NameID', async () => {
      expect((await loginAt('gmail'))?.fields).to.deep.equal({ email: 'alice@example.test' });
    });

    it('without useNameIdForEmail the same NameID fills nothing', async () => {
      expect((await loginAt('nomail'))?.fields).to.deep.equal({});
    });

    it('an organization whose IdP is given by parts (entityId, ssoUrl, sloUrl, certificates) logs users in', async () => {
      const user = await loginAt('parts');
      expect(user?.username).to.equal('alice@example.test@parts');
      expect(user?.fields['email']).to.equal('alice@example.test');
    });
  });
}
