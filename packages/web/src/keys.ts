import { existsSync, readFileSync } from 'node:fs';
import { ConfigError } from '@koa-mellon/saml';

/**
 * PEM text as is, or the content of the file it names; unreadable is a ConfigError. Keys are given
 * as text (or paths) in settings: an object (a KeyObject, an X509Certificate, or the `{ key,
 * certificate }` that `loadPublicKey` returns) is refused here, naming the key, rather than
 * reaching a check that would match nothing.
 */
export function readPem(value: unknown, path: string): string {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    throw new ConfigError(path, 'expected PEM text or a path to a PEM file, not a loaded key object (KeyObject, X509Certificate, or the { key, certificate } of loadPublicKey): pass the PEM text');
  }
  if (typeof value !== 'string') throw new ConfigError(path, 'expected PEM text or a path to a PEM file');
  if (value.includes('-----BEGIN')) return value;
  if (!existsSync(value)) throw new ConfigError(path, 'expected PEM text or a readable PEM file');
  const text = readFileSync(value, 'utf8');
  if (!text.includes('-----BEGIN')) throw new ConfigError(path, 'file does not hold PEM');
  return text;
}
