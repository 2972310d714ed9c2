import type { Runtime } from '../runtime.js';

// Values that help nobody reading a log and should not sit in one: signature values, ciphertext,
// certificates. The rest of the message (issuer, NameID, attributes) is what debugging is for.
const REDACTED = /(<(?:[\w-]+:)?(?:SignatureValue|CipherValue|X509Certificate|DigestValue)\b[^>]*>)[^<]*(<\/)/g;

/** With `debug: true`, logs a decoded SAML message at debug level, redacted. */
export function logDecoded(rt: Runtime, what: string, xml: string): void {
  if (!rt.settings.debug) return;
  rt.logger.debug({ message: xml.replace(REDACTED, '$1[redacted]$2').slice(0, 64 * 1024) }, `koa-mellon: decoded ${what}`);
}
