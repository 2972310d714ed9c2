import { expect } from 'chai';
import { COOKIE } from '../../src/index.js';
import { requireXmlsec } from '../../../../test/helpers/xmlsec.js';
import { expectRefusal } from '../../../idp/test/helpers/saml.js';
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

  describe('launch links (a bearer-token front end: its token cannot ride a navigation)', () => {
    /** Signs in, takes the access token out of the browser: from here only the "SPA" holds it. */
    async function bearerOnly(): Promise<string> {
      await world.login('/home');
      const token = world.cookies().get(COOKIE.access) ?? '';
      world.cookies().clear();
      return token;
    }
    const launch = async (bearer: string, form: Record<string, string> = { sp: world.stats.mellon.urls.entityId, next: '/dashboard' }) => {
      const answer = await world.api('/jwt/launch', { method: 'POST', bearer, form });
      expect(answer.status).to.equal(200);
      expect(answer.headers.get('cache-control')).to.equal('no-store');
      return ((await answer.json()) as { launch_url: string }).launch_url;
    };

    it('POST launch/ answers a one-time link to sso/init/ without the token in it; the browser, with no token, reaches Statistics as the same user', async () => {
      const token = await bearerOnly();
      const link = await launch(token);
      expect(link.startsWith(`${APP}/idp/sso/init/?`)).to.equal(true);
      expect(link).to.not.include(token);
      const done = await world.browser.go(link);
      expect(done.url).to.equal(`${STATS}/dashboard`);
      const me = await world.stats.whoami();
      expect(me.mellon?.issuer).to.equal(world.appIdp.urls.entityId);
      expect(me.mellon?.attributes['mail']).to.deep.equal(['alice@example.test']);
      expect(world.cookies().has('mellon.sid')).to.equal(false);
    });

    it('a link works once: the second visit is a friendly page with LAUNCH_LINK_INVALID, no SAML response', async () => {
      const link = await launch(await bearerOnly());
      await world.browser.go(link);
      expectRefusal(await world.browser.go(link), 'LAUNCH_LINK_INVALID');
    });

    it('a link edited to another SP or next is refused (and used up)', async () => {
      const link = new URL(await launch(await bearerOnly()));
      link.searchParams.set('next', '/elsewhere');
      expectRefusal(await world.browser.go(link.href), 'LAUNCH_LINK_INVALID');
      link.searchParams.set('next', '/dashboard');
      expectRefusal(await world.browser.go(link.href), 'LAUNCH_LINK_INVALID');
    });

    it('a link whose token was revoked since (sign out in between) is refused', async () => {
      const token = await bearerOnly();
      const link = await launch(token);
      expect((await world.api('/jwt/logout', { method: 'POST', bearer: token })).status).to.equal(200);
      expectRefusal(await world.browser.go(link), 'LAUNCH_LINK_INVALID');
      expect((await world.stats.whoami()).user).to.equal(null);
    });

    it('no token, no link: POST launch/ is a 401 Bearer challenge', async () => {
      const answer = await world.api('/jwt/launch', { method: 'POST', form: { sp: world.stats.mellon.urls.entityId } });
      expect(answer.status).to.equal(401);
      expect(answer.headers.get('www-authenticate')).to.match(/^Bearer /);
      expect(await answer.json()).to.have.property('code', 'TOKEN_MISSING');
    });
  });
});
