import { createHash, timingSafeEqual, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { fail } from '../errors.js';
import {
  HASH_OF_DIGEST,
  SIGNATURE_ALGORITHM_INFO,
  TRANSFORM,
  isDigestAlgorithmAllowed,
  isSignatureAlgorithmAllowed,
  type AlgorithmPolicy,
} from '../constants/algorithms.js';
import { attribute, childrenNamed, elementChildren, expectSequence, isElement, optionalChild, requiredAttribute, requiredChild } from '../xml/select.js';
import { textOf } from '../xml/text.js';
import { canonicalize } from './c14n.js';
import { decodeBase64 } from '../base64.js';

export interface VerifyOptions {
  /** Trusted keys from configuration or metadata, several for rollover. Never from KeyInfo. */
  readonly keys: readonly KeyObject[];
  /** The document's ID index (from `parseXml`), to prove the ID is unique. */
  readonly ids: ReadonlyMap<string, Element>;
  readonly policy?: AlgorithmPolicy | undefined;
}

/** The `<ds:Signature>` child of `el`, if any; two are refused. */
export function findSignature(el: Element): Element | undefined {
  return optionalChild(el, 'ds', 'Signature');
}

/**
 * Verifies the enveloped signature `signature` of `el` and returns `el`: the element the signature
 * covers, on which every later read must work. Refuses (each with its own code) anything but
 * exactly one Reference to `#` + el's own unique ID, transforms other than enveloped-signature
 * and exclusive c14n, algorithms outside the allow-list, and a SignedInfo or digest that does not
 * verify with one of the caller's keys. KeyInfo is never read.
 */
export function verifyEnvelopedSignature(el: Element, signature: Element, options: VerifyOptions): Element {
  if (signature.parentNode !== el) fail('SIGNATURE_REFERENCE_INVALID', 'signature is not a child of the signed element');
  // xmldsig-core §4.1: SignedInfo, SignatureValue, KeyInfo?, Object*. Object is refused: SAML
  // signatures carry none, and it is a classic hiding place for wrapped assertions.
  expectSequence(signature, [
    ['ds', 'SignedInfo', 'required'],
    ['ds', 'SignatureValue', 'required'],
    ['ds', 'KeyInfo', 'optional'],
  ]);
  const signedInfo = requiredChild(signature, 'ds', 'SignedInfo');
  const [c14nMethod, signatureMethod, ...references] = expectSequence(signedInfo, [
    ['ds', 'CanonicalizationMethod', 'required'],
    ['ds', 'SignatureMethod', 'required'],
    ['ds', 'Reference', 'many'],
  ]);
  const c14nAlgorithm = requiredAttribute(c14nMethod as Element, 'Algorithm');
  if (c14nAlgorithm !== TRANSFORM.excC14n && c14nAlgorithm !== TRANSFORM.excC14nWithComments) {
    fail('SIGNATURE_ALGORITHM_FORBIDDEN', 'SignedInfo canonicalization is not exclusive c14n');
  }
  const signatureAlgorithm = requiredAttribute(signatureMethod as Element, 'Algorithm');
  if (!isSignatureAlgorithmAllowed(signatureAlgorithm, options.policy)) {
    fail('SIGNATURE_ALGORITHM_FORBIDDEN', `signature method ${signatureAlgorithm.slice(0, 80)} not allowed`);
  }
  if (references.length !== 1) fail('SIGNATURE_REFERENCE_INVALID', `${references.length} references, exactly 1 required`);
  const reference = references[0] as Element;

  // saml-core §5.4.2: the Reference names the signed element by its own ID, and only it.
  const id = attribute(el, 'ID');
  if (!id || attribute(reference, 'URI') !== `#${id}` || options.ids.get(id) !== el) {
    fail('SIGNATURE_REFERENCE_INVALID', 'reference does not point at the signed element');
  }
  const transforms = readTransforms(reference);
  const [digestMethod, digestValue] = expectSequence(reference, [
    ['ds', 'Transforms', 'optional'],
    ['ds', 'DigestMethod', 'required'],
    ['ds', 'DigestValue', 'required'],
  ]).filter((child) => !isElement(child, 'ds', 'Transforms'));
  const digestAlgorithm = requiredAttribute(digestMethod as Element, 'Algorithm');
  if (!isDigestAlgorithmAllowed(digestAlgorithm, options.policy)) {
    fail('SIGNATURE_ALGORITHM_FORBIDDEN', `digest method ${digestAlgorithm.slice(0, 80)} not allowed`);
  }

  // Authenticate SignedInfo first: only then are its reference and digest worth computing.
  const algorithm = SIGNATURE_ALGORITHM_INFO.get(signatureAlgorithm);
  const candidates = options.keys.filter((key) => key.asymmetricKeyType === algorithm?.keyType);
  if (!algorithm || candidates.length === 0) fail('NO_TRUSTED_KEY', `no trusted ${algorithm?.keyType ?? ''} key`);
  const signedInfoOctets = Buffer.from(
    canonicalize(signedInfo, { algorithm: c14nAlgorithm, prefixList: prefixListOf(c14nMethod as Element) }),
    'utf8',
  );
  const signatureValue = decodeBase64(textOf(requiredChild(signature, 'ds', 'SignatureValue')), 'SIGNATURE_INVALID');
  const valid = candidates.some((key) =>
    cryptoVerify(algorithm.hash, signedInfoOctets, algorithm.keyType === 'ec' ? { key, dsaEncoding: 'ieee-p1363' } : key, signatureValue),
  );
  if (!valid) fail('SIGNATURE_INVALID', 'signature value does not verify with any trusted key');

  const octets = canonicalize(el, { algorithm: transforms.c14n, prefixList: transforms.prefixList, exclude: signature });
  const digest = createHash(HASH_OF_DIGEST.get(digestAlgorithm) as string).update(octets, 'utf8').digest();
  const expected = decodeBase64(textOf(digestValue as Element), 'SIGNATURE_INVALID');
  if (digest.length !== expected.length || !timingSafeEqual(digest, expected)) {
    fail('DIGEST_MISMATCH', 'signed element digest differs');
  }
  return el;
}

/** saml-core §5.4.4: enveloped-signature, then exclusive c14n (with or without comments). */
function readTransforms(reference: Element): { c14n: string; prefixList: string[] } {
  const container = optionalChild(reference, 'ds', 'Transforms');
  const transforms = container ? childrenNamed(container, 'ds', 'Transform') : [];
  if (container && transforms.length !== elementChildren(container).length) fail('TRANSFORM_FORBIDDEN', 'unknown element in Transforms');
  let c14n: string | undefined;
  let prefixList: string[] = [];
  transforms.forEach((transform, index) => {
    const algorithm = requiredAttribute(transform, 'Algorithm');
    if (algorithm === TRANSFORM.envelopedSignature && index === 0) return;
    if ((algorithm === TRANSFORM.excC14n || algorithm === TRANSFORM.excC14nWithComments) && c14n === undefined && index === transforms.length - 1) {
      c14n = algorithm;
      prefixList = prefixListOf(transform);
      return;
    }
    fail('TRANSFORM_FORBIDDEN', `transform ${algorithm.slice(0, 80)} not allowed here`);
  });
  // Without a c14n transform, xmldsig would fall back to inclusive C14N 1.0, which SAML excludes.
  if (c14n === undefined) fail('TRANSFORM_FORBIDDEN', 'reference lacks an exclusive c14n transform');
  return { c14n, prefixList };
}

function prefixListOf(parent: Element): string[] {
  const inclusive = optionalChild(parent, 'ec', 'InclusiveNamespaces');
  const list = inclusive ? attribute(inclusive, 'PrefixList') ?? '' : '';
  return list.split(/\s+/).filter((prefix) => prefix !== '');
}
