import { createHash, timingSafeEqual, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { fail, failWithDetail } from '../errors.js';
import { digestAlgorithmDetail, keyDetail, signatureAlgorithmDetail } from './refusal-detail.js';
import {
  CANONICALIZATION_ALGORITHMS,
  HASH_OF_DIGEST,
  REFUSED_CANONICALIZATION_NAMES,
  SHA1_URIS,
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

/** The `<ds:Signature>` child of `el`, wherever it stands among the children; two are refused. */
export function findSignature(el: Element): Element | undefined {
  return optionalChild(el, 'ds', 'Signature');
}

/**
 * Splits `children` into the one enveloped `<ds:Signature>` and the rest, for reading the rest in
 * schema order. The schema puts the signature right after Issuer, but some IdPs append it last
 * (Auth0, 2016). Where it stands changes nothing it covers: the enveloped-signature transform
 * removes it wherever it is, and it must still reference its parent by ID. Two are refused.
 */
export function separateSignature(children: readonly Element[]): { signature: Element | undefined; rest: Element[] } {
  const signatures = children.filter((child) => isElement(child, 'ds', 'Signature'));
  if (signatures.length > 1) fail('XML_UNEXPECTED_CONTENT', `${signatures.length} signatures on one element`);
  return { signature: signatures[0], rest: signatures.length === 0 ? [...children] : children.filter((child) => child !== signatures[0]) };
}

/**
 * Verifies the enveloped signature `signature` of `el` and returns `el`: the element the signature
 * covers, on which every later read must work. Refuses (each with its own code) anything but
 * exactly one Reference to `#` + el's own unique ID, transforms other than enveloped-signature
 * and one canonicalization (exclusive c14n, or inclusive C14N 1.0 without comments), algorithms
 * outside the allow-list, and a SignedInfo or digest that does not verify with one of the
 * caller's keys. KeyInfo is never read.
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
  if (!CANONICALIZATION_ALGORITHMS.has(c14nAlgorithm)) {
    fail('SIGNATURE_ALGORITHM_FORBIDDEN', `SignedInfo canonicalization ${describeCanonicalization(c14nAlgorithm)} not allowed`);
  }
  const signatureAlgorithm = requiredAttribute(signatureMethod as Element, 'Algorithm');
  if (!isSignatureAlgorithmAllowed(signatureAlgorithm, options.policy)) {
    failWithDetail('SIGNATURE_ALGORITHM_FORBIDDEN', `signature method ${signatureAlgorithm.slice(0, 80)} not allowed${sha1Hint(signatureAlgorithm)}`, signatureAlgorithmDetail(signatureAlgorithm, options.policy));
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
    failWithDetail('SIGNATURE_ALGORITHM_FORBIDDEN', `digest method ${digestAlgorithm.slice(0, 80)} not allowed${sha1Hint(digestAlgorithm)}`, digestAlgorithmDetail(digestAlgorithm, options.policy));
  }

  // Authenticate SignedInfo first: only then are its reference and digest worth computing.
  const algorithm = SIGNATURE_ALGORITHM_INFO.get(signatureAlgorithm);
  const candidates = options.keys.filter((key) => key.asymmetricKeyType === algorithm?.keyType);
  if (!algorithm || candidates.length === 0) failWithDetail('NO_TRUSTED_KEY', `no trusted ${algorithm?.keyType ?? ''} key`, keyDetail(signature, options.keys));
  const signedInfoOctets = Buffer.from(
    canonicalize(signedInfo, { algorithm: c14nAlgorithm, prefixList: prefixListOf(c14nMethod as Element) }),
    'utf8',
  );
  const signatureValue = decodeBase64(textOf(requiredChild(signature, 'ds', 'SignatureValue')), 'SIGNATURE_INVALID');
  const valid = candidates.some((key) =>
    cryptoVerify(algorithm.hash, signedInfoOctets, algorithm.keyType === 'ec' ? { key, dsaEncoding: 'ieee-p1363' } : key, signatureValue),
  );
  if (!valid) failWithDetail('SIGNATURE_INVALID', 'signature value does not verify with any trusted key', keyDetail(signature, options.keys));

  const octets = canonicalize(el, { algorithm: transforms.c14n, prefixList: transforms.prefixList, exclude: signature });
  const digest = createHash(HASH_OF_DIGEST.get(digestAlgorithm) as string).update(octets, 'utf8').digest();
  const expected = decodeBase64(textOf(digestValue as Element), 'SIGNATURE_INVALID');
  if (digest.length !== expected.length || !timingSafeEqual(digest, expected)) {
    fail('DIGEST_MISMATCH', 'signed element digest differs');
  }
  return el;
}

/**
 * saml-core §5.4.4: enveloped-signature, then one canonicalization. Exclusive c14n is what SAML
 * recommends; inclusive C14N 1.0 is accepted too (older IdPs use it), and is also what xmldsig-core
 * §4.3.3.2 applies when a Reference names no canonicalization at all.
 */
function readTransforms(reference: Element): { c14n: string; prefixList: string[] } {
  const container = optionalChild(reference, 'ds', 'Transforms');
  const transforms = container ? childrenNamed(container, 'ds', 'Transform') : [];
  if (container && transforms.length !== elementChildren(container).length) fail('TRANSFORM_FORBIDDEN', 'unknown element in Transforms');
  let c14n: string | undefined;
  let prefixList: string[] = [];
  transforms.forEach((transform, index) => {
    const algorithm = requiredAttribute(transform, 'Algorithm');
    if (algorithm === TRANSFORM.envelopedSignature && index === 0) return;
    if (CANONICALIZATION_ALGORITHMS.has(algorithm) && c14n === undefined && index === transforms.length - 1) {
      c14n = algorithm;
      prefixList = algorithm === TRANSFORM.c14n10 ? [] : prefixListOf(transform);
      return;
    }
    fail('TRANSFORM_FORBIDDEN', `transform ${describeCanonicalization(algorithm)} not allowed here`);
  });
  return { c14n: c14n ?? TRANSFORM.c14n10, prefixList };
}

/** A refused algorithm's name when we know it (Canonical XML 1.1...), else its URI, cut short. */
function describeCanonicalization(uri: string): string {
  const name = REFUSED_CANONICALIZATION_NAMES.get(uri);
  return name === undefined ? uri.slice(0, 80) : `${name} (${uri})`;
}

/** SHA-1 is known and refused by default only: say which policy turns it on. */
function sha1Hint(uri: string): string {
  return SHA1_URIS.has(uri) ? ' (SHA-1 is off by default; the allowSha1 setting accepts it)' : '';
}

function prefixListOf(parent: Element): string[] {
  const inclusive = optionalChild(parent, 'ec', 'InclusiveNamespaces');
  const list = inclusive ? attribute(inclusive, 'PrefixList') ?? '' : '';
  return list.split(/\s+/).filter((prefix) => prefix !== '');
}
