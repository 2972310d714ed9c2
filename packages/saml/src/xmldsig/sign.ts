import { createHash, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { NS } from '../constants/urn.js';
import {
  DIGEST_ALGORITHM,
  HASH_OF_DIGEST,
  SIGNATURE_ALGORITHM,
  SIGNATURE_ALGORITHM_INFO,
  TRANSFORM,
} from '../constants/algorithms.js';
import { MellonError } from '../errors.js';
import { buildElement, x } from '../xml/build.js';
import { attribute, isElement } from '../xml/select.js';
import { canonicalize } from './c14n.js';

export interface SignOptions {
  readonly privateKey: KeyObject;
  /** Base64 DER certificate to put in KeyInfo (informational: peers must not trust it). */
  readonly certificate?: string | undefined;
  /** Default: rsa-sha256 for RSA keys, ecdsa-sha256 for EC keys. */
  readonly signatureAlgorithm?: string | undefined;
  /** Default: sha256. */
  readonly digestAlgorithm?: string | undefined;
}

/** The signature method a key signs with unless told otherwise. */
export function defaultSignatureAlgorithm(key: KeyObject): string {
  return key.asymmetricKeyType === 'ec' ? SIGNATURE_ALGORITHM.ecdsaSha256 : SIGNATURE_ALGORITHM.rsaSha256;
}

/**
 * Signs `el` with an enveloped signature over its ID (saml-core §5.4): exclusive c14n, the
 * signature placed right after `<saml:Issuer>` (or first when there is none), as the schema wants.
 * Returns the `<ds:Signature>` element.
 */
export function signElement(el: Element, options: SignOptions): Element {
  const id = attribute(el, 'ID');
  if (!id) throw new MellonError('MESSAGE_INVALID', `<${el.localName}> has no ID to sign`);
  const signatureAlgorithm = options.signatureAlgorithm ?? defaultSignatureAlgorithm(options.privateKey);
  const digestAlgorithm = options.digestAlgorithm ?? DIGEST_ALGORITHM.sha256;
  const info = SIGNATURE_ALGORITHM_INFO.get(signatureAlgorithm);
  const hash = HASH_OF_DIGEST.get(digestAlgorithm);
  if (!info || !hash || info.keyType !== options.privateKey.asymmetricKeyType) {
    throw new MellonError('SIGNATURE_ALGORITHM_FORBIDDEN', 'signature algorithm does not fit the key');
  }

  const digest = createHash(hash).update(canonicalize(el), 'utf8').digest('base64');
  const document = el.ownerDocument;
  const signature = buildElement(
    document,
    x(
      'ds:Signature',
      {},
      x(
        'ds:SignedInfo',
        {},
        x('ds:CanonicalizationMethod', { Algorithm: TRANSFORM.excC14n }),
        x('ds:SignatureMethod', { Algorithm: signatureAlgorithm }),
        x(
          'ds:Reference',
          { URI: `#${id}` },
          x(
            'ds:Transforms',
            {},
            x('ds:Transform', { Algorithm: TRANSFORM.envelopedSignature }),
            x('ds:Transform', { Algorithm: TRANSFORM.excC14n }),
          ),
          x('ds:DigestMethod', { Algorithm: digestAlgorithm }),
          x('ds:DigestValue', {}, digest),
        ),
      ),
      x('ds:SignatureValue', {}, ''),
      options.certificate && x('ds:KeyInfo', {}, x('ds:X509Data', {}, x('ds:X509Certificate', {}, options.certificate))),
    ),
  );
  signature.setAttributeNS(NS.xmlns, 'xmlns:ds', NS.ds);
  let anchor = el.firstChild;
  while (anchor && anchor.nodeType !== 1) anchor = anchor.nextSibling;
  el.insertBefore(signature, anchor && isElement(anchor, 'saml', 'Issuer') ? anchor.nextSibling : anchor);

  const signedInfo = signature.firstChild as Element;
  const octets = Buffer.from(canonicalize(signedInfo), 'utf8');
  const key = info.keyType === 'ec' ? { key: options.privateKey, dsaEncoding: 'ieee-p1363' as const } : options.privateKey;
  const value = cryptoSign(info.hash, octets, key).toString('base64');
  const signatureValue = signedInfo.nextSibling as Element;
  signatureValue.appendChild(document.createTextNode(value));
  return signature;
}
