import { expect } from 'chai';
import { createMellon, ConfigError } from 'koa-mellon';
import { createIdp } from '@koa-mellon/idp';
import { testKeyPair } from '../../../test/helpers/keys.js';
import { requireXmlsec } from '../../../test/helpers/xmlsec.js';
import { nextOf } from './helpers/saml.js';
import { IDP_SECRET, IdpServer, startWorld, type Mount, type SpServer } from './helpers/world.js';

// Both roles' routers where baseUrl's path is not the path the app sees: nested in a parent
// router (`routes({ prefix: '' })` under `parent.use('/sp', …)`), or behind a proxy that strips it.
for (const mount of ['nested', 'stripped'] as Mount[]) {
  describe(`SP and IdP routers mounted ${mount === 'nested' ? 'in a parent @koa/router' : 'behind a proxy that strips their path'}`, () => {
    let world: Awaited<ReturnType<typeof startWorld>>;
    let idp: IdpServer;
    let sp: SpServer;
    before(requireXmlsec);
    beforeEach(async () => {
      world = await startWorld({ idp: { basePath: '/idp/saml', mount }, sps: [{ basePath: '/accounts/mellon', mount }] });
      idp = world.idp;
      sp = world.sps[0] as SpServer;
    });
    afterEach(() => world.stop());

    it('metadata is served at the public URLs, which baseUrl still names', async () => {
      expect(sp.mellon.urls.metadata).to.equal('https://sp.example.test/accounts/mellon/metadata/');
      expect(await sp.metadata()).to.include('Location="https://sp.example.test/accounts/mellon/login/"');
      const response = await world.browser.request(idp.idp.urls.metadata);
      expect(response.status).to.equal(200);
      expect(await response.text()).to.include(`entityID="${idp.idp.urls.entityId}"`);
    });

    it('SP-initiated login and single logout go through both routers (Destination checked against baseUrl)', async () => {
      const atLogin = await world.browser.go(`${sp.mellon.urls.login}?next=/dashboard`);
      expect(nextOf(atLogin.url)).to.match(/^\/idp\/saml\/sso\/resume\/\?k=[0-9a-f]{32}$/);
      const done = await world.browser.go(idp.url(`/login/as?user=alice&next=${encodeURIComponent(nextOf(atLogin.url))}`));
      expect(done.url).to.equal('https://sp.example.test/dashboard');
      expect((await sp.whoami()).user?.username).to.match(/@saml$/);

      const out = await world.browser.go(`${sp.mellon.urls.logout}?next=/bye`);
      expect(out.url).to.equal('https://sp.example.test/bye');
      expect(out.history.some((step) => step.url.startsWith(`${idp.idp.urls.slo}?SAMLRequest=`))).to.equal(true);
      expect((await sp.whoami()).user).to.equal(null);
    });

    it('an unknown path under the prefix is left to the app (404), not taken by the role', async () => {
      const response = await world.browser.request('https://sp.example.test/accounts/mellon/nothing/');
      expect(response.status).to.equal(404);
    });
  });
}

describe('routes({ prefix }) is checked', () => {
  const bad = ['/', 'accounts', '/accounts/', '/a?b', '/a#b', '//a'];
  it('a prefix that is not "" or /a/b is a ConfigError naming routes.prefix, for the SP and the IdP', () => {
    const mellon = createMellon({
      baseUrl: 'https://sp.example.test/sp',
      identityProviders: [{ metadata: IdpServer.metadataFor('https://idp.example.test') }],
      privateKey: testKeyPair('sp').keyPem,
      publicKeys: [testKeyPair('sp').certPem],
    });
    const idp = createIdp({ baseUrl: 'https://idp.example.test/idp', privateKey: testKeyPair('idp').keyPem, publicKeys: [testKeyPair('idp').certPem], secret: IDP_SECRET, serviceProviders: [], authenticate: () => null, loginUrl: '/login' });
    try {
      for (const prefix of bad) {
        for (const routes of [mellon.routes, idp.routes]) {
          expect(() => routes({ prefix }), prefix).to.throw(ConfigError).with.property('path', 'routes.prefix');
        }
      }
      expect(mellon.routes({ prefix: '' })).to.equal(mellon.routes({ prefix: '' }));
      expect(mellon.routes()).to.equal(mellon.routes({ prefix: '/sp' }));
    } finally {
      mellon.close();
      idp.close();
    }
  });
});
