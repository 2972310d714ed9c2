import { fail, type MellonErrorCode } from './errors.js';

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Strict base64 (whitespace allowed between groups, as in XML and form posts); else `code`. */
export function decodeBase64(text: string, code: MellonErrorCode = 'BASE64_INVALID'): Buffer {
  const compact = text.replace(/[\s]+/g, '');
  if (compact.length % 4 !== 0 || !BASE64.test(compact)) fail(code, 'value is not base64');
  return Buffer.from(compact, 'base64');
}
