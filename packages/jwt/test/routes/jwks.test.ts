import { createPublicKey, verify as cryptoVerify, type JsonWebKey } from 'node:crypto';
import { expect, use } from 'chai';
import chaiAsPromised from 'chai-as-promised';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { MellonError } from '@koa-mellon/saml';
import type { JwtKeySettings } from '../../src/index.js';
import { mintAccessToken } from '../../src/tokens/mint.js';
import { verifyAccessToken } from '../../src/tokens/verify.js';
import { AUDIENCE, BridgeApp, ISSUER, KEYS, baseSettings, memoryStore } from '../helpers/bridge.js';

use(chaiAsPromised);

const OLD: JwtKeySettings = { kid: 'old', alg: 'ES256', privateKey: KEYS.es.privateKey, use: 'sign' };
const NEW: JwtKeySettings = { kid: 'new', alg: 'EdDSA', privateKey: KEYS.ed.privateKey, use: 'sign' };
const verifyOnly = (key: JwtKeySettings): JwtKeySettings => ({ ...key, use: 'verify' });

describe('the jwks route and key rotation', () => {
  const apps: BridgeApp[] = [];
  const start = async (keys: JwtKeySettings[]) => {
    const app = await BridgeApp.start(baseSettings(memoryStore(), { keys }));
    apps.push(app);
    return app;
  };
  afterEach(async () => {
    for (const app of apps.splice(0)) await app.stop();
  });
  const mint = (app: BridgeApp) => mintAccessToken(app.rt.keys, { issuer: ISSUER, audience: AUDIENCE, lifetimeMs: 300_000 }, { subject: 'u-1', clientId: 'spa', sessionId: 'fam', now: Date.now(), notAfter: Infinity, claims: {} });
  const accepts = (app: BridgeApp, token: string) => verifyAccessToken(app.rt.keys, token, { issuer: ISSUER, audience: AUDIENCE, clockSkewSeconds: 30, now: Date.now, isDenied: () => false });

  it('serves every published key (public halves, kid, alg, use) with a short public cache lifetime', async () => {
    const app = await start([NEW, verifyOnly(OLD)]);
    const response = await app.fetch('/jwt/jwks');
    expect(response.headers.get('content-type')).to.equal('application/jwk-set+json');
    expect(response.headers.get('cache-control')).to.equal('public, max-age=300');
    const { keys } = (await response.json()) as { keys: JsonWebKey[] };
    expect(keys.map((k) => [k['kid'], k['alg'], k['use']])).to.deep.equal([['new', 'EdDSA', 'sig'], ['old', 'ES256', 'sig']]);
    expect(keys.every((k) => k.d === undefined)).to.equal(true);
  });

  it("is consumed by jose's createRemoteJWKSet: our token verifies against our route", async () => {
    const app = await start([NEW, verifyOnly(OLD)]);
    const { token } = await mint(app);
    const { payload, protectedHeader } = await jwtVerify(token, createRemoteJWKSet(new URL(`${app.local}/jwt/jwks`)), { issuer: ISSUER, audience: AUDIENCE, typ: 'at+jwt' });
    expect(payload.sub).to.equal('u-1');
    expect(protectedHeader.kid).to.equal('new');
  });

  it('is consumed by a verifier we did not write: node:crypto checks the JWS from the published JWK by hand (EdDSA and ES256)', async () => {
    for (const keys of [[NEW], [OLD]]) {
      const app = await start(keys);
      const { token } = await mint(app);
      const jwks = (await (await app.fetch('/jwt/jwks')).json()) as { keys: JsonWebKey[] };
      const [header = '', payload = '', signature = ''] = token.split('.');
      const { kid, alg } = JSON.parse(Buffer.from(header, 'base64url').toString()) as { kid: string; alg: string };
      const jwk = jwks.keys.find((k) => k['kid'] === kid);
      expect(jwk, kid).to.not.equal(undefined);
      const key = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
      const data = Buffer.from(`${header}.${payload}`);
      // RFC 8037 §3.1: Ed25519 signs the input itself; RFC 7518 §3.4: ES256 is r||s (ieee-p1363), SHA-256.
      const ok = alg === 'EdDSA' ? cryptoVerify(null, data, key, Buffer.from(signature, 'base64url')) : cryptoVerify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(signature, 'base64url'));
      expect(ok, alg).to.equal(true);
      const tampered = Buffer.from(`${header}.${payload.slice(0, -2)}AA`);
      expect(alg === 'EdDSA' ? cryptoVerify(null, tampered, key, Buffer.from(signature, 'base64url')) : cryptoVerify('sha256', tampered, { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(signature, 'base64url'))).to.equal(false);
    }
  });

  it('publish-first rotation across two instances: every step accepts the tokens of the step before and after it', async () => {
    // Step 1 on every instance: the new key is published, verify-only. Step 2: it signs, the old one verifies.
    const step1 = await start([OLD, verifyOnly(NEW)]);
    const step2 = await start([NEW, verifyOnly(OLD)]);
    const fromStep1 = (await mint(step1)).token;
    const fromStep2 = (await mint(step2)).token;
    expect((await accepts(step1, fromStep2)).sub).to.equal('u-1');
    expect((await accepts(step2, fromStep1)).sub).to.equal('u-1');
    // Why publish first: an instance still on the old set alone would refuse the new key's tokens.
    const step0 = await start([OLD]);
    await expect(accepts(step0, fromStep2)).to.be.rejectedWith(MellonError).and.eventually.have.property('code', 'TOKEN_KEY_UNKNOWN');
    // Step 3, once the access-token lifetime has passed: the old key is gone and so are its tokens.
    const step3 = await start([NEW]);
    await expect(accepts(step3, fromStep1)).to.be.rejectedWith(MellonError).and.eventually.have.property('code', 'TOKEN_KEY_UNKNOWN');
    expect((await accepts(step3, fromStep2)).sub).to.equal('u-1');
  });
});
