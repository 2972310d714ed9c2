import { constants, privateDecrypt, publicEncrypt, type KeyObject } from 'node:crypto';
import forge from 'node-forge';
import { KEY_TRANSPORT } from '../constants/algorithms.js';

/** RSA key-transport parameters read from an `<xenc:EncryptionMethod>` (xmlenc-core §5.4). */
export interface KeyTransportParams {
  readonly algorithm: string;
  /** OAEP digest (node:crypto name); sha1 unless DigestMethod says otherwise. */
  readonly oaepHash: string;
  /** MGF1 digest (node:crypto name); sha1 for rsa-oaep-mgf1p. */
  readonly mgfHash: string;
  readonly oaepLabel?: Buffer | undefined;
}

/**
 * Unwraps a content-encryption key. node:crypto does OAEP when the OAEP and MGF1 digests agree;
 * node-forge does the rest (mixed digests, and rsa-1_5, which Node ≥20.11 refuses since
 * CVE-2023-46809 and which callers allow only by an explicit setting).
 */
export function unwrapKey(privateKey: KeyObject, params: KeyTransportParams, wrapped: Buffer): Buffer {
  if (params.algorithm !== KEY_TRANSPORT.rsa15 && params.oaepHash === params.mgfHash) {
    return privateDecrypt(
      { key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: params.oaepHash, ...(params.oaepLabel ? { oaepLabel: params.oaepLabel } : {}) },
      wrapped,
    );
  }
  const pem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const forgeKey = forge.pki.privateKeyFromPem(pem);
  const binary = wrapped.toString('binary');
  const plain =
    params.algorithm === KEY_TRANSPORT.rsa15
      ? forgeKey.decrypt(binary, 'RSAES-PKCS1-V1_5')
      : forgeKey.decrypt(binary, 'RSA-OAEP', {
          md: forgeDigest(params.oaepHash),
          mgf1: { md: forgeDigest(params.mgfHash) },
          ...(params.oaepLabel ? { label: params.oaepLabel.toString('binary') } : {}),
        });
  return Buffer.from(plain, 'binary');
}

/** Wraps a content-encryption key with RSA-OAEP (OAEP and MGF1 digest `oaepHash`). */
export function wrapKey(publicKey: KeyObject, oaepHash: string, key: Buffer): Buffer {
  return publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash }, key);
}

function forgeDigest(name: string): forge.md.MessageDigest {
  switch (name) {
    case 'sha1':
      return forge.md.sha1.create();
    case 'sha256':
      return forge.md.sha256.create();
    case 'sha384':
      return forge.md.sha384.create();
    case 'sha512':
      return forge.md.sha512.create();
    default:
      throw new TypeError(`unsupported OAEP digest ${name}`);
  }
}
