import { expect } from 'chai';
import Koa from 'koa';
import session from 'koa-session';
import { createMellon, type Mellon } from 'koa-mellon';
import { requireXmlsec } from '../../../../test/helpers/xmlsec.js';
import { testKeyPair } from '../../../../test/helpers/keys.js';
import { idpMetadata, navigate, TestSp } from '../harness.js';

/**
 * The app a koa-passport user writes: koa-session for its own data, koa-mellon for the login,
 * `ctx.isAuthenticated()`, `requireLogin()` on private routes, `ctx.logout()`.
 */
function passportStyleApp(mellon: Mellon): Koa {
  const app = new Koa();
  app.keys = ['test-cookie-secret'];
  app.proxy = true;
  app.use(session({ key: 'app.sess', sameSite: 'lax' }, app));
  app.use(mellon.middleware());
  app.use(mellon.routes());
  app.use(async (ctx, next) => {
    if (ctx.path === '/status') ctx.body = { authenticated: ctx.isAuthenticated(), visits: (ctx.session!.visits = Number(ctx.session!.visits ?? 0) + 1) };
    else if (ctx.path === '/bye') {
      await ctx.logout();
      ctx.body = { authenticated: ctx.isAuthenticated() };
    } else await next();
  });
  app.use(mellon.requireLogin());
  app.use(async (ctx) => {
    if (ctx.path === '/private' || ctx.path === '/api/me') ctx.body = { user: (ctx.state.user as { username: string }).username };
  });
  return app;
}

for (const basePath of ['', '/accounts/mellon']) {
  describe(`koa-passport conventions with koa-mellon at "${basePath || '/'}"`, () => {
    let sp: TestSp;
    before(requireXmlsec);
    beforeEach(async () => {
      const mellon = createMellon({
        baseUrl: `https://sp.example.test${basePath}`,
        identityProviders: [{ metadata: idpMetadata() }],
        privateKey: testKeyPair('sp').keyPem,
        publicKeys: [testKeyPair('sp').certPem],
      });
      sp = await TestSp.serve(passportStyleApp(mellon), mellon);
    });
    afterEach(() => sp.stop());

    it('requireLogin() sends a page visit to the login with next = the URL asked for', async () => {
      const login = `${sp.mellon.urls.login}?next=${encodeURIComponent('/private?tab=2')}`;
      // A browser's navigation (even one that says it accepts anything), and a client without Fetch Metadata asking for HTML.
      for (const headers of [{ accept: '*/*', 'sec-fetch-mode': 'navigate' }, { accept: 'text/html,application/xhtml+xml' }]) {
        const response = await navigate(`${sp.origin}/private?tab=2`, headers);
        expect(response.statusCode).to.equal(302);
        expect(response.headers.location).to.equal(login);
      }
    });

    it('requireLogin() answers an API call 401 JSON instead of a redirect', async () => {
      for (const headers of [{ 'sec-fetch-mode': 'cors' }, { accept: 'application/json' }]) {
        const response = await sp.request(`${sp.origin}/api/me`, { headers });
        expect(response.status).to.equal(401);
        expect(await response.json()).to.deep.equal({ error: 'LOGIN_REQUIRED', login: sp.mellon.urls.login });
      }
    });

    it('after the SAML login: isAuthenticated() is true, requireLogin() lets the user through, koa-session keeps its data', async () => {
      expect(await (await sp.request(`${sp.origin}/status`)).json()).to.deep.equal({ authenticated: false, visits: 1 });
      expect((await sp.login()).status).to.equal(303);
      expect(await (await sp.request(`${sp.origin}/status`)).json()).to.deep.equal({ authenticated: true, visits: 2 });
      const me = await sp.request(`${sp.origin}/private`, { headers: { accept: 'text/html' } });
      expect(me.status).to.equal(200);
      expect(await me.json()).to.deep.equal({ user: 'alice-1234@saml' });
      expect([...sp.cookies.keys()]).to.include.members(['app.sess', 'mellon.sid']);
    });

    it('ctx.logout() ends the koa-mellon session here, and only it', async () => {
      await sp.login();
      expect(await (await sp.request(`${sp.origin}/status`)).json()).to.deep.equal({ authenticated: true, visits: 1 });
      const sessionCookie = sp.cookies.get('mellon.sid')!;
      expect(await (await sp.request(`${sp.origin}/bye`)).json()).to.deep.equal({ authenticated: false });
      expect((await sp.request(`${sp.origin}/api/me`, { headers: { accept: 'application/json' } })).status).to.equal(401);
      // The app's own session survives a koa-mellon logout.
      expect(await (await sp.request(`${sp.origin}/status`)).json()).to.deep.equal({ authenticated: false, visits: 2 });
      // The server forgot the session: the old cookie replayed does not log back in.
      sp.cookies.set('mellon.sid', sessionCookie);
      expect((await sp.request(`${sp.origin}/api/me`, { headers: { accept: 'application/json' } })).status).to.equal(401);
    });
  });
}

describe('requireLogin() without mellon.middleware()', () => {
  it('fails with a ConfigError naming the fix instead of redirecting every request to the login', async () => {
    const mellon = createMellon({
      baseUrl: 'https://sp.example.test',
      identityProviders: [{ metadata: idpMetadata() }],
      privateKey: testKeyPair('sp').keyPem,
      publicKeys: [testKeyPair('sp').certPem],
    });
    const app = new Koa();
    const errors: Error[] = [];
    app.silent = true;
    app.on('error', (err: Error) => errors.push(err));
    app.use(mellon.requireLogin());
    const sp = await TestSp.serve(app, mellon);
    try {
      expect((await sp.request(`${sp.origin}/private`)).status).to.equal(500);
      expect(errors.map((e) => e.message)).to.deep.equal(['requireLogin: mount mellon.middleware() before mellon.requireLogin()']);
    } finally {
      await sp.stop();
    }
  });
});
