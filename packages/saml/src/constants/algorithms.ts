/**
 * Algorithm identifiers and the allow-lists built from them. An identifier missing from a list is
 * refused: there is no fallback (xmldsig-core §6, xmlenc-core §5).
 */
export const SIGNATURE_ALGORITHM = {
  rsaSha1: 'http://www.w3.org/2000/09/xmldsig#rsa-sha1',
  rsaSha256: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
  rsaSha384: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha384',
  rsaSha512: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512',
  ecdsaSha1: 'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha1',
  ecdsaSha256: 'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256',
  ecdsaSha384: 'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384',
  ecdsaSha512: 'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512',
} as const;
export type SignatureAlgorithm = (typeof SIGNATURE_ALGORITHM)[keyof typeof SIGNATURE_ALGORITHM];

export const DIGEST_ALGORITHM = {
  sha1: 'http://www.w3.org/2000/09/xmldsig#sha1',
  sha256: 'http://www.w3.org/2001/04/xmlenc#sha256',
  sha384: 'http://www.w3.org/2001/04/xmldsig-more#sha384',
  sha512: 'http://www.w3.org/2001/04/xmlenc#sha512',
} as const;
export type DigestAlgorithm = (typeof DIGEST_ALGORITHM)[keyof typeof DIGEST_ALGORITHM];

export const TRANSFORM = {
  envelopedSignature: 'http://www.w3.org/2000/09/xmldsig#enveloped-signature',
  excC14n: 'http://www.w3.org/2001/10/xml-exc-c14n#',
  excC14nWithComments: 'http://www.w3.org/2001/10/xml-exc-c14n#WithComments',
  /** Inclusive Canonical XML 1.0 without comments: older IdPs sign with it (saml-core §5.4.3 only says SHOULD be exclusive). */
  c14n10: 'http://www.w3.org/TR/2001/REC-xml-c14n-20010315',
} as const;

/** Canonicalization methods a signature may name, for SignedInfo and as a Reference's last transform. */
export const CANONICALIZATION_ALGORITHMS: ReadonlySet<string> = new Set([TRANSFORM.excC14n, TRANSFORM.excC14nWithComments, TRANSFORM.c14n10]);

/** Known but refused canonicalizations, named in the refusal so that an operator knows what the IdP used. */
export const REFUSED_CANONICALIZATION_NAMES: ReadonlyMap<string, string> = new Map([
  ['http://www.w3.org/2006/12/xml-c14n11', 'Canonical XML 1.1'],
  ['http://www.w3.org/2006/12/xml-c14n11#WithComments', 'Canonical XML 1.1 with comments'],
  ['http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments', 'Canonical XML 1.0 with comments'],
]);

export const BLOCK_ENCRYPTION = {
  aes128Cbc: 'http://www.w3.org/2001/04/xmlenc#aes128-cbc',
  aes192Cbc: 'http://www.w3.org/2001/04/xmlenc#aes192-cbc',
  aes256Cbc: 'http://www.w3.org/2001/04/xmlenc#aes256-cbc',
  aes128Gcm: 'http://www.w3.org/2009/xmlenc11#aes128-gcm',
  aes192Gcm: 'http://www.w3.org/2009/xmlenc11#aes192-gcm',
  aes256Gcm: 'http://www.w3.org/2009/xmlenc11#aes256-gcm',
} as const;
export type BlockEncryptionAlgorithm = (typeof BLOCK_ENCRYPTION)[keyof typeof BLOCK_ENCRYPTION];

export const KEY_TRANSPORT = {
  rsaOaepMgf1p: 'http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p',
  rsaOaep: 'http://www.w3.org/2009/xmlenc11#rsa-oaep',
  rsa15: 'http://www.w3.org/2001/04/xmlenc#rsa-1_5',
} as const;
export type KeyTransportAlgorithm = (typeof KEY_TRANSPORT)[keyof typeof KEY_TRANSPORT];

/** xmlenc11 §5.5.2: MGF identifiers for http://www.w3.org/2009/xmlenc11#rsa-oaep. */
export const MGF = {
  sha1: 'http://www.w3.org/2009/xmlenc11#mgf1sha1',
  sha224: 'http://www.w3.org/2009/xmlenc11#mgf1sha224',
  sha256: 'http://www.w3.org/2009/xmlenc11#mgf1sha256',
  sha384: 'http://www.w3.org/2009/xmlenc11#mgf1sha384',
  sha512: 'http://www.w3.org/2009/xmlenc11#mgf1sha512',
} as const;

/** Hash names node:crypto understands, per URI. */
export const HASH_OF_DIGEST: ReadonlyMap<string, string> = new Map([
  [DIGEST_ALGORITHM.sha1, 'sha1'],
  [DIGEST_ALGORITHM.sha256, 'sha256'],
  [DIGEST_ALGORITHM.sha384, 'sha384'],
  [DIGEST_ALGORITHM.sha512, 'sha512'],
]);

export const HASH_OF_MGF: ReadonlyMap<string, string> = new Map([
  [MGF.sha1, 'sha1'],
  [MGF.sha224, 'sha224'],
  [MGF.sha256, 'sha256'],
  [MGF.sha384, 'sha384'],
  [MGF.sha512, 'sha512'],
]);

