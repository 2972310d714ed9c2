import { createPrivateKey, createPublicKey, type JsonWebKey as NodeJwk, type KeyObject } from 'node:crypto';
import { importJWK, type CryptoKey, type JWK } from 'jose';
import { ConfigError } from '@koa-mellon/saml';
import type { JwtAlgorithm, JwtKeySettings } from '../settings.js';

/** One loaded key: pinned to its algorithm (RFC 8725 §3.1), imported once for jose. */
export interface LoadedKey {
  readonly kid: string;
  readonly alg: JwtAlgorithm;
  readonly verifyKey: CryptoKey;
  readonly publicJwk: JWK;
}

export interface KeySet {
  /** The one key that signs, with its private half. */
  readonly signing: LoadedKey & { readonly signKey: CryptoKey };
  /** Every published key by `kid` (the signing one included). */
  readonly byKid: ReadonlyMap<string, LoadedKey>;
  /** The JWKS document (RFC 7517 §5): public halves only, each with kid, alg and use. */
  jwks(): { keys: JWK[] };
}

export const ALGORITHMS: readonly JwtAlgorithm[] = ['EdDSA', 'ES256', 'RS256'];

/** Loads and checks the keys; every mistake is a ConfigError naming `keys[i]`. */
export async function loadKeySet(settings: readonly JwtKeySettings[]): Promise<KeySet> {
  if (settings.length === 0) throw new ConfigError('keys', 'at least one key is required');
  const byKid = new Map<string, LoadedKey>();
  let signing: (LoadedKey & { signKey: CryptoKey }) | undefined;
  for (const [i, entry] of settings.entries()) {
    const path = `keys[${i}]`;
    if (typeof entry.kid !== 'string' || !/^[A-Za-z0-9._-]{1,64}$/.test(entry.kid)) throw new ConfigError(`${path}.kid`, 'expected 1-64 of A-Z a-z 0-9 . _ -');
    if (byKid.has(entry.kid)) throw new ConfigError(`${path}.kid`, `duplicate kid ${entry.kid}`);
    if (!ALGORITHMS.includes(entry.alg)) throw new ConfigError(`${path}.alg`, `expected one of ${ALGORITHMS.join(', ')}`);
    const privateKey = entry.privateKey === undefined ? undefined : toKeyObject(entry.privateKey, 'private', `${path}.privateKey`);
    const publicKey = privateKey ? createPublicKey(privateKey) : entry.publicKey === undefined ? undefined : toKeyObject(entry.publicKey, 'public', `${path}.publicKey`);
    if (!publicKey) throw new ConfigError(path, 'needs privateKey or publicKey');
    checkKeyFitsAlgorithm(publicKey, entry.alg, path);
    const publicJwk: JWK = { ...exportJwk(publicKey), kid: entry.kid, alg: entry.alg, use: 'sig' };
    const loaded: LoadedKey = { kid: entry.kid, alg: entry.alg, verifyKey: await importKey(publicJwk, entry.alg), publicJwk };
    byKid.set(entry.kid, loaded);
    if (entry.use === 'sign') {
      if (signing) throw new ConfigError(`${path}.use`, 'only one key may sign');
      if (!privateKey) throw new ConfigError(`${path}.privateKey`, 'the signing key needs its private key');
      signing = { ...loaded, signKey: await importKey({ ...exportJwk(privateKey), alg: entry.alg }, entry.alg) };
    } else if (entry.use !== 'verify') {
      throw new ConfigError(`${path}.use`, "expected 'sign' or 'verify'");
    }
  }
  if (!signing) throw new ConfigError('keys', "one key must have use: 'sign'");
  const document = { keys: [...byKid.values()].map((key) => key.publicJwk) };
  const found = signing;
  return { signing: found, byKid, jwks: () => ({ keys: document.keys.map((key) => ({ ...key })) }) };
}

function toKeyObject(input: string | KeyObject, kind: 'private' | 'public', path: string): KeyObject {
  if (typeof input !== 'string') {
    if (input.type !== kind) throw new ConfigError(path, `expected a ${kind} key`);
    return input;
  }
  try {
    return kind === 'private' ? createPrivateKey(input) : createPublicKey(input);
  } catch (err) {
    throw new ConfigError(path, `not a PEM ${kind} key`, { cause: err });
  }
}

/** RFC 8725 §3.1: the key decides the algorithm. An RSA key under 2048 bits is refused (RFC 7518 §3.3). */
function checkKeyFitsAlgorithm(key: KeyObject, alg: JwtAlgorithm, path: string): void {
  const type = key.asymmetricKeyType;
  const details = key.asymmetricKeyDetails;
  const fits =
    (alg === 'EdDSA' && type === 'ed25519') ||
    (alg === 'ES256' && type === 'ec' && details?.namedCurve === 'prime256v1') ||
    (alg === 'RS256' && type === 'rsa' && (details?.modulusLength ?? 0) >= 2048);
  if (!fits) throw new ConfigError(`${path}.alg`, `${alg} does not fit a ${type ?? 'unknown'} key`);
}

function exportJwk(key: KeyObject): JWK {
  // node:crypto's JsonWebKey and jose's JWK describe the same RFC 7517 members.
  const jwk: NodeJwk = key.export({ format: 'jwk' });
  return jwk as JWK;
}

async function importKey(jwk: JWK, alg: JwtAlgorithm): Promise<CryptoKey> {
  const key = await importJWK(jwk, alg);
  // importJWK returns a Uint8Array only for symmetric (oct) keys, which loadKeySet never builds.
  if (key instanceof Uint8Array) throw new ConfigError('keys', 'symmetric keys are not accepted');
  return key;
}
