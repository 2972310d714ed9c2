import { expect } from 'chai';
import { COOKIE } from '../../src/index.js';
import { requireXmlsec } from '../../../../test/helpers/xmlsec.js';
import { APP, JwtWorld, STATS } from '../helpers/world.js';

describe("JWT -> IdP: @koa-mellon/idp's authenticate hook fed by the bridge (real IdP, real SPs)", () => {
  let world: JwtWorld;
  before(requireXmlsec);
  beforeEach(async () => {
    world = await JwtWorld.start();
  });
  afterEach(() => world.stop());

  it('a token-authenticated user starts IdP-initiated login to Statistics; no app server session exists', async () => {
    await world.login('/home');
    expect(world.cookies().has('mellon.sid')).to.equal(false);
    const done = await world.browser.go(world.appIdp.initiateUrl(world.stats.mellon.urls.entityId, '/dashboard'));
    expect(done.url).to.equal(`${STATS}/dashboard`);
    const me = await world.stats.whoami();
    expect(me.mellon?.issuer).to.equal(world.appIdp.urls.entityId);
    expect(me.mellon?.attributes['mail']).to.deep.equal(['alice@example.test']);
  });

  it('without a token the app IdP sends the browser to its login (the SAML login at the upstream IdP), then on to Statistics', async () => {
    const atLogin = await world.browser.go(world.appIdp.initiateUrl(world.stats.mellon.urls.entityId, '/dashboard'));
    expect(atLogin.url.startsWith('https://idp.example.test/login')).to.equal(true);
    const loginNext = new URL(atLogin.url).searchParams.get('next') ?? '';
    const done = await world.browser.go(world.upstream.url(`/login/as?user=alice&next=${encodeURIComponent(loginNext)}`));
    expect(done.url).to.equal(`${STATS}/dashboard`);
    expect(world.cookies().has(COOKIE.access)).to.equal(true);
  });

  it('an invalid token is no user: a forged access cookie sends the browser to the login instead', async () => {
    world.cookies().set(COOKIE.access, 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiJ9.');
    const stop = await world.browser.go(world.appIdp.initiateUrl(world.stats.mellon.urls.entityId, '/dashboard'));
    expect(stop.url.startsWith('https://idp.example.test/login')).to.equal(true);
    expect((await world.stats.whoami()).user).to.equal(null);
  });

  it("single logout from the app's IdP: Statistics is logged out and the JWT family is revoked", async () => {
    await world.login('/home');
    const token = world.cookies().get(COOKIE.access) ?? '';
    await world.browser.go(world.appIdp.initiateUrl(world.stats.mellon.urls.entityId, '/dashboard'));
    expect((await world.stats.whoami()).user).to.not.equal(null);
    const done = await world.browser.go(world.appIdp.logoutUrl('/bye'));
    expect(done.url).to.equal(`${APP}/bye`);
    expect((await world.stats.whoami()).user).to.equal(null);
    expect(await (await world.api('/api/me', { bearer: token })).json()).to.have.property('code', 'TOKEN_REVOKED');
    expect(world.cookies().has(COOKIE.access)).to.equal(false);
  });
});
