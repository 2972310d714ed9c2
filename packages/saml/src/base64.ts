import { fail, type MellonErrorCode } from './errors.js';

// The four XML whitespace characters; base64 in XML and form posts may be wrapped with them.
const XML_WHITESPACE = [' ', '\n', '\r', '\t'] as const;

/**
 * Strict base64 (RFC 4648 §4, canonical, padded), whitespace allowed between characters; anything
 * else is `code`. Node's decoder silently skips invalid characters, so the result is re-encoded and
 * compared: equal exactly when the input was canonical base64. This is several times cheaper than
 * a regular-expression pass over the text (bench: docs/performance.md).
 */
export function decodeBase64(text: string, code: MellonErrorCode = 'BASE64_INVALID'): Buffer {
  let compact = text;
  for (const ws of XML_WHITESPACE) if (compact.includes(ws)) compact = compact.replaceAll(ws, '');
  const bytes = Buffer.from(compact, 'base64');
  if (bytes.toString('base64') !== compact) fail(code, 'value is not base64');
  return bytes;
}
