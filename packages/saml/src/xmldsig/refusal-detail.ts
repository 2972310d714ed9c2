import { X509Certificate, createHash, type KeyObject } from 'node:crypto';
import { HASH_OF_DIGEST, SIGNATURE_ALGORITHM_INFO, isDigestAlgorithmAllowed, isSignatureAlgorithmAllowed, type AlgorithmPolicy } from '../constants/algorithms.js';
import { optionalChild } from '../xml/select.js';
import { textOf } from '../xml/text.js';

/**
 * What the operator needs when a signature is refused (MellonError `detail`, for traces only):
 * which key the message says it was signed with, against the keys we trust, and which algorithms
 * were seen against the ones allowed. Fingerprints are SHA-256 of the public key (SPKI DER), the
 * one form both a metadata key and a certificate have:
 * `openssl x509 -pubkey -noout -in idp.crt | openssl pkey -pubin -outform der | openssl dgst -sha256`.
 */
export function keyFingerprint(key: KeyObject): string {
  return createHash('sha256').update(key.export({ type: 'spki', format: 'der' })).digest('hex');
}

/**
 * Trusted keys vs the key the signature names: by default the certificate in its KeyInfo (never
 * used to verify: display only); `signedWith` for signatures that name none (HTTP-Redirect).
 */
export function keyDetail(signature: Element | undefined, trusted: readonly KeyObject[], signedWith = keyInfoFingerprint(signature)): Record<string, string> {
  return { signedWith, trusted: trusted.map(keyFingerprint).join(' ') || '(none)' };
}

/**
 * The fingerprint of the certificate in `element`'s ds:KeyInfo (a Signature's, an EncryptedKey's),
 * for display only: it names a key, it is never used as one.
 */
export function keyInfoFingerprint(element: Element | undefined): string {
  const keyInfo = element && optionalChild(element, 'ds', 'KeyInfo');
  const data = keyInfo && optionalChild(keyInfo, 'ds', 'X509Data');
  const cert = data && optionalChild(data, 'ds', 'X509Certificate');
  if (!cert) return '(no certificate in KeyInfo)';
  try {
    return keyFingerprint(new X509Certificate(Buffer.from(textOf(cert).replace(/\s+/g, ''), 'base64')).publicKey);
  } catch {
    return '(unreadable certificate in KeyInfo)';
  }
}

export function signatureAlgorithmDetail(received: string, policy: AlgorithmPolicy | undefined): Record<string, string> {
  return { received, allowed: [...SIGNATURE_ALGORITHM_INFO.keys()].filter((uri) => isSignatureAlgorithmAllowed(uri, policy)).join(' ') };
}

export function digestAlgorithmDetail(received: string, policy: AlgorithmPolicy | undefined): Record<string, string> {
  return { received, allowed: [...HASH_OF_DIGEST.keys()].filter((uri) => isDigestAlgorithmAllowed(uri, policy)).join(' ') };
}
