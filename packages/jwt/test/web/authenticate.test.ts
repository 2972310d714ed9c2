import { expect } from 'chai';
import { SignJWT } from 'jose';
import { mintAccessToken } from '../../src/tokens/mint.js';
import { AUDIENCE, BridgeApp, ISSUER, baseSettings, memoryStore } from '../helpers/bridge.js';

describe('the authenticate() middleware', () => {
  let app: BridgeApp;
  let now: number;
  beforeEach(async () => {
    now = Date.parse('2026-06-01T12:00:00Z');
    app = await BridgeApp.start(baseSettings(memoryStore(), { clock: () => now }));
  });
  afterEach(() => app.stop());

  const mint = async () => (await mintAccessToken(app.rt.keys, { issuer: ISSUER, audience: AUDIENCE, lifetimeMs: 300_000 }, { subject: 'u-1', clientId: 'spa', sessionId: 'fam', now, notAfter: Infinity, claims: { email: 'a@example.test' } })).token;
  const call = (token?: string) => app.fetch('/api/me', token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } });

  it('a valid bearer token: 200 and ctx.state.user = { id: sub, ...claims }', async () => {
    const response = await call(await mint());
    expect(response.status).to.equal(200);
    const body = (await response.json()) as { user: Record<string, unknown> };
    expect(body.user).to.include({ id: 'u-1', sub: 'u-1', email: 'a@example.test', client_id: 'spa' });
  });

  it('no token: 401 with WWW-Authenticate: Bearer realm and no error attribute (RFC 6750 §3.1), code TOKEN_MISSING', async () => {
    const response = await call();
    expect(response.status).to.equal(401);
    expect(response.headers.get('www-authenticate')).to.equal('Bearer realm="api"');
    expect(await response.json()).to.deep.equal({ error: 'invalid_token', code: 'TOKEN_MISSING' });
  });

  it('an expired token: 401 with error="invalid_token" naming TOKEN_EXPIRED', async () => {
    const token = await mint();
    now += 400_000;
    const response = await call(token);
    expect(response.status).to.equal(401);
    expect(response.headers.get('www-authenticate')).to.equal('Bearer realm="api", error="invalid_token", error_description="TOKEN_EXPIRED"');
    expect(await response.json()).to.have.property('code', 'TOKEN_EXPIRED');
  });

  it('a token with the wrong typ: 401 TOKEN_TYPE_MISMATCH', async () => {
    const token = await new SignJWT({ sub: 'u-1', jti: 'j', client_id: 'spa', sid: 'f' }).setProtectedHeader({ alg: 'EdDSA', kid: 'ed-1', typ: 'JWT' }).setIssuer(ISSUER).setAudience(AUDIENCE).setIssuedAt(now / 1000).setExpirationTime(now / 1000 + 60).sign(app.rt.keys.signing.signKey);
    const response = await call(token);
    expect(response.status).to.equal(401);
    expect(await response.json()).to.have.property('code', 'TOKEN_TYPE_MISMATCH');
  });

  it('an Authorization header that is not Bearer: 401 TOKEN_MALFORMED', async () => {
    const response = await app.fetch('/api/me', { headers: { authorization: 'Basic YWxpY2U6cGFzcw==' } });
    expect(response.status).to.equal(401);
    expect(await response.json()).to.have.property('code', 'TOKEN_MALFORMED');
  });

  it('a denied jti: 401 TOKEN_REVOKED', async () => {
    const token = await mint();
    const jti = (JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as { jti: string }).jti;
    await app.rt.denyList.deny(ISSUER, jti, now + 300_000);
    const response = await call(token);
    expect(response.status).to.equal(401);
    expect(await response.json()).to.have.property('code', 'TOKEN_REVOKED');
  });
});
