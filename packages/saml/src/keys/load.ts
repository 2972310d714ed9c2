import { createPrivateKey, createPublicKey, KeyObject, X509Certificate } from 'node:crypto';
import { MellonError } from '../errors.js';

/** A verification key and, when it came from one, its certificate (for metadata and display). */
export interface TrustedKey {
  readonly key: KeyObject;
  readonly certificate?: X509Certificate;
}

/**
 * A certificate, PEM public key or KeyObject as a caller may give it; also what `loadPublicKey`
 * returns (loading a loaded key is the identity, not a silent mismatch).
 */
export type PublicKeyInput = string | Buffer | KeyObject | X509Certificate | TrustedKey;
export type PrivateKeyInput = string | Buffer | KeyObject;

const PEM_CERT = /-----BEGIN CERTIFICATE-----/;
const PEM_ANY = /-----BEGIN [A-Z ]+-----/;

/**
 * Loads a trusted public key once (keys are parsed per metadata version, never per message):
 * a PEM certificate, a PEM public key, the bare base64 DER of a metadata `<ds:X509Certificate>`,
 * an `X509Certificate` or a `KeyObject`.
 */
export function loadPublicKey(input: PublicKeyInput): TrustedKey {
  try {
    if (isTrustedKey(input)) {
      const { key } = loadPublicKey(input.key);
      return input.certificate ? { key, certificate: input.certificate } : { key };
    }
    if (input instanceof KeyObject) {
      if (input.type === 'public') return { key: input };
      if (input.type === 'private') return { key: createPublicKey(input) };
      throw new TypeError('a secret key cannot verify signatures');
    }
    if (input instanceof X509Certificate) return { key: input.publicKey, certificate: input };
    const text = typeof input === 'string' ? input : input.toString('utf8');
    if (PEM_CERT.test(text)) {
      const certificate = new X509Certificate(text);
      return { key: certificate.publicKey, certificate };
    }
    if (PEM_ANY.test(text)) return { key: createPublicKey(text) };
    const der = Buffer.from(text.replace(/\s+/g, ''), 'base64');
    const certificate = new X509Certificate(der);
    return { key: certificate.publicKey, certificate };
  } catch (err) {
    throw new MellonError('KEY_INVALID', 'cannot load public key or certificate', { cause: err });
  }
}

/** The `{ key, certificate? }` shape of `loadPublicKey`'s result. */
export function isTrustedKey(value: unknown): value is TrustedKey {
  return typeof value === 'object' && value !== null && !(value instanceof KeyObject) && !Buffer.isBuffer(value) && 'key' in value && value.key instanceof KeyObject;
}

/** Loads a private key (PEM, optionally encrypted with `passphrase`) once. */
export function loadPrivateKey(input: PrivateKeyInput, passphrase?: string): KeyObject {
  try {
    if (input instanceof KeyObject) {
      if (input.type !== 'private') throw new TypeError('not a private key');
      return input;
    }
    return createPrivateKey(passphrase === undefined ? input : { key: input, passphrase });
  } catch (err) {
    throw new MellonError('KEY_INVALID', 'cannot load private key', { cause: err });
  }
}

/** The base64 DER body of a certificate, as `<ds:X509Certificate>` carries it. */
export function certificateBase64(certificate: X509Certificate | string): string {
  const cert = typeof certificate === 'string' ? loadPublicKey(certificate).certificate : certificate;
  if (!cert) throw new MellonError('KEY_INVALID', 'not a certificate');
  return cert.raw.toString('base64');
}

/** True when the private key and the public key form a pair. */
export function keysMatch(privateKey: KeyObject, publicKey: KeyObject): boolean {
  const a = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  const b = publicKey.export({ type: 'spki', format: 'der' });
  return a.equals(b);
}
