import { generateKeyPairSync } from 'node:crypto';
import type { JwtAlgorithm } from '../settings.js';

/**
 * A new key pair as PEM text for `keys` (EdDSA by default). Keep the private PEM secret; rotate in
 * the publish-first order of docs/jwt.md.
 *
 * @example
 * const { privateKey } = generateJwtKey('EdDSA');
 * const keys = [{ kid: '2026-01', alg: 'EdDSA', privateKey, use: 'sign' }];
 */
export function generateJwtKey(alg: JwtAlgorithm = 'EdDSA'): { privateKey: string; publicKey: string } {
  const pair = alg === 'EdDSA' ? generateKeyPairSync('ed25519') : alg === 'ES256' ? generateKeyPairSync('ec', { namedCurve: 'prime256v1' }) : generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { privateKey: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), publicKey: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}
