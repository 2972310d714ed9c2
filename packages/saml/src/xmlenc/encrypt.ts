import { createCipheriv, randomBytes, type KeyObject } from 'node:crypto';
import { BLOCK_CIPHER_INFO, BLOCK_ENCRYPTION, DIGEST_ALGORITHM, KEY_TRANSPORT } from '../constants/algorithms.js';
import { MellonError } from '../errors.js';
import { buildElement, serializeXml, x, type XmlElement } from '../xml/build.js';
import { wrapKey } from './key-transport.js';

export interface EncryptOptions {
  /** The recipient's public key (from its metadata's encryption KeyDescriptor). */
  readonly publicKey: KeyObject;
  /** Default aes256-gcm. */
  readonly blockAlgorithm?: string | undefined;
  /** Default rsa-oaep-mgf1p (SHA-1 OAEP digest: what every peer, xmlsec1 1.2 included, reads). */
  readonly keyTransport?: typeof KEY_TRANSPORT.rsaOaepMgf1p | typeof KEY_TRANSPORT.rsaOaep | undefined;
  /** Base64 DER certificate of the recipient, for KeyInfo (helps peers pick their key). */
  readonly certificate?: string | undefined;
}

/**
 * Encrypts `el` (which must declare every namespace it uses, as `buildDocument` ensures) into an
 * `<xenc:EncryptedData>` element of `document`, with the EncryptedKey inside its KeyInfo
 * (saml-core §2.2.4). The caller wraps it in EncryptedAssertion / EncryptedID / EncryptedAttribute.
 */
export function encryptElement(document: Document, el: Element, options: EncryptOptions): Element {
  const blockAlgorithm = options.blockAlgorithm ?? BLOCK_ENCRYPTION.aes256Gcm;
  const info = BLOCK_CIPHER_INFO.get(blockAlgorithm);
  if (!info) throw new MellonError('ENCRYPTION_ALGORITHM_FORBIDDEN', 'unknown block cipher');
  const keyTransport = options.keyTransport ?? KEY_TRANSPORT.rsaOaepMgf1p;
  const cek = randomBytes(info.keyBytes);
  const plaintext = Buffer.from(serializeXml(el), 'utf8');
  const iv = randomBytes(info.gcm ? 12 : 16);
  let cipherValue: Buffer;
  if (info.gcm) {
    const cipher = createCipheriv(info.cipher as 'aes-256-gcm', cek, iv);
    cipherValue = Buffer.concat([iv, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  } else {
    // xmlenc-core §5.2: pad to the block with the pad length in the last byte.
    const pad = 16 - (plaintext.length % 16);
    const padded = Buffer.concat([plaintext, randomBytes(pad - 1), Buffer.from([pad])]);
    const cipher = createCipheriv(info.cipher, cek, iv).setAutoPadding(false);
    cipherValue = Buffer.concat([iv, cipher.update(padded), cipher.final()]);
  }
  const wrapped = wrapKey(options.publicKey, 'sha1', cek);
  const encryptedKey: XmlElement = x(
    'xenc:EncryptedKey',
    {},
    x('xenc:EncryptionMethod', { Algorithm: keyTransport }, x('ds:DigestMethod', { Algorithm: DIGEST_ALGORITHM.sha1 })),
    options.certificate && x('ds:KeyInfo', {}, x('ds:X509Data', {}, x('ds:X509Certificate', {}, options.certificate))),
    x('xenc:CipherData', {}, x('xenc:CipherValue', {}, wrapped.toString('base64'))),
  );
  return buildElement(
    document,
    x(
      'xenc:EncryptedData',
      { Type: 'http://www.w3.org/2001/04/xmlenc#Element' },
      x('xenc:EncryptionMethod', { Algorithm: blockAlgorithm }),
      x('ds:KeyInfo', {}, encryptedKey),
      x('xenc:CipherData', {}, x('xenc:CipherValue', {}, cipherValue.toString('base64'))),
    ),
  );
}
