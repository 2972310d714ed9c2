import { createDecipheriv, createPublicKey, type KeyObject } from 'node:crypto';
import { BLOCK_CIPHER_INFO, HASH_OF_DIGEST, HASH_OF_MGF, KEY_TRANSPORT, isBlockEncryptionAllowed, isKeyTransportAllowed, type AlgorithmPolicy } from '../constants/algorithms.js';
import { decodeBase64 } from '../base64.js';
import { fail, failWithDetail, MellonError } from '../errors.js';
import { keyFingerprint, keyInfoFingerprint } from '../xmldsig/refusal-detail.js';
import { parseXml, type ParseLimits, type ParsedXml } from '../xml/parse.js';
import { childrenNamed, elementChildren, inScopeNamespaces, isElement, optionalChild, requiredAttribute, requiredChild } from '../xml/select.js';
import { textOf } from '../xml/text.js';
import { unwrapKey, type KeyTransportParams } from './key-transport.js';

export interface DecryptOptions {
  /** Our private keys, all tried (rollover: the newest first). */
  readonly keys: readonly KeyObject[];
  readonly policy?: AlgorithmPolicy | undefined;
  readonly limits?: ParseLimits | undefined;
}

/**
 * Decrypts the `<xenc:EncryptedData>` inside `container` (an EncryptedAssertion, EncryptedID or
 * EncryptedAttribute, saml-core §2.2.4) and parses the plaintext with the hardened parser, in the
 * namespace context of `container`. The EncryptedKey may sit in EncryptedData's KeyInfo or beside
 * EncryptedData in the container. Algorithms outside the allow-list are refused by name; every
 * other failure is the same DECRYPTION_FAILED, so that no padding or format oracle exists.
 */
export function decryptElement(container: Element, options: DecryptOptions): ParsedXml {
  const children = elementChildren(container);
  const encryptedData = requiredChild(container, 'xenc', 'EncryptedData');
  if (children.some((child) => child !== encryptedData && !isElement(child, 'xenc', 'EncryptedKey'))) {
    fail('XML_UNEXPECTED_CONTENT', `unexpected element in <${container.localName}>`);
  }
  const method = requiredChild(encryptedData, 'xenc', 'EncryptionMethod');
  const blockAlgorithm = requiredAttribute(method, 'Algorithm');
  if (!isBlockEncryptionAllowed(blockAlgorithm, options.policy)) {
    fail('ENCRYPTION_ALGORITHM_FORBIDDEN', `block cipher ${blockAlgorithm.slice(0, 80)} not allowed`);
  }
  const keyInfo = optionalChild(encryptedData, 'ds', 'KeyInfo');
  const encryptedKeys = [...(keyInfo ? childrenNamed(keyInfo, 'xenc', 'EncryptedKey') : []), ...childrenNamed(container, 'xenc', 'EncryptedKey')];
  if (encryptedKeys.length === 0) failWithDetail('DECRYPTION_FAILED', 'no EncryptedKey', decryptionDetail(blockAlgorithm, [], options.keys));
  const transports = encryptedKeys.map((encryptedKey) => readKeyTransport(encryptedKey, options.policy));
  const cipherValue = readCipherValue(encryptedData);

  // Uniform failure from here on: every key, padding or parse problem is one code.
  let plaintext: string | undefined;
  for (const { params, wrapped } of transports) {
    for (const key of options.keys) {
      try {
        const cek = unwrapKey(key, params, wrapped);
        plaintext = decryptBlock(blockAlgorithm, cek, cipherValue);
        break;
      } catch {
        // try the next key: rollover keeps old keys for a while
      }
    }
    if (plaintext !== undefined) break;
  }
  if (plaintext === undefined) failWithDetail('DECRYPTION_FAILED', 'no key decrypts the element', decryptionDetail(blockAlgorithm, encryptedKeys, options.keys));
  try {
    return parseXml(plaintext, { ...options.limits, inheritedNamespaces: inScopeNamespaces(container) });
  } catch (err) {
    throw new MellonError('DECRYPTION_FAILED', 'decrypted content is not acceptable XML', { cause: err, detail: decryptionDetail(blockAlgorithm, encryptedKeys, options.keys) });
  }
}

