import { KeyObject } from 'node:crypto';
import { ConfigError, MellonError } from '../errors.js';
import { isTrustedKey, loadPublicKey } from './load.js';

/**
 * Normalises the verification keys a caller handed over (`signingKeys` of `validateResponse`, say)
 * into public KeyObjects, once per call. Signature checks pick keys by `asymmetricKeyType`, so an
 * entry of another shape would match nothing and every message would fail as "no trusted key",
 * which looks like an IdP problem. Instead:
 * - a public KeyObject is kept; a private one gives its public half;
 * - the `{ key, certificate }` that `loadPublicKey` returns gives its `key` (what the README's
 *   `loadPublicKey(pem).key` meant);
 * - anything else (a PEM string, a certificate, a secret key) is a ConfigError naming the entry.
 *
 * @example
 * const keys = toKeyObjects(options.idp.signingKeys, 'idp.signingKeys');
 */
export function toKeyObjects(keys: unknown, path: string): KeyObject[] {
  if (!Array.isArray(keys)) throw new ConfigError(path, 'expected an array of KeyObjects (loadPublicKey(pem).key)');
  return keys.map((entry: unknown, i) => {
    if (!(entry instanceof KeyObject) && !isTrustedKey(entry)) {
      throw new ConfigError(`${path}[${i}]`, 'expected a public KeyObject: pass loadPublicKey(pem).key (a PEM text or certificate must be loaded first)');
    }
    try {
      return loadPublicKey(entry).key;
    } catch (err) {
      if (!(err instanceof MellonError)) throw err;
      throw new ConfigError(`${path}[${i}]`, 'expected a public (or private) KeyObject, not a secret key', { cause: err });
    }
  });
}
