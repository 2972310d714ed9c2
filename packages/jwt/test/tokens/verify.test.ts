import { createHmac, generateKeyPairSync } from 'node:crypto';
import { expect, use } from 'chai';
import chaiAsPromised from 'chai-as-promised';
import { SignJWT, decodeProtectedHeader } from 'jose';
import { MellonError } from '@koa-mellon/saml';
import { loadKeySet, type KeySet } from '../../src/keys/key-set.js';
import { mintAccessToken } from '../../src/tokens/mint.js';
import { verifyAccessToken, type VerifyOptions } from '../../src/tokens/verify.js';
import { AUDIENCE, ISSUER, KEYS } from '../helpers/bridge.js';

use(chaiAsPromised);

const NOW = Date.parse('2026-06-01T12:00:00Z');
const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

describe('mintAccessToken / verifyAccessToken', () => {
  let keys: KeySet;
  let denied: Set<string>;
  let options: VerifyOptions;
  const mint = (overrides: { now?: number; notAfter?: number } = {}) =>
    mintAccessToken(keys, { issuer: ISSUER, audience: AUDIENCE, lifetimeMs: 300_000 }, { subject: 'u-1', clientId: 'cookie', sessionId: 'fam-1', now: overrides.now ?? NOW, notAfter: overrides.notAfter ?? Infinity, claims: { email: 'alice@example.test', sub: 'overridden?', client_id: 'evil' } });
  /** A token signed with our real signing key but with chosen header and claims. */
  const signOwn = (header: Record<string, unknown>, claims: Record<string, unknown>) =>
    new SignJWT({ sub: 'u-1', jti: 'j-1', client_id: 'cookie', sid: 'fam-1', ...claims }).setProtectedHeader({ alg: 'EdDSA', kid: 'ed-1', typ: 'at+jwt', ...header }).setIssuedAt(NOW / 1000).setExpirationTime(NOW / 1000 + 300).setIssuer(String(claims['iss'] ?? ISSUER)).setAudience(String(claims['aud'] ?? AUDIENCE)).sign(keys.signing.signKey);
  const refusedWith = async (token: string | Promise<string>, code: string) => expect(verifyAccessToken(keys, await token, options)).to.be.rejectedWith(MellonError).and.eventually.have.property('code', code);

  before(async () => {
    keys = await loadKeySet([
      { kid: 'ed-1', alg: 'EdDSA', privateKey: KEYS.ed.privateKey, use: 'sign' },
      { kid: 'rs-1', alg: 'RS256', publicKey: KEYS.rs.publicKey, use: 'verify' },
    ]);
  });
  beforeEach(() => {
    denied = new Set();
    options = { issuer: ISSUER, audience: AUDIENCE, clockSkewSeconds: 30, now: () => NOW, isDenied: (iss, jti) => denied.has(`${iss} ${jti}`) };
  });

  it('mints an RFC 9068 token (typ at+jwt, kid, pinned alg; iss aud sub iat exp jti client_id sid) whose registered claims the app cannot override', async () => {
    const { token, jti, expiresAt } = await mint();
    expect(decodeProtectedHeader(token)).to.deep.equal({ alg: 'EdDSA', kid: 'ed-1', typ: 'at+jwt' });
    const claims = await verifyAccessToken(keys, token, options);
    expect(claims).to.include({ iss: ISSUER, aud: AUDIENCE, sub: 'u-1', jti, client_id: 'cookie', sid: 'fam-1', email: 'alice@example.test', iat: NOW / 1000, exp: NOW / 1000 + 300 });
    expect(expiresAt).to.equal(NOW + 300_000);
  });

  it('never mints past the family end (notAfter)', async () => {
    const { expiresAt } = await mint({ notAfter: NOW + 60_000 });
    expect(expiresAt).to.equal(NOW + 60_000);
  });

  it('refuses alg none (TOKEN_ALGORITHM_FORBIDDEN)', async () => {
    const payload = b64({ iss: ISSUER, aud: AUDIENCE, sub: 'u-1', jti: 'j', client_id: 'cookie', sid: 'f', iat: NOW / 1000, exp: NOW / 1000 + 300 });
    await refusedWith(`${b64({ alg: 'none', kid: 'ed-1', typ: 'at+jwt' })}.${payload}.`, 'TOKEN_ALGORITHM_FORBIDDEN');
  });

  it('refuses HS256 signed with the RSA public key as the HMAC secret (key confusion, TOKEN_ALGORITHM_FORBIDDEN)', async () => {
    const header = b64({ alg: 'HS256', kid: 'rs-1', typ: 'at+jwt' });
    const payload = b64({ iss: ISSUER, aud: AUDIENCE, sub: 'admin', jti: 'j', client_id: 'cookie', sid: 'f', iat: NOW / 1000, exp: NOW / 1000 + 300 });
    const signature = createHmac('sha256', KEYS.rs.publicKey).update(`${header}.${payload}`).digest('base64url');
    await refusedWith(`${header}.${payload}.${signature}`, 'TOKEN_ALGORITHM_FORBIDDEN');
  });

  it('refuses an algorithm the named key is not pinned to (RS256 header on the EdDSA kid)', async () => {
    const token = await mint();
    const [, payload, signature] = token.token.split('.');
    await refusedWith(`${b64({ alg: 'RS256', kid: 'ed-1', typ: 'at+jwt' })}.${payload}.${signature}`, 'TOKEN_ALGORITHM_FORBIDDEN');
  });

  it('refuses an unknown kid, and a token without kid (TOKEN_KEY_UNKNOWN)', async () => {
    const other = generateKeyPairSync('ed25519').privateKey;
    const claims = { sub: 'u-1', jti: 'j', client_id: 'cookie', sid: 'f' };
    await refusedWith(new SignJWT(claims).setProtectedHeader({ alg: 'EdDSA', kid: 'stranger', typ: 'at+jwt' }).setIssuer(ISSUER).setAudience(AUDIENCE).setIssuedAt(NOW / 1000).setExpirationTime(NOW / 1000 + 60).sign(other), 'TOKEN_KEY_UNKNOWN');
    await refusedWith(new SignJWT(claims).setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt' }).setIssuer(ISSUER).setAudience(AUDIENCE).setIssuedAt(NOW / 1000).setExpirationTime(NOW / 1000 + 60).sign(other), 'TOKEN_KEY_UNKNOWN');
  });

  it('refuses a token of another kind: typ JWT (an id-token-like JWT) or a refresh-token typ (TOKEN_TYPE_MISMATCH)', async () => {
    await refusedWith(signOwn({ typ: 'JWT' }, {}), 'TOKEN_TYPE_MISMATCH');
    await refusedWith(signOwn({ typ: 'rt+jwt' }, {}), 'TOKEN_TYPE_MISMATCH');
    await refusedWith(signOwn({ typ: undefined }, {}), 'TOKEN_TYPE_MISMATCH');
  });

  it('accepts the long form application/at+jwt (RFC 9068 §4)', async () => {
    expect(await verifyAccessToken(keys, await signOwn({ typ: 'application/at+jwt' }, {}), options)).to.have.property('sub', 'u-1');
  });

  it('refuses another audience and another issuer (TOKEN_CLAIM_INVALID)', async () => {
    await refusedWith(signOwn({}, { aud: 'https://other-api.example.test' }), 'TOKEN_CLAIM_INVALID');
    await refusedWith(signOwn({}, { iss: 'https://evil.example.test' }), 'TOKEN_CLAIM_INVALID');
  });

  it('refuses a token without jti, client_id or sid (TOKEN_CLAIM_INVALID)', async () => {
    await refusedWith(signOwn({}, { jti: undefined }), 'TOKEN_CLAIM_INVALID');
    await refusedWith(signOwn({}, { client_id: undefined }), 'TOKEN_CLAIM_INVALID');
    await refusedWith(signOwn({}, { sid: undefined }), 'TOKEN_CLAIM_INVALID');
  });

  it('refuses an expired token beyond the skew (TOKEN_EXPIRED), and accepts within it', async () => {
    const { token } = await mint();
    options = { ...options, now: () => NOW + 300_000 + 29_000 };
    expect(await verifyAccessToken(keys, token, options)).to.have.property('sub', 'u-1');
    options = { ...options, now: () => NOW + 300_000 + 31_000 };
    await refusedWith(token, 'TOKEN_EXPIRED');
  });

  it('refuses a token issued in the future beyond the skew (TOKEN_CLAIM_INVALID)', async () => {
    const { token } = await mint({ now: NOW + 120_000 });
    await refusedWith(token, 'TOKEN_CLAIM_INVALID');
  });

  it('refuses a tampered payload and a tampered signature (TOKEN_SIGNATURE_INVALID)', async () => {
    const { token } = await mint();
    const [header, payload, signature = ''] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()) as Record<string, unknown>;
    await refusedWith(`${header}.${b64({ ...claims, sub: 'admin' })}.${signature}`, 'TOKEN_SIGNATURE_INVALID');
    const flipped = `${signature.slice(0, 10)}${signature[10] === 'A' ? 'B' : 'A'}${signature.slice(11)}`;
    await refusedWith(`${header}.${payload}.${flipped}`, 'TOKEN_SIGNATURE_INVALID');
  });

  it('refuses what is not a compact JWS (TOKEN_MALFORMED)', async () => {
    await refusedWith('not-a-token', 'TOKEN_MALFORMED');
    await refusedWith('a.b.c.d.e', 'TOKEN_MALFORMED');
    await refusedWith(`${b64('not json')}.${b64({})}.x`, 'TOKEN_MALFORMED');
  });

  it('refuses a token whose iss + jti is on the deny list (TOKEN_REVOKED)', async () => {
    const { token, jti } = await mint();
    denied.add(`${ISSUER} ${jti}`);
    await refusedWith(token, 'TOKEN_REVOKED');
  });
});
