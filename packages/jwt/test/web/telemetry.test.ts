// Issue #14: the bridge's flows in OpenTelemetry (FlowTrace, as the SP and the IdP): a login is
// counted once when its tokens are issued (cookies, or the code exchange), a logout when the family
// is revoked; a refresh is a span, never a login.
import { createHash, randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { createMemoryStore, TELEMETRY_METRICS, type StateStore } from '@koa-mellon/web';
import { installInMemoryTelemetry, type InMemoryTelemetry } from '../../../../test/helpers/telemetry.js';
import { COOKIE, CSRF_HEADER } from '../../src/index.js';
import { BridgeApp, baseSettings, cookiesOf } from '../helpers/bridge.js';

const SAME_ORIGIN = { 'sec-fetch-site': 'same-origin' };
const SILENT = { debug() {}, info() {}, warn() {}, error() {} };

describe('JWT bridge telemetry: logins and logouts counted once, refreshes as spans', () => {
  let telemetry: InMemoryTelemetry;
  let store: StateStore;
  let app: BridgeApp;
  beforeEach(async () => {
    telemetry = installInMemoryTelemetry();
    store = createMemoryStore();
    app = await BridgeApp.start(baseSettings(store, { logger: SILENT, startSamlLogout: async (ctx) => ctx.redirect('https://idp.example.test/idp/slo/') }));
  });
  afterEach(async () => {
    await app.stop();
    await store.close();
    await telemetry.close();
  });

  const jwtPoints = async (metric: string) => (await telemetry.points(metric)).filter((p) => p.attributes['koa_mellon.role'] === 'jwt');
  const OK = [{ attributes: { 'koa_mellon.role': 'jwt', 'koa_mellon.outcome': 'ok' }, value: 1 }];

  it('cookie mode: the login, two refreshes and the logout', async () => {
    const jar = cookiesOf(await app.fetch('/test/login?next=/home'));
    const headers = { ...SAME_ORIGIN, [CSRF_HEADER]: jar.get(COOKIE.csrf) ?? '' };
    for (let i = 0; i < 2; i++) {
      const rotated = await app.fetch('/jwt/refresh', { method: 'POST', headers, cookies: jar });
      expect(rotated.status).to.equal(200);
      for (const [name, value] of cookiesOf(rotated)) jar.set(name, value);
    }
    expect((await app.fetch('/jwt/logout', { method: 'POST', headers: { ...SAME_ORIGIN, [CSRF_HEADER]: jar.get(COOKIE.csrf) ?? '' }, cookies: jar })).status).to.equal(200);
    expect(await jwtPoints(TELEMETRY_METRICS.logins)).to.deep.equal(OK);
    expect(await jwtPoints(TELEMETRY_METRICS.logouts)).to.deep.equal(OK);
    const names = telemetry.spans().map((s) => s.name);
    expect(names.filter((n) => n === 'koa-mellon jwt refresh')).to.have.length(2);
    expect(names).to.include('koa-mellon jwt login').and.include('koa-mellon jwt logout');
  });

  it('code handoff: authorize, SAML login and code exchange are one login, counted at the exchange', async () => {
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const query = new URLSearchParams({ response_type: 'code', client_id: 'spa', redirect_uri: 'https://spa.example.test/callback', code_challenge: challenge, code_challenge_method: 'S256' });
    const login = new URL((await app.fetch(`/jwt/authorize?${query}`)).headers.get('location') ?? '');
    const back = new URL((await app.fetch(`/test/login?next=${encodeURIComponent(login.searchParams.get('next') ?? '')}`)).headers.get('location') ?? '');
    expect(await jwtPoints(TELEMETRY_METRICS.logins)).to.deep.equal([]);
    const form = { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://spa.example.test' };
    const exchange = await app.fetch('/jwt/token', { method: 'POST', headers: form, body: new URLSearchParams({ grant_type: 'authorization_code', client_id: 'spa', redirect_uri: 'https://spa.example.test/callback', code: back.searchParams.get('code') ?? '', code_verifier: verifier }) });
    expect(exchange.status).to.equal(200);
    expect(await jwtPoints(TELEMETRY_METRICS.logins)).to.deep.equal(OK);
    // The same code again: a refused login, with its code.
    const again = await app.fetch('/jwt/token', { method: 'POST', headers: form, body: new URLSearchParams({ grant_type: 'authorization_code', client_id: 'spa', redirect_uri: 'https://spa.example.test/callback', code: back.searchParams.get('code') ?? '', code_verifier: verifier }) });
    expect(again.status).to.equal(400);
    expect(await jwtPoints(TELEMETRY_METRICS.logins)).to.deep.equal([...OK, { attributes: { 'koa_mellon.role': 'jwt', 'koa_mellon.outcome': 'refused', 'error.type': 'CODE_INVALID' }, value: 1 }]);
  });
});
