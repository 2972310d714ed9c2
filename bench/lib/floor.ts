import { constants, createDecipheriv, createHash, privateDecrypt, verify, type KeyObject } from 'node:crypto';
import { createRequire } from 'node:module';
import { ExclusiveCanonicalization } from 'xml-crypto';
import type { BenchContext, Contender } from './contender.js';

// The floor parses with the @xmldom/xmldom that @koa-mellon/saml depends on (0.9), not the 0.8
// that node-saml and samlify bring, so that us/floor measures our code rather than a parser
// choice. The root @xmldom/xmldom types (0.8) describe the same DOMParser entry point.
const requireFromSaml = createRequire(new URL('../../packages/saml/package.json', import.meta.url));
const { DOMParser } = requireFromSaml('@xmldom/xmldom') as typeof import('@xmldom/xmldom');

const NS = {
  saml: 'urn:oasis:names:tc:SAML:2.0:assertion',
  ds: 'http://www.w3.org/2000/09/xmldsig#',
  xenc: 'http://www.w3.org/2001/04/xmlenc#',
} as const;

/** The block ciphers the fixtures use (xmlenc-core §5.2, xmlenc11 §5.2.4). */
const CIPHERS = new Map<string, { name: string; gcm: boolean }>([
  ['http://www.w3.org/2001/04/xmlenc#aes256-cbc', { name: 'aes-256-cbc', gcm: false }],
  ['http://www.w3.org/2009/xmlenc11#aes128-gcm', { name: 'aes-128-gcm', gcm: true }],
]);

const EXC_C14N = new ExclusiveCanonicalization();

/**
 * The least work any Node SP must do to trust these Responses with these parts: base64, one
 * xmldom parse, a DOM walk (no XPath), and per signature exc-c14n of the signed element and of
 * SignedInfo, sha256 and one RSA verify with a cached KeyObject; for an encrypted assertion, one
 * RSA-OAEP unwrap with a cached KeyObject, the AES decrypt and the parse of the plaintext. It makes
 * no SAML checks (algorithms, IDs, time, audience...). Failures throw, so the pre-flight check
 * proves the floor computes real signatures, not just walks the tree.
 */
export function createFloor(ctx: BenchContext): Contender {
  const parser = new DOMParser();
  // xmldom's Document is structurally the DOM's; a document parsed from a Response has a root.
  const parse = (xml: string): Element => parser.parseFromString(xml, 'text/xml').documentElement as unknown as Element;
  const verifyKey = ctx.idp.publicKey;
  const decryptKey = ctx.sp.privateKey;
  return {
    name: 'floor',
    async validate(samlResponse) {
      const response = parse(Buffer.from(samlResponse, 'base64').toString('utf8'));
      if (child(response, NS.ds, 'Signature')) checkEnvelopedSignature(response, verifyKey);
      const assertion = child(response, NS.saml, 'Assertion') ?? parse(decrypt(need(child(response, NS.saml, 'EncryptedAssertion')), decryptKey));
      checkEnvelopedSignature(assertion, verifyKey);
      return need(child(need(child(assertion, NS.saml, 'Subject')), NS.saml, 'NameID')).textContent ?? '';
    },
  };
}

function checkEnvelopedSignature(el: Element, key: KeyObject): void {
  const signature = need(child(el, NS.ds, 'Signature'));
  const signedInfo = need(child(signature, NS.ds, 'SignedInfo'));
  // xml-crypto types nodes as xmldom 0.8's; these are the same DOM shape.
  const signedInfoOctets = EXC_C14N.process(signedInfo as never, {});
  if (!verify('sha256', Buffer.from(signedInfoOctets, 'utf8'), key, base64Of(need(child(signature, NS.ds, 'SignatureValue'))))) {
    throw new Error('floor: SignatureValue does not verify');
  }
  // Enveloped-signature transform: the element without its Signature, then exc-c14n.
  const next = signature.nextSibling;
  el.removeChild(signature);
  const octets = EXC_C14N.process(el as never, {});
  el.insertBefore(signature, next);
  const digestValue = need(child(need(child(signedInfo, NS.ds, 'Reference')), NS.ds, 'DigestValue'));
  if (!createHash('sha256').update(octets, 'utf8').digest().equals(base64Of(digestValue))) throw new Error('floor: digest differs');
}

/** The EncryptedAssertion's plaintext: RSA-OAEP (SHA-1, as xmlsec1 writes it) then AES. */
function decrypt(encryptedAssertion: Element, key: KeyObject): string {
  const encryptedData = need(child(encryptedAssertion, NS.xenc, 'EncryptedData'));
  const algorithm = need(child(encryptedData, NS.xenc, 'EncryptionMethod')).getAttribute('Algorithm') ?? '';
  const cipher = CIPHERS.get(algorithm);
  if (!cipher) throw new Error(`floor: no cipher ${algorithm}`);
  const encryptedKey = need(child(need(child(encryptedData, NS.ds, 'KeyInfo')), NS.xenc, 'EncryptedKey'));
  const cek = privateDecrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, cipherValue(encryptedKey));
  const data = cipherValue(encryptedData);
  if (cipher.gcm) {
    // IV (12 bytes) | ciphertext | tag (16 bytes).
    const decipher = createDecipheriv(cipher.name as 'aes-128-gcm', cek, data.subarray(0, 12));
    decipher.setAuthTag(data.subarray(data.length - 16));
    return Buffer.concat([decipher.update(data.subarray(12, data.length - 16)), decipher.final()]).toString('utf8');
  }
  // IV (16 bytes) | ciphertext; the last plaintext byte counts the padding bytes.
  const decipher = createDecipheriv(cipher.name, cek, data.subarray(0, 16)).setAutoPadding(false);
  const padded = Buffer.concat([decipher.update(data.subarray(16)), decipher.final()]);
  return padded.subarray(0, padded.length - (padded[padded.length - 1] ?? 0)).toString('utf8');
}

function cipherValue(parent: Element): Buffer {
  return base64Of(need(child(need(child(parent, NS.xenc, 'CipherData')), NS.xenc, 'CipherValue')));
}

/** Node's base64 decoder skips the line breaks xmlsec1 writes. */
function base64Of(el: Element): Buffer {
  return Buffer.from(el.textContent ?? '', 'base64');
}

function child(parent: Element, namespaceURI: string, localName: string): Element | undefined {
  for (let node = parent.firstChild; node; node = node.nextSibling) {
    if (node.nodeType === 1 && (node as Element).localName === localName && (node as Element).namespaceURI === namespaceURI) return node as Element;
  }
  return undefined;
}

function need(el: Element | undefined): Element {
  if (!el) throw new Error('floor: expected element missing');
  return el;
}
