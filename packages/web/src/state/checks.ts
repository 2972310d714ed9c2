/*
 * The argument rules of the state port (port.ts), checked once, before any backend sees a call,
 * so that every backend accepts and refuses exactly the same inputs. A broken rule is a
 * programming error in a role (TypeError / RangeError), not a store outage.
 */

/** Namespace and channel names: identifiers chosen by code, safe in every backend's key layout. */
const NAME = /^[A-Za-z0-9._:-]{1,100}$/;

/** A lone surrogate (not encodable as UTF-8: two keys would collide) or U+0000 (PostgreSQL text refuses it). */
const UNSTORABLE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]|\u0000/;

/** `\u0000` as JSON.stringify writes U+0000, not preceded by an escaping backslash. */
const JSON_NUL = /(?<!\\)(?:\\\\)*\\u0000/;

/** PostgreSQL's NOTIFY payload is under 8000 bytes; a message gets half, leaving room for the names. */
export const MAX_MESSAGE_BYTES = 4000;

/** The longest TTL accepted (about 31 years): anything longer is a unit mistake. */
export const MAX_TTL_MS = 1e12;

export function checkName(what: 'namespace' | 'channel', name: unknown): string {
  if (typeof name !== 'string' || !NAME.test(name)) throw new TypeError(`state store: a ${what} name is 1-100 of A-Z a-z 0-9 . _ : -`);
  return name;
}

export function checkString(what: 'key' | 'member' | 'message', value: unknown): string {
  if (typeof value !== 'string') throw new TypeError(`state store: a ${what} is a string`);
  if (UNSTORABLE.test(value)) throw new TypeError(`state store: a ${what} must be well-formed Unicode without U+0000`);
  return value;
}

export function checkMessage(message: unknown): string {
  const text = checkString('message', message);
  if (Buffer.byteLength(text, 'utf8') > MAX_MESSAGE_BYTES) throw new RangeError(`state store: a message is at most ${MAX_MESSAGE_BYTES} UTF-8 bytes`);
  return text;
}

/** A TTL as whole milliseconds (rounded up: a TTL never ends early). */
export function checkTtl(ttlMs: unknown): number {
  if (typeof ttlMs !== 'number' || !(ttlMs > 0) || ttlMs > MAX_TTL_MS) throw new RangeError(`state store: a TTL is a number of milliseconds in (0, ${MAX_TTL_MS}]`);
  return Math.ceil(ttlMs);
}

/** The JSON text of a value, as every backend stores it. */
export function encodeValue(value: unknown): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (err) {
    throw new TypeError('state store: the value is not JSON-serialisable', { cause: err });
  }
  // JSON.stringify returns undefined (typed as string) for undefined, functions and symbols.
  if (typeof json !== 'string') throw new TypeError('state store: the value is not JSON-serialisable');
  if (JSON_NUL.test(json)) throw new TypeError('state store: a value must not contain U+0000');
  return json;
}
