import { expect } from 'chai';
import { COOKIE, CSRF_HEADER } from '../../src/index.js';
import { createCsrfToken } from '../../src/web/csrf.js';
import { BridgeApp, SECRET, baseSettings, cookiesOf, memoryStore, setCookieLine } from '../helpers/bridge.js';

/** The attributes of a Set-Cookie line, lower-cased, without the value and the expiry date. */
function attributes(line: string | undefined): string[] {
  return (line ?? '').split(';').slice(1).map((part) => part.trim().toLowerCase()).filter((part) => !part.startsWith('expires=')).sort();
}

const SAME_ORIGIN = { 'sec-fetch-site': 'same-origin' };

describe('cookie mode (the app’s own front end)', () => {
  let app: BridgeApp;
  let jar: Map<string, string>;
  beforeEach(async () => {
    app = await BridgeApp.start(baseSettings(memoryStore()));
    const login = await app.fetch('/test/login?next=/home');
    expect(login.status).to.equal(303);
    expect(login.headers.get('location')).to.equal('/home');
    jar = cookiesOf(login);
  });
  afterEach(() => app.stop());
  const csrf = () => jar.get(COOKIE.csrf) ?? '';
  const post = (path: string, headers: Record<string, string>, cookies = jar) => app.fetch(path, { method: 'POST', headers, cookies });

  it('sets exactly: __Host- access cookie (Secure, HttpOnly, SameSite=Strict, Path=/, no Domain), __Secure- refresh cookie scoped to the bridge routes, readable __Host- CSRF cookie; no token in the redirect URL', async () => {
    const login = await app.fetch('/test/login?next=/home');
    expect(attributes(setCookieLine(login, COOKIE.access))).to.deep.equal(['httponly', 'path=/', 'samesite=strict', 'secure']);
    expect(attributes(setCookieLine(login, COOKIE.refresh))).to.deep.equal(['httponly', 'path=/jwt/', 'samesite=strict', 'secure']);
    expect(attributes(setCookieLine(login, COOKIE.csrf))).to.deep.equal(['path=/', 'samesite=strict', 'secure']);
    expect(login.headers.get('location')).to.equal('/home');
  });

  it('a GET with the access cookie is authenticated without CSRF ceremony (safe method)', async () => {
    const response = await app.fetch('/api/me', { cookies: jar });
    expect(response.status).to.equal(200);
    expect(((await response.json()) as { user: { id: string } }).user.id).to.equal('alice');
  });

  it('a state-changing call with the cookie, same-origin Fetch Metadata, the header and the matching signed token: 200', async () => {
    const response = await post('/api/me', { ...SAME_ORIGIN, [CSRF_HEADER]: csrf() });
    expect(response.status).to.equal(200);
  });

  it('refuses a state-changing call without the custom header (403 CSRF_HEADER_MISSING)', async () => {
    const response = await post('/api/me', SAME_ORIGIN);
    expect(response.status).to.equal(403);
    expect(await response.json()).to.have.property('code', 'CSRF_HEADER_MISSING');
  });

  it('refuses cross-site Fetch Metadata, and Sec-Fetch-Site: none (403 CSRF_CROSS_SITE), even with a valid token', async () => {
    for (const site of ['cross-site', 'none', 'same-site']) {
      const response = await post('/api/me', { 'sec-fetch-site': site, origin: 'https://evil.example.test', [CSRF_HEADER]: csrf() });
      expect(response.status, site).to.equal(403);
      expect(await response.json()).to.have.property('code', 'CSRF_CROSS_SITE');
    }
  });

  it('without Fetch Metadata, falls back to Origin (then Referer): ours passes, another or none is refused', async () => {
    expect((await post('/api/me', { origin: 'https://app.example.test', [CSRF_HEADER]: csrf() })).status).to.equal(200);
    expect((await post('/api/me', { referer: 'https://app.example.test/page', [CSRF_HEADER]: csrf() })).status).to.equal(200);
    for (const headers of [{ origin: 'https://evil.example.test' }, {}]) {
      const response = await post('/api/me', { ...headers, [CSRF_HEADER]: csrf() });
      expect(await response.json()).to.have.property('code', 'CSRF_CROSS_SITE');
    }
  });

  it('refuses a header that differs from the cookie, and a planted cookie+header pair signed for another session (CSRF_TOKEN_INVALID)', async () => {
    const mismatch = await post('/api/me', { ...SAME_ORIGIN, [CSRF_HEADER]: `${csrf()}x` });
    expect(await mismatch.json()).to.have.property('code', 'CSRF_TOKEN_INVALID');
    // Cookie tossing: the attacker sets cookie and header to a token valid for *their* session.
    const planted = createCsrfToken(SECRET, 'the-attackers-family');
    const tossed = await post('/api/me', { ...SAME_ORIGIN, [CSRF_HEADER]: planted }, new Map([...jar, [COOKIE.csrf, planted]]));
    expect(tossed.status).to.equal(403);
    expect(await tossed.json()).to.have.property('code', 'CSRF_TOKEN_INVALID');
  });

  it('refresh/: rotates the refresh cookie, sets a new access cookie; replaying the old refresh cookie revokes the family (REFRESH_TOKEN_REUSED) and clears the cookies', async () => {
    const refreshed = await post('/jwt/refresh', { ...SAME_ORIGIN, [CSRF_HEADER]: csrf() });
    expect(refreshed.status).to.equal(200);
    expect(refreshed.headers.get('cache-control')).to.equal('no-store');
    const fresh = cookiesOf(refreshed);
    expect(fresh.get(COOKIE.refresh)).to.be.a('string').and.not.equal(jar.get(COOKIE.refresh));
    expect(fresh.get(COOKIE.access)).to.be.a('string').and.not.equal(jar.get(COOKIE.access));
    const replay = await post('/jwt/refresh', { ...SAME_ORIGIN, [CSRF_HEADER]: csrf() });
    expect(replay.status).to.equal(401);
    expect(await replay.json()).to.have.property('code', 'REFRESH_TOKEN_REUSED');
    expect(cookiesOf(replay).get(COOKIE.access)).to.equal('');
    // The family is revoked: the newest refresh token and the access token minted with it are dead too.
    const next = new Map([...jar, ...fresh]);
    expect(await (await post('/jwt/refresh', { ...SAME_ORIGIN, [CSRF_HEADER]: csrf() }, next)).json()).to.have.property('code', 'TOKEN_REVOKED');
    expect(await (await app.fetch('/api/me', { cookies: next })).json()).to.have.property('code', 'TOKEN_REVOKED');
  });

  it('refuses to set token cookies over plain http (TRANSPORT_INSECURE), instead of failing inside Koa', async () => {
    const response = await app.fetch('/jwt/refresh', { method: 'POST', cookies: jar, headers: { ...SAME_ORIGIN, [CSRF_HEADER]: csrf(), 'x-forwarded-proto': 'http' } });
    expect(response.status).to.equal(400);
    expect(await response.json()).to.have.property('code', 'TRANSPORT_INSECURE');
    // Nothing was used up: the same refresh cookie still works over https.
    expect((await post('/jwt/refresh', { ...SAME_ORIGIN, [CSRF_HEADER]: csrf() })).status).to.equal(200);
  });

  it('refresh/ is behind the CSRF check too', async () => {
    const response = await post('/jwt/refresh', { 'sec-fetch-site': 'cross-site', [CSRF_HEADER]: csrf() });
    expect(await response.json()).to.have.property('code', 'CSRF_CROSS_SITE');
    const missing = await post('/jwt/refresh', SAME_ORIGIN);
    expect(await missing.json()).to.have.property('code', 'CSRF_HEADER_MISSING');
  });

  it('logout/: revokes the family, denies the live access token, clears the cookies', async () => {
    const out = await post('/jwt/logout', { ...SAME_ORIGIN, [CSRF_HEADER]: csrf() });
    expect(out.status).to.equal(200);
    expect(await out.json()).to.deep.equal({ logout_url: null });
    expect([...cookiesOf(out).values()]).to.deep.equal(['', '', '']);
    expect(await (await app.fetch('/api/me', { cookies: jar })).json()).to.have.property('code', 'TOKEN_REVOKED');
    expect(await (await app.fetch('/api/me', { headers: { authorization: `Bearer ${jar.get(COOKIE.access)}` } })).json()).to.have.property('code', 'TOKEN_REVOKED');
  });
});
