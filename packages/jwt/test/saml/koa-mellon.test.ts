import { createHash, randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { COOKIE, CSRF_HEADER } from '../../src/index.js';
import { requireXmlsec } from '../../../../test/helpers/xmlsec.js';
import { APP, JwtWorld } from '../helpers/world.js';

const SAME_ORIGIN = { 'sec-fetch-site': 'same-origin' };

describe('the bridge behind koa-mellon (real SP, real IdP)', () => {
  let world: JwtWorld;
  before(requireXmlsec);
  beforeEach(async () => {
    world = await JwtWorld.start();
  });
  afterEach(() => world.stop());

  it('SP-initiated SAML login: hooks.login takes over, tokens in cookies, no server session; the API sees the user and the configured claim', async () => {
    const done = await world.login('/home');
    expect(done.url).to.equal(`${APP}/home`);
    const jar = world.cookies();
    expect([...jar.keys()]).to.include.members([COOKIE.access, COOKIE.refresh, COOKIE.csrf]);
    expect(jar.has('mellon.sid')).to.equal(false);
    const me = (await (await world.api('/api/me')).json()) as { user: { id: string; email: string; client_id: string } };
    expect(me.user).to.include({ email: 'alice@example.test', client_id: 'cookie' });
  });

  it("the IdP's LogoutRequest (front channel) revokes the family: access token denied, refresh refused", async () => {
    await world.login('/home');
    const jar = new Map(world.cookies());
    const token = jar.get(COOKIE.access) ?? '';
    expect((await world.api('/api/me', { bearer: token })).status).to.equal(200);
    const out = await world.browser.go(world.upstream.idp.logoutUrl('/bye'));
    expect(out.url).to.equal('https://idp.example.test/bye');
    expect(await (await world.api('/api/me', { bearer: token })).json()).to.have.property('code', 'TOKEN_REVOKED');
    for (const [k, v] of jar) world.cookies().set(k, v);
    const refresh = await world.api('/jwt/refresh', { method: 'POST', headers: { ...SAME_ORIGIN, [CSRF_HEADER]: jar.get(COOKIE.csrf) ?? '' } });
    expect(await refresh.json()).to.have.property('code', 'TOKEN_REVOKED');
  });

  it("a JWT user's logout with no server session: family revoked, cookies cleared, then a LogoutRequest from the saved SAML data ends the IdP session", async () => {
    await world.login('/home');
    const token = world.cookies().get(COOKIE.access) ?? '';
    const out = await world.api('/jwt/logout', { method: 'POST', headers: { ...SAME_ORIGIN, [CSRF_HEADER]: world.cookies().get(COOKIE.csrf) ?? '' } });
    const { logout_url: logoutUrl } = (await out.json()) as { logout_url: string };
    expect(logoutUrl).to.match(/^https:\/\/app\.example\.test\/jwt\/logout\/saml\?t=[0-9a-f]{32}$/);
    expect(await (await world.api('/api/me', { bearer: token })).json()).to.have.property('code', 'TOKEN_REVOKED');
    const done = await world.browser.go(logoutUrl);
    expect(done.history.some((step) => step.url.startsWith('https://idp.example.test/idp/slo/?SAMLRequest='))).to.equal(true);
    expect(done.url).to.equal(`${APP}/`);
    // The IdP session is gone: the next login shows the IdP's login page again.
    const again = await world.browser.go(`${world.mellon.urls.login}?next=/x`);
    expect(again.url.startsWith('https://idp.example.test/login')).to.equal(true);
    // The ticket worked once.
    expect(await (await world.api(new URL(logoutUrl).pathname + new URL(logoutUrl).search)).json()).to.have.property('code', 'CODE_INVALID');
  });

  it('code handoff through the real SAML login: authorize/ -> IdP -> ACS -> code at the redirect URI -> tokens; no cookies, no server session', async () => {
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const query = new URLSearchParams({ response_type: 'code', client_id: 'spa', redirect_uri: 'https://spa.example.test/callback', code_challenge: challenge, code_challenge_method: 'S256', state: 's1' });
    const atLogin = await world.browser.go(`${world.bridge.urls.authorize}?${query}`);
    const loginNext = new URL(atLogin.url).searchParams.get('next') ?? '';
    const back = await world.browser.go(world.upstream.url(`/login/as?user=alice&next=${encodeURIComponent(loginNext)}`));
    const callback = new URL(back.url);
    expect(`${callback.origin}${callback.pathname}`).to.equal('https://spa.example.test/callback');
    expect(callback.searchParams.get('state')).to.equal('s1');
    expect(world.cookies().has(COOKIE.access)).to.equal(false);
    expect(world.cookies().has('mellon.sid')).to.equal(false);
    const response = await world.browser.request(world.bridge.urls.token, { form: { grant_type: 'authorization_code', client_id: 'spa', redirect_uri: 'https://spa.example.test/callback', code: callback.searchParams.get('code') ?? '', code_verifier: verifier } });
    const tokens = (await response.json()) as { access_token: string };
    const me = (await (await world.api('/api/me', { bearer: tokens.access_token })).json()) as { user: { email: string; client_id: string } };
    expect(me.user).to.include({ email: 'alice@example.test', client_id: 'spa' });
  });
});
