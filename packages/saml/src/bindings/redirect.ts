import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { sign as cryptoSign, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { decodeBase64 } from '../base64.js';
import { fail, failWithDetail, MellonError } from '../errors.js';
import { SIGNATURE_ALGORITHM_INFO, isSignatureAlgorithmAllowed, type AlgorithmPolicy } from '../constants/algorithms.js';
import { DEFAULT_MAX_BYTES } from '../xml/parse.js';
import { defaultSignatureAlgorithm } from '../xmldsig/sign.js';
import { keyDetail, signatureAlgorithmDetail } from '../xmldsig/refusal-detail.js';

export type SamlParameter = 'SAMLRequest' | 'SAMLResponse';

export interface RedirectEncodeOptions {
  /** The peer's endpoint; may already carry a query string. */
  readonly url: string;
  readonly parameter: SamlParameter;
  readonly xml: string;
  readonly relayState?: string | undefined;
  /** Signs the query string (saml-bindings §3.4.4.1) when given. */
  readonly signingKey?: KeyObject | undefined;
  readonly signatureAlgorithm?: string | undefined;
}

/**
 * HTTP-Redirect encoding (saml-bindings §3.4.4): raw DEFLATE, base64, URL-encoding; the signature,
 * when a key is given, covers the octets `SAMLRequest=…&RelayState=…&SigAlg=…` exactly as sent.
 */
export function encodeRedirect(options: RedirectEncodeOptions): string {
  const payload = deflateRawSync(Buffer.from(options.xml, 'utf8')).toString('base64');
  let query = `${options.parameter}=${encodeURIComponent(payload)}`;
  if (options.relayState !== undefined) query += `&RelayState=${encodeURIComponent(options.relayState)}`;
  if (options.signingKey) {
    const algorithm = options.signatureAlgorithm ?? defaultSignatureAlgorithm(options.signingKey);
    const info = SIGNATURE_ALGORITHM_INFO.get(algorithm);
    if (!info) throw new MellonError('SIGNATURE_ALGORITHM_FORBIDDEN', 'unknown signature algorithm');
    query += `&SigAlg=${encodeURIComponent(algorithm)}`;
    const key = info.keyType === 'ec' ? { key: options.signingKey, dsaEncoding: 'ieee-p1363' as const } : options.signingKey;
    query += `&Signature=${encodeURIComponent(cryptoSign(info.hash, Buffer.from(query, 'utf8'), key).toString('base64'))}`;
  }
  return `${options.url}${options.url.includes('?') ? '&' : '?'}${query}`;
}

/** A decoded HTTP-Redirect message, with the exact octets its signature covers. */
export interface RedirectMessage {
  readonly parameter: SamlParameter;
  readonly xml: string;
  readonly relayState?: string | undefined;
  readonly signature?: { readonly algorithm: string; readonly value: Buffer; readonly signedOctets: Buffer } | undefined;
}

/**
 * Decodes an HTTP-Redirect query string as received (`ctx.querystring`, not re-encoded):
 * saml-bindings §3.4.4.1 requires verifying over the octets the sender produced. Each SAML
 * parameter must appear at most once; inflation is capped at `maxBytes`.
 */
export function decodeRedirect(rawQuery: string, options: { maxBytes?: number | undefined } = {}): RedirectMessage {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  if (rawQuery.length > maxBytes * 2) fail('INPUT_TOO_LARGE', 'query string too long');
  const raw = new Map<string, string>();
  for (const pair of rawQuery.replace(/^\?/, '').split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const name = eq < 0 ? pair : pair.slice(0, eq);
    if (!['SAMLRequest', 'SAMLResponse', 'RelayState', 'SigAlg', 'Signature'].includes(name)) continue;
    if (raw.has(name)) fail('BINDING_INVALID', `duplicate ${name}`);
    raw.set(name, eq < 0 ? '' : pair.slice(eq + 1));
  }
  const parameter: SamlParameter | undefined = raw.has('SAMLRequest') ? 'SAMLRequest' : raw.has('SAMLResponse') ? 'SAMLResponse' : undefined;
  if (!parameter || (raw.has('SAMLRequest') && raw.has('SAMLResponse'))) fail('BINDING_INVALID', 'exactly one of SAMLRequest / SAMLResponse required');
  const value = decodeComponent(raw.get(parameter) as string);
  const xml = inflate(decodeBase64(value), maxBytes);
  const relayState = raw.has('RelayState') ? decodeComponent(raw.get('RelayState') as string) : undefined;
  let signature: RedirectMessage['signature'];
  if (raw.has('Signature') || raw.has('SigAlg')) {
    if (!raw.has('Signature') || !raw.has('SigAlg')) fail('BINDING_INVALID', 'Signature and SigAlg go together');
    let octets = `${parameter}=${raw.get(parameter)}`;
    if (raw.has('RelayState')) octets += `&RelayState=${raw.get('RelayState')}`;
    octets += `&SigAlg=${raw.get('SigAlg')}`;
    signature = {
      algorithm: decodeComponent(raw.get('SigAlg') as string),
      value: decodeBase64(decodeComponent(raw.get('Signature') as string), 'SIGNATURE_INVALID'),
      signedOctets: Buffer.from(octets, 'utf8'),
    };
  }
  return { parameter, xml, relayState, signature };
}

/**
 * Verifies the detached signature of a decoded Redirect message with trusted keys; an unsigned
 * message is SIGNATURE_MISSING. The verified message's XML is then the one to read.
 */
export function verifyRedirectSignature(message: RedirectMessage, keys: readonly KeyObject[], policy?: AlgorithmPolicy): void {
  const signature = message.signature;
  if (!signature) fail('SIGNATURE_MISSING', 'Redirect message is not signed');
  if (!isSignatureAlgorithmAllowed(signature.algorithm, policy)) failWithDetail('SIGNATURE_ALGORITHM_FORBIDDEN', 'SigAlg not allowed', signatureAlgorithmDetail(signature.algorithm.slice(0, 200), policy));
  const info = SIGNATURE_ALGORITHM_INFO.get(signature.algorithm);
  const candidates = keys.filter((key) => key.asymmetricKeyType === info?.keyType);
  // The operator's detail: a detached signature names no key, so only the trusted ones are shown.
  const keysDetail = () => keyDetail(undefined, keys, '(not named: HTTP-Redirect signatures carry no KeyInfo)');
  if (!info || candidates.length === 0) failWithDetail('NO_TRUSTED_KEY', 'no trusted key for SigAlg', keysDetail());
  // The SigAlg URI is XMLDSig's, so an ECDSA value is r || s as in XMLDSig (RFC 4050 §3.3).
  const ok = candidates.some((key) =>
    cryptoVerify(info.hash, signature.signedOctets, info.keyType === 'ec' ? { key, dsaEncoding: 'ieee-p1363' } : key, signature.value),
  );
  if (!ok) failWithDetail('SIGNATURE_INVALID', 'Redirect signature does not verify', keysDetail());
}

function decodeComponent(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch (err) {
    throw new MellonError('BINDING_INVALID', 'bad URL encoding', { cause: err });
  }
}

function inflate(data: Buffer, maxBytes: number): string {
  try {
    return inflateRawSync(data, { maxOutputLength: maxBytes }).toString('utf8');
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw new MellonError('INPUT_TOO_LARGE', 'inflated message too large', { cause: err });
    throw new MellonError('INFLATE_FAILED', 'cannot inflate Redirect message', { cause: err });
  }
}
