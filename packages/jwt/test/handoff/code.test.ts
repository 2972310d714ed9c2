import { createHash, randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { BridgeApp, baseSettings, memoryStore } from '../helpers/bridge.js';

const CLIENT = 'spa';
const REDIRECT = 'https://spa.example.test/callback';

function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

describe('code handoff (a front end on another origin, PKCE S256)', () => {
  let app: BridgeApp;
  beforeEach(async () => {
    app = await BridgeApp.start(baseSettings(memoryStore()));
  });
  afterEach(() => app.stop());

  const authorizeQuery = (overrides: Record<string, string | undefined> = {}, challenge = pkce().challenge) => {
    const params = { response_type: 'code', client_id: CLIENT, redirect_uri: REDIRECT, code_challenge: challenge, code_challenge_method: 'S256', state: 'st-1', ...overrides };
    return new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined)).toString();
  };
  /** authorize/ → the SAML login (emulated) → the redirect back with the code. */
  async function signIn(challenge: string): Promise<URL> {
    const start = await app.fetch(`/jwt/authorize?${authorizeQuery({}, challenge)}`);
    expect(start.status).to.equal(302);
    const login = new URL(start.headers.get('location') ?? '');
    expect(`${login.origin}${login.pathname}`).to.equal('https://app.example.test/sp/login/');
    const next = login.searchParams.get('next') ?? '';
    expect(next).to.match(/^\/jwt\/authorize\/resume\?r=[0-9a-f]{32}$/);
    const done = await app.fetch(`/test/login?next=${encodeURIComponent(next)}`);
    expect(done.status).to.equal(303);
    return new URL(done.headers.get('location') ?? '');
  }
  const exchange = (fields: Record<string, string>, origin = 'https://spa.example.test') =>
    app.fetch('/jwt/token', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', origin }, body: new URLSearchParams(fields) });
  const codeGrant = (code: string, verifier: string, overrides: Record<string, string> = {}) => ({ grant_type: 'authorization_code', client_id: CLIENT, redirect_uri: REDIRECT, code, code_verifier: verifier, ...overrides });

  it('the full exchange: code (with state and iss) at the exact redirect URI, tokens only in the no-store JSON body, CORS for the client origin; the access token works', async () => {
    const { verifier, challenge } = pkce();
    const back = await signIn(challenge);
    expect(`${back.origin}${back.pathname}`).to.equal(REDIRECT);
    expect(back.searchParams.get('state')).to.equal('st-1');
    expect(back.searchParams.get('iss')).to.equal('https://app.example.test');
    expect([...back.searchParams.keys()].sort()).to.deep.equal(['code', 'iss', 'state']);
    const response = await exchange(codeGrant(back.searchParams.get('code') ?? '', verifier));
    expect(response.status).to.equal(200);
    expect(response.headers.get('cache-control')).to.equal('no-store');
    expect(response.headers.get('access-control-allow-origin')).to.equal('https://spa.example.test');
    expect(response.headers.get('set-cookie')).to.equal(null);
    const body = (await response.json()) as { access_token: string; token_type: string; expires_in: number; refresh_token: string };
    expect(body).to.include({ token_type: 'Bearer', expires_in: 300 });
    const me = await app.fetch('/api/me', { headers: { authorization: `Bearer ${body.access_token}` } });
    expect(((await me.json()) as { user: { id: string; client_id: string } }).user).to.include({ id: 'alice', client_id: CLIENT });
  });

  it('refresh_token grant: rotated; a replay revokes the family (REFRESH_TOKEN_REUSED, invalid_grant)', async () => {
    const { verifier, challenge } = pkce();
    const code = (await signIn(challenge)).searchParams.get('code') ?? '';
    const first = (await (await exchange(codeGrant(code, verifier))).json()) as { refresh_token: string; access_token: string };
    const second = await exchange({ grant_type: 'refresh_token', client_id: CLIENT, refresh_token: first.refresh_token });
    expect(second.status).to.equal(200);
    const replay = await exchange({ grant_type: 'refresh_token', client_id: CLIENT, refresh_token: first.refresh_token });
    expect(replay.status).to.equal(400);
    expect(await replay.json()).to.deep.include({ error: 'invalid_grant', code: 'REFRESH_TOKEN_REUSED' }).and.have.property('reference').that.matches(/^[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    expect(await (await app.fetch('/api/me', { headers: { authorization: `Bearer ${first.access_token}` } })).json()).to.have.property('code', 'TOKEN_REVOKED');
  });

  it('a replayed code is refused (CODE_INVALID) and revokes the tokens the first use produced (RFC 6749 §4.1.2)', async () => {
    const { verifier, challenge } = pkce();
    const code = (await signIn(challenge)).searchParams.get('code') ?? '';
    const first = (await (await exchange(codeGrant(code, verifier))).json()) as { access_token: string };
    const replay = await exchange(codeGrant(code, verifier));
    expect(await replay.json()).to.deep.include({ error: 'invalid_grant', code: 'CODE_INVALID' }).and.have.property('reference').that.matches(/^[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    expect(await (await app.fetch('/api/me', { headers: { authorization: `Bearer ${first.access_token}` } })).json()).to.have.property('code', 'TOKEN_REVOKED');
  });

  it('a wrong PKCE verifier is refused (PKCE_INVALID), and the code is spent', async () => {
    const { verifier, challenge } = pkce();
    const code = (await signIn(challenge)).searchParams.get('code') ?? '';
    expect(await (await exchange(codeGrant(code, pkce().verifier))).json()).to.have.property('code', 'PKCE_INVALID');
    expect(await (await exchange(codeGrant(code, verifier))).json()).to.have.property('code', 'CODE_INVALID');
  });

  it('authorize/ insists on S256: plain or no challenge is PKCE_INVALID (no downgrade), before any redirect', async () => {
    for (const overrides of [{ code_challenge_method: 'plain' }, { code_challenge: undefined, code_challenge_method: undefined }]) {
      const response = await app.fetch(`/jwt/authorize?${authorizeQuery(overrides)}`);
      expect(response.status).to.equal(400);
      expect(response.headers.get('location')).to.equal(null);
      expect(await response.json()).to.have.property('code', 'PKCE_INVALID');
    }
  });

  it('a redirect URI that is not exactly registered is refused without redirecting there (REDIRECT_URI_NOT_ALLOWED)', async () => {
    for (const uri of ['https://evil.example.test/callback', `${REDIRECT}/more`, `${REDIRECT}?x=1`, 'https://spa.example.test/callback/', 'http://spa.example.test/callback']) {
      const response = await app.fetch(`/jwt/authorize?${authorizeQuery({ redirect_uri: uri })}`);
      expect(response.status, uri).to.equal(400);
      expect(response.headers.get('location')).to.equal(null);
      expect(await response.json()).to.have.property('code', 'REDIRECT_URI_NOT_ALLOWED');
    }
  });

  it('the token route refuses a redirect_uri or client_id other than the authorization request’s (CODE_INVALID / CLIENT_UNKNOWN)', async () => {
    const { verifier, challenge } = pkce();
    const code = (await signIn(challenge)).searchParams.get('code') ?? '';
    expect(await (await exchange(codeGrant(code, verifier, { client_id: 'nobody' }))).json()).to.deep.include({ error: 'invalid_client', code: 'CLIENT_UNKNOWN' }).and.have.property('reference').that.matches(/^[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    expect(await (await exchange(codeGrant(code, verifier, { redirect_uri: 'https://spa.example.test/other' }))).json()).to.have.property('code', 'CODE_INVALID');
  });

  it('an unknown client at authorize/ is refused (CLIENT_UNKNOWN); no CORS header for an origin that is not a client’s', async () => {
    expect(await (await app.fetch(`/jwt/authorize?${authorizeQuery({ client_id: 'nobody' })}`)).json()).to.have.property('code', 'CLIENT_UNKNOWN');
    const response = await exchange({ grant_type: 'refresh_token', client_id: CLIENT, refresh_token: 'x' }, 'https://evil.example.test');
    expect(response.headers.get('access-control-allow-origin')).to.equal(null);
  });

  it('a SAML login coming back for an authorization request that expired or was used gets no code (CODE_INVALID)', async () => {
    const done = await app.fetch(`/test/login?next=${encodeURIComponent(`/jwt/authorize/resume?r=${'0'.repeat(32)}`)}`);
    expect(done.status).to.equal(400);
    expect(done.headers.get('location')).to.equal(null);
    expect(await done.json()).to.have.property('code', 'CODE_INVALID');
  });
});
