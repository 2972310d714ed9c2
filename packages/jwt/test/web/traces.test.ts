import { createHash, randomBytes } from 'node:crypto';
import { expect, use } from 'chai';
import chaiAsPromised from 'chai-as-promised';
import { createMemoryStore, type StateStore, type TraceRecord } from '@koa-mellon/web';
import { COOKIE, CSRF_HEADER, ConfigError, createJwtBridge, type JwtBridgeSettings } from '../../src/index.js';
import { createSamlHooks } from '../../src/saml/hooks.js';
import { BridgeApp, KEYS, SECRET, baseSettings, cookiesOf } from '../helpers/bridge.js';

const CLIENT = 'spa';
const REDIRECT = 'https://spa.example.test/callback';
const INIT = 'https://idp.example.test/idp/sso/init/';
const STATS = 'https://stats.example.test/metadata/';
const SAME_ORIGIN = { 'sec-fetch-site': 'same-origin' };
use(chaiAsPromised);

const REFERENCE = /^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/;

interface Line {
  readonly level: string;
  readonly fields: Record<string, unknown>;
  readonly msg: string | undefined;
}

describe('JWT bridge traces: a reference per flow in refusals and log lines, never a token, a code, a cookie or a key', () => {
  let store: StateStore;
  let app: BridgeApp;
  let lines: Line[];
  /** Every token, code, cookie value and key this test saw: none may reach a trace or a log line. */
  let secrets: Set<string>;

  async function start(overrides: Partial<JwtBridgeSettings> = {}): Promise<void> {
    store = createMemoryStore();
    lines = [];
    const keep = (level: string) => (fields: object, msg?: string) => void lines.push({ level, fields: fields as Record<string, unknown>, msg });
    app = await BridgeApp.start(
      baseSettings(store, {
        logger: { debug: keep('debug'), info: keep('info'), warn: keep('warn'), error: keep('error') },
        idpInitiateUrl: INIT,
        startSamlLogout: async (ctx) => {
          ctx.redirect('https://idp.example.test/idp/slo/?SAMLRequest=stand-in');
        },
        ...overrides,
      }),
    );
    // The signing key's base64 body (its first line) and the CSRF secret.
    secrets = new Set([KEYS.ed.privateKey.split('\n')[1] as string, SECRET]);
  }
  afterEach(async () => {
    await app.stop();
    await store.close();
  });

  /** The stored traces of every reference a log line named. */
  async function storedTraces(): Promise<TraceRecord[]> {
    const references = new Set(lines.map((l) => l.fields['trace']).filter((r): r is string => typeof r === 'string'));
    const records = await Promise.all([...references].map((r) => app.rt.traces?.read(r)));
    return records.filter((r): r is TraceRecord => r !== undefined);
  }

  async function read(reference: string): Promise<TraceRecord> {
    const record = await app.rt.traces?.read(reference);
    if (!record) throw new Error(`no trace ${reference}`);
    return record;
  }

  /** Asserted after every test: each field of each stored trace, and each log line, holds none of `secrets`. */
  async function expectNothingSecret(): Promise<void> {
    const stored = await storedTraces();
    expect(stored.length).to.be.greaterThan(0);
    const texts = [...stored.map((record) => JSON.stringify(record)), ...lines.map((line) => JSON.stringify(line))];
    for (const secret of secrets) {
      expect(secret.length).to.be.greaterThan(8);
      for (const text of texts) expect(text).to.not.include(secret);
    }
  }

  function keepCookies(response: Response): Map<string, string> {
    const jar = cookiesOf(response);
    for (const value of jar.values()) if (value !== '') secrets.add(decodeURIComponent(value));
    return jar;
  }

  describe('cookie mode', () => {
    beforeEach(() => start());

    it('the SAML login that ends in cookies: one trace naming the SP\'s, every line tagged', async () => {
      const jar = keepCookies(await app.fetch('/test/login?next=/home&spTrace=K7Q2-9XMA'));
      expect(jar.get(COOKIE.access)).to.be.a('string');
      const [trace] = await storedTraces();
      expect(trace).to.include({ role: 'jwt', flow: 'login', peer: 'cookie', outcome: 'ok' });
      expect(trace?.steps.map((s) => s.step)).to.deep.equal(['SAML login verified by the SP (its trace K7Q2-9XMA)', 'issue the tokens in cookies (a new refresh family)']);
      expect(lines.find((l) => l.msg === 'koa-mellon jwt: tokens issued after SAML login')?.fields['trace']).to.equal(trace?.reference);
      await expectNothingSecret();
    });

    it('a reused refresh cookie: REFRESH_TOKEN_REUSED with a reference, refused in the rotation step, listed for the cookie client', async () => {
      const jar = keepCookies(await app.fetch('/test/login?next=/home'));
      const headers = { ...SAME_ORIGIN, [CSRF_HEADER]: jar.get(COOKIE.csrf) ?? '' };
      keepCookies(await app.fetch('/jwt/refresh', { method: 'POST', headers, cookies: jar }));
      const replay = await app.fetch('/jwt/refresh', { method: 'POST', headers, cookies: jar });
      const body = (await replay.json()) as { code: string; reference: string };
      expect(body.code).to.equal('REFRESH_TOKEN_REUSED');
      expect(body.reference).to.match(REFERENCE);
      const trace = await read(body.reference);
      expect(trace).to.include({ role: 'jwt', flow: 'refresh', peer: 'cookie', outcome: 'refused', code: 'REFRESH_TOKEN_REUSED' });
      expect(trace.steps.at(-1)?.step).to.match(/^rotate the refresh token/);
      // The families' own line (the family revoked) carries the flow's reference too.
      expect(lines.filter((l) => l.msg === 'koa-mellon jwt: a used refresh token was presented again; family revoked').map((l) => l.fields['trace'])).to.deep.equal([body.reference]);
      expect((await app.rt.traces?.recentFailures('cookie'))?.map((f) => f.reference)).to.deep.equal([body.reference]);
      await expectNothingSecret();
    });

    it('a refresh without the CSRF header: refused in the CSRF step', async () => {
      const jar = keepCookies(await app.fetch('/test/login?next=/home'));
      const body = (await (await app.fetch('/jwt/refresh', { method: 'POST', headers: SAME_ORIGIN, cookies: jar })).json()) as { code: string; reference: string };
      expect(body.code).to.equal('CSRF_HEADER_MISSING');
      expect((await read(body.reference)).steps.at(-1)).to.include({ step: 'check the CSRF header against the family', outcome: 'refused' });
      await expectNothingSecret();
    });

    it('logout, then the SAML logout through its ticket: one logout trace', async () => {
      const jar = keepCookies(await app.fetch('/test/login?next=/home'));
      const answer = await app.fetch('/jwt/logout', { method: 'POST', headers: { ...SAME_ORIGIN, [CSRF_HEADER]: jar.get(COOKIE.csrf) ?? '' }, cookies: jar });
      const url = new URL(((await answer.json()) as { logout_url: string }).logout_url);
      secrets.add(url.searchParams.get('t') ?? '');
      expect((await app.fetch(`${url.pathname}${url.search}`)).status).to.equal(302);
      const logouts = (await storedTraces()).filter((t) => t.flow === 'logout');
      expect(logouts).to.have.length(1);
      expect(logouts[0]).to.include({ peer: 'cookie', outcome: 'ok' });
      expect(logouts[0]?.steps.map((s) => s.step)).to.deep.equal([
        'authenticate the caller: a bearer access token, or the refresh cookie behind the CSRF check',
        'revoke the family: refresh tokens dead, live access tokens denied everywhere',
        'a one-time ticket for the SAML logout at the IdP',
        'take the logout ticket (once)',
        'start the SAML logout at the SP (its LogoutRequest to the IdP)',
      ]);
      await expectNothingSecret();
    });

    it("the IdP's LogoutRequest (federatedLogout hook): a logout trace naming the IdP", async () => {
      keepCookies(await app.fetch('/test/login?next=/home'));
      await createSamlHooks(app.rt).federatedLogout({ issuer: 'https://idp.example.test/idp/metadata/', nameId: 'pairwise-alice', sessionIndexes: [] });
      const [logout] = (await storedTraces()).filter((t) => t.flow === 'logout');
      expect(logout).to.include({ peer: 'https://idp.example.test/idp/metadata/', outcome: 'ok' });
      expect(lines.find((l) => l.msg === 'koa-mellon jwt: refresh family revoked')?.fields['trace']).to.equal(logout?.reference);
      await expectNothingSecret();
    });
  });

  describe('code handoff', () => {
    beforeEach(() => start());

    it('authorize, SAML login, code exchange, refresh: the login in one trace, the refresh in its own; no code or token stored', async () => {
      const verifier = randomBytes(32).toString('base64url');
      const challenge = createHash('sha256').update(verifier).digest('base64url');
      const query = new URLSearchParams({ response_type: 'code', client_id: CLIENT, redirect_uri: REDIRECT, code_challenge: challenge, code_challenge_method: 'S256', state: 'st-1' });
      const login = new URL((await app.fetch(`/jwt/authorize?${query}`)).headers.get('location') ?? '');
      const back = new URL((await app.fetch(`/test/login?next=${encodeURIComponent(login.searchParams.get('next') ?? '')}`)).headers.get('location') ?? '');
      const code = back.searchParams.get('code') ?? '';
      const form = { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://spa.example.test' };
      const tokens = (await (await app.fetch('/jwt/token', { method: 'POST', headers: form, body: new URLSearchParams({ grant_type: 'authorization_code', client_id: CLIENT, redirect_uri: REDIRECT, code, code_verifier: verifier }) })).json()) as { access_token: string; refresh_token: string };
      const rotated = (await (await app.fetch('/jwt/token', { method: 'POST', headers: form, body: new URLSearchParams({ grant_type: 'refresh_token', client_id: CLIENT, refresh_token: tokens.refresh_token }) })).json()) as { access_token: string; refresh_token: string };
      for (const secret of [code, verifier, challenge, tokens.access_token, tokens.refresh_token, rotated.access_token, rotated.refresh_token, login.searchParams.get('next') ?? '']) secrets.add(secret);
      const traces = await storedTraces();
      expect(traces.map((t) => [t.flow, t.peer, t.outcome])).to.have.deep.members([
        ['login', CLIENT, 'ok'],
        ['refresh', CLIENT, 'ok'],
      ]);
      expect(traces.find((t) => t.flow === 'login')?.steps.map((s) => s.step)).to.deep.equal([
        'check the client and its exact redirect URI',
        'check response_type=code and the S256 code challenge',
        'hold the authorization request, send the browser to the SAML login',
        'SAML login verified by the SP',
        'take the authorization request, send a one-time code to its redirect URI',
        'identify the client',
        'redeem the one-time code (once, same client and redirect URI, PKCE verifier)',
        'issue the access token and the first refresh token',
      ]);
      await expectNothingSecret();
    });

    it('a redirect URI not registered: refused at authorize/ with a reference, the trace names the client', async () => {
      const query = new URLSearchParams({ response_type: 'code', client_id: CLIENT, redirect_uri: 'https://evil.example/cb', code_challenge: 'x'.repeat(43), code_challenge_method: 'S256' });
      const body = (await (await app.fetch(`/jwt/authorize?${query}`)).json()) as { code: string; reference: string };
      expect(body.code).to.equal('REDIRECT_URI_NOT_ALLOWED');
      expect(await read(body.reference)).to.include({ flow: 'login', peer: CLIENT, code: 'REDIRECT_URI_NOT_ALLOWED' });
    });
  });

  describe('launch links', () => {
    beforeEach(() => start());

    it('made and redeemed: one launch trace; a second redemption is refused in a trace of its own', async () => {
      const jar = keepCookies(await app.fetch('/test/login?next=/home'));
      const answer = await app.fetch('/jwt/launch', { method: 'POST', headers: { authorization: `Bearer ${jar.get(COOKIE.access)}`, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ sp: STATS, next: '/dashboard' }) });
      const url = new URL(((await answer.json()) as { launch_url: string }).launch_url);
      secrets.add(url.searchParams.get('launch') ?? '');
      expect((await app.fetch(`/idp/sso/init/${url.search}`)).status).to.equal(200);
      expect((await app.fetch(`/idp/sso/init/${url.search}`)).status).to.equal(400);
      const launches = (await storedTraces()).filter((t) => t.flow === 'launch');
      expect(launches.map((t) => [t.outcome, t.code, t.peer])).to.have.deep.members([
        ['ok', undefined, 'cookie'],
        ['refused', 'LAUNCH_LINK_INVALID', undefined],
      ]);
      expect(launches.find((t) => t.outcome === 'ok')?.steps.map((s) => s.step)).to.deep.equal([
        'authenticate the caller (bearer token, or cookies behind the CSRF check)',
        'read the SP and next',
        'launch link made (single use, for this SP and next)',
        'redeem the launch link at the IdP (once, unexpired, same SP and next, token not revoked, same user)',
      ]);
      await expectNothingSecret();
    });
  });

  describe('settings', () => {
    it('traces: false stores nothing; refusals still carry a reference for the log lines', async () => {
      await start({ traces: false });
      expect(app.rt.traces).to.equal(undefined);
      const body = (await (await app.fetch('/jwt/refresh', { method: 'POST', headers: SAME_ORIGIN })).json()) as { code: string; reference: string };
      expect(body.reference).to.match(REFERENCE);
      expect(lines.find((l) => l.msg === 'koa-mellon jwt: refused')?.fields['trace']).to.equal(body.reference);
      expect(await store.namespace('jwt-traces').get(`t:${body.reference}`)).to.equal(undefined);
    });

    it('traces and traceTtl are checked', async () => {
      await start();
      await expect(createJwtBridge(baseSettings(store, { traces: 'yes' as unknown as boolean }))).to.be.rejectedWith(ConfigError).and.eventually.have.property('path', 'traces');
      await expect(createJwtBridge(baseSettings(store, { traceTtl: 0 }))).to.be.rejectedWith(ConfigError).and.eventually.have.property('path', 'traceTtl');
    });
  });
});