export interface SignatureAlgorithmInfo {
  readonly keyType: 'rsa' | 'ec';
  readonly hash: string;
}

export const SIGNATURE_ALGORITHM_INFO: ReadonlyMap<string, SignatureAlgorithmInfo> = new Map([
  [SIGNATURE_ALGORITHM.rsaSha1, { keyType: 'rsa', hash: 'sha1' }],
  [SIGNATURE_ALGORITHM.rsaSha256, { keyType: 'rsa', hash: 'sha256' }],
  [SIGNATURE_ALGORITHM.rsaSha384, { keyType: 'rsa', hash: 'sha384' }],
  [SIGNATURE_ALGORITHM.rsaSha512, { keyType: 'rsa', hash: 'sha512' }],
  [SIGNATURE_ALGORITHM.ecdsaSha1, { keyType: 'ec', hash: 'sha1' }],
  [SIGNATURE_ALGORITHM.ecdsaSha256, { keyType: 'ec', hash: 'sha256' }],
  [SIGNATURE_ALGORITHM.ecdsaSha384, { keyType: 'ec', hash: 'sha384' }],
  [SIGNATURE_ALGORITHM.ecdsaSha512, { keyType: 'ec', hash: 'sha512' }],
]);

export const BLOCK_CIPHER_INFO: ReadonlyMap<string, { cipher: string; keyBytes: number; gcm: boolean }> = new Map([
  [BLOCK_ENCRYPTION.aes128Cbc, { cipher: 'aes-128-cbc', keyBytes: 16, gcm: false }],
  [BLOCK_ENCRYPTION.aes192Cbc, { cipher: 'aes-192-cbc', keyBytes: 24, gcm: false }],
  [BLOCK_ENCRYPTION.aes256Cbc, { cipher: 'aes-256-cbc', keyBytes: 32, gcm: false }],
  [BLOCK_ENCRYPTION.aes128Gcm, { cipher: 'aes-128-gcm', keyBytes: 16, gcm: true }],
  [BLOCK_ENCRYPTION.aes192Gcm, { cipher: 'aes-192-gcm', keyBytes: 24, gcm: true }],
  [BLOCK_ENCRYPTION.aes256Gcm, { cipher: 'aes-256-gcm', keyBytes: 32, gcm: true }],
]);

/**
 * What a caller may relax. Everything else is fixed: HMAC signature methods, XSLT/XPath transforms
 * and unknown URIs are never accepted.
 */
export interface AlgorithmPolicy {
  /** Accept rsa-sha1 / ecdsa-sha1 signatures and sha1 digests. Default false. */
  readonly allowSha1?: boolean;
  /** Accept rsa-1_5 key transport (Bleichenbacher-prone). Default false. */
  readonly allowRsa15KeyTransport?: boolean;
  /** Narrow the accepted signature algorithms further (URIs). Default: every SHA-2 RSA and ECDSA method. */
  readonly signatureAlgorithms?: readonly string[];
  /** Narrow the accepted block ciphers further (URIs). Default: AES-GCM and AES-CBC, 128/192/256. */
  readonly encryptionAlgorithms?: readonly string[];
}

/** The SHA-1 signature methods and digest, refused unless `allowSha1`. */
export const SHA1_URIS: ReadonlySet<string> = new Set([
  SIGNATURE_ALGORITHM.rsaSha1,
  SIGNATURE_ALGORITHM.ecdsaSha1,
  DIGEST_ALGORITHM.sha1,
]);

/** True when the policy lets this signature method through. */
export function isSignatureAlgorithmAllowed(uri: string, policy: AlgorithmPolicy = {}): boolean {
  if (!SIGNATURE_ALGORITHM_INFO.has(uri)) return false;
  if (SHA1_URIS.has(uri) && policy.allowSha1 !== true) return false;
  return policy.signatureAlgorithms === undefined || policy.signatureAlgorithms.includes(uri);
}

/** True when the policy lets this reference digest through. */
export function isDigestAlgorithmAllowed(uri: string, policy: AlgorithmPolicy = {}): boolean {
  if (!HASH_OF_DIGEST.has(uri)) return false;
  return !SHA1_URIS.has(uri) || policy.allowSha1 === true;
}

export function isBlockEncryptionAllowed(uri: string, policy: AlgorithmPolicy = {}): boolean {
  if (!BLOCK_CIPHER_INFO.has(uri)) return false;
  return policy.encryptionAlgorithms === undefined || policy.encryptionAlgorithms.includes(uri);
}

/**
 * RSA-OAEP (either URI) is always allowed: OAEP's SHA-1 is not used for collision resistance.
 * rsa-1_5 only when the policy says so.
 */
export function isKeyTransportAllowed(uri: string, policy: AlgorithmPolicy = {}): boolean {
  if (uri === KEY_TRANSPORT.rsaOaepMgf1p || uri === KEY_TRANSPORT.rsaOaep) return true;
  return uri === KEY_TRANSPORT.rsa15 && policy.allowRsa15KeyTransport === true;
}