/**
 * For the operator's trace only (the user sees the one DECRYPTION_FAILED): the keys we tried, the
 * key the IdP says it encrypted for (its EncryptedKey's certificate, as SHA-256 of the public key,
 * as for signatures), and the algorithms. The same fields whatever went wrong, so the detail is no
 * oracle either.
 */
function decryptionDetail(blockAlgorithm: string, encryptedKeys: readonly Element[], keys: readonly KeyObject[]): Record<string, string> {
  return {
    triedKeys: keys.map((key) => keyFingerprint(key.type === 'private' ? createPublicKey(key) : key)).join(' ') || '(none: no privateKey or privateKeys)',
    encryptedFor: encryptedKeys.map((encryptedKey) => keyInfoFingerprint(encryptedKey)).join(' ') || '(no EncryptedKey)',
    blockAlgorithm,
    keyTransport: encryptedKeys.map((encryptedKey) => optionalChild(encryptedKey, 'xenc', 'EncryptionMethod')?.getAttribute('Algorithm') ?? '(none)').join(' ') || '(none)',
  };
}

function readKeyTransport(encryptedKey: Element, policy: AlgorithmPolicy | undefined): { params: KeyTransportParams; wrapped: Buffer } {
  const method = requiredChild(encryptedKey, 'xenc', 'EncryptionMethod');
  const algorithm = requiredAttribute(method, 'Algorithm');
  if (!isKeyTransportAllowed(algorithm, policy)) fail('ENCRYPTION_ALGORITHM_FORBIDDEN', `key transport ${algorithm.slice(0, 80)} not allowed`);
  const digestMethod = optionalChild(method, 'ds', 'DigestMethod');
  const oaepHash = digestMethod ? HASH_OF_DIGEST.get(requiredAttribute(digestMethod, 'Algorithm')) : 'sha1';
  const mgf = optionalChild(method, 'xenc11', 'MGF');
  // xmlenc-core §5.4.2: rsa-oaep-mgf1p always uses MGF1 with SHA-1; xmlenc11 names its MGF.
  const mgfHash = algorithm === KEY_TRANSPORT.rsaOaep && mgf ? HASH_OF_MGF.get(requiredAttribute(mgf, 'Algorithm')) : 'sha1';
  if (!oaepHash || !mgfHash) fail('ENCRYPTION_ALGORITHM_FORBIDDEN', 'unknown OAEP digest or MGF');
  const label = optionalChild(method, 'xenc', 'OAEPparams');
  return {
    params: { algorithm, oaepHash, mgfHash, oaepLabel: label ? decodeBase64(textOf(label), 'DECRYPTION_FAILED') : undefined },
    wrapped: readCipherValue(encryptedKey),
  };
}

function readCipherValue(parent: Element): Buffer {
  const cipherData = requiredChild(parent, 'xenc', 'CipherData');
  return decodeBase64(textOf(requiredChild(cipherData, 'xenc', 'CipherValue')), 'DECRYPTION_FAILED');
}

/** AES-CBC with XML Encryption padding (xmlenc-core §5.2: last byte = pad length) or AES-GCM. */
function decryptBlock(algorithm: string, key: Buffer, data: Buffer): string {
  const info = BLOCK_CIPHER_INFO.get(algorithm);
  if (!info || key.length !== info.keyBytes) throw new Error('key size');
  if (info.gcm) {
    // xmlenc11 §5.2.4: 96-bit IV, then ciphertext, then a 128-bit tag.
    if (data.length < 12 + 16) throw new Error('short');
    const decipher = createDecipheriv(info.cipher as 'aes-256-gcm', key, data.subarray(0, 12));
    decipher.setAuthTag(data.subarray(data.length - 16));
    return Buffer.concat([decipher.update(data.subarray(12, data.length - 16)), decipher.final()]).toString('utf8');
  }
  if (data.length < 32 || data.length % 16 !== 0) throw new Error('length');
  const decipher = createDecipheriv(info.cipher, key, data.subarray(0, 16)).setAutoPadding(false);
  const padded = Buffer.concat([decipher.update(data.subarray(16)), decipher.final()]);
  const pad = padded[padded.length - 1] as number;
  if (pad < 1 || pad > 16) throw new Error('padding');
  return padded.subarray(0, padded.length - pad).toString('utf8');
}
