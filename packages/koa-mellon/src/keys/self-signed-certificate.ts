import { createHash, randomBytes, sign, type KeyObject } from 'node:crypto';
import forge from 'node-forge';

const { asn1 } = forge;
type Asn1 = forge.asn1.Asn1;

/** What goes into the certificate besides the key. */
export interface CertificateOptions {
  /** The subject and issuer CN. */
  readonly commonName: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

/**
 * A self-signed X.509 v3 certificate (RFC 5280) for an RSA or EC P-256 key pair, signed with
 * sha256WithRSAEncryption or ecdsa-with-SHA256, as PEM. SAML peers use the certificate only to
 * carry the public key, so it holds what RFC 5280 requires and two extensions, nothing more.
 *
 * One DER builder serves both key types: node-forge's certificate API signs RSA only, and
 * node:crypto (OpenSSL) makes the signature here for either type.
 */
export function createSelfSignedCertificate(privateKey: KeyObject, publicKey: KeyObject, options: CertificateOptions): string {
  const algorithm = signatureAlgorithm(privateKey);
  const name = distinguishedName(options.commonName);
  const spkiDer = publicKey.export({ type: 'spki', format: 'der' });
  // forge keeps a parsed BIT STRING's original octets, so the key is re-encoded byte for byte.
  const spki = asn1.fromDer(spkiDer.toString('binary'));
  const tbs = sequence([
    // RFC 5280 §4.1.2.1: version [0] EXPLICIT, v3 is 2.
    context(0, [integer(Buffer.of(2))]),
    integer(serialNumber()),
    algorithm,
    name,
    sequence([time(options.notBefore), time(options.notAfter)]),
    name,
    spki,
    context(3, [sequence(extensions(spkiDer))]),
  ]);
  const tbsDer = Buffer.from(asn1.toDer(tbs).getBytes(), 'binary');
  // For EC keys node:crypto returns the DER Ecdsa-Sig-Value that RFC 5480 §2.2.3 asks for.
  const signature = sign('sha256', tbsDer, privateKey);
  const certificate = sequence([tbs, algorithm, bitString(signature)]);
  const base64 = Buffer.from(asn1.toDer(certificate).getBytes(), 'binary').toString('base64');
  return `-----BEGIN CERTIFICATE-----\n${base64.replace(/.{1,64}/g, '$&\n')}-----END CERTIFICATE-----\n`;
}

function signatureAlgorithm(key: KeyObject): Asn1 {
  if (key.asymmetricKeyType === 'rsa') {
    // RFC 4055 §5: sha256WithRSAEncryption, parameters NULL.
    return sequence([oid('1.2.840.113549.1.1.11'), asn1.create(asn1.Class.UNIVERSAL, asn1.Type.NULL, false, '')]);
  }
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') {
    // RFC 5758 §3.2: ecdsa-with-SHA256, parameters absent.
    return sequence([oid('1.2.840.10045.4.3.2')]);
  }
  throw new TypeError(`cannot certify a ${key.asymmetricKeyType ?? 'unknown'} key: expected RSA or EC P-256`);
}

function extensions(spkiDer: Buffer): Asn1[] {
  // RFC 7093 §2 method 4: a hash of the DER SubjectPublicKeyInfo, cut to 160 bits; an identifier only.
  const keyId = createHash('sha256').update(spkiDer).digest().subarray(0, 20);
  return [
    // RFC 5280 §4.2.1.9: basicConstraints, critical, cA FALSE (the default, so an empty SEQUENCE).
    extension('2.5.29.19', true, sequence([])),
    // §4.2.1.2: subjectKeyIdentifier.
    extension('2.5.29.14', false, octetString(keyId)),
  ];
}

function extension(id: string, critical: boolean, value: Asn1): Asn1 {
  const parts = [oid(id)];
  if (critical) parts.push(asn1.create(asn1.Class.UNIVERSAL, asn1.Type.BOOLEAN, false, '\xff'));
  parts.push(asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OCTETSTRING, false, asn1.toDer(value).getBytes()));
  return sequence(parts);
}

function distinguishedName(commonName: string): Asn1 {
  const cn = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.UTF8, false, forge.util.encodeUtf8(commonName));
  return sequence([asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SET, true, [sequence([oid('2.5.4.3'), cn])])]);
}

/** RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050. */
function time(date: Date): Asn1 {
  return date.getUTCFullYear() < 2050
    ? asn1.create(asn1.Class.UNIVERSAL, asn1.Type.UTCTIME, false, asn1.dateToUtcTime(date))
    : asn1.create(asn1.Class.UNIVERSAL, asn1.Type.GENERALIZEDTIME, false, asn1.dateToGeneralizedTime(date));
}

/** RFC 5280 §4.1.2.2: positive, at most 20 octets, unpredictable. */
function serialNumber(): Buffer {
  const bytes = randomBytes(16);
  // Top bit clear keeps it positive; the 0x40 bit keeps the DER minimal (no leading zero octet).
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x40;
  return bytes;
}

const sequence = (children: Asn1[]): Asn1 => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, children);
const oid = (id: string): Asn1 => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(id).getBytes());
const integer = (bytes: Buffer): Asn1 => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.INTEGER, false, bytes.toString('binary'));
const octetString = (bytes: Buffer): Asn1 => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OCTETSTRING, false, bytes.toString('binary'));
// The leading octet counts the unused bits of the last byte: none.
const bitString = (bytes: Buffer): Asn1 => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.BITSTRING, false, `\x00${bytes.toString('binary')}`);
// forge's Type enum names the universal tags; a context-specific tag is just its number.
const context = (tag: number, children: Asn1[]): Asn1 => asn1.create(asn1.Class.CONTEXT_SPECIFIC, tag as forge.asn1.Type, true, children);
