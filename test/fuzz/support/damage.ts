import fc from 'fast-check';

/**
 * Damage done after signing (nobody re-signs it): to the bytes of the XML, to their base64, and to
 * the form that carries them. A correct endpoint refuses it, or (when the damage missed everything
 * the signature covers and everything it reads) accepts exactly what was signed.
 */
export type ByteDamage =
  | { readonly kind: 'flip'; readonly at: number; readonly xor: number }
  | { readonly kind: 'delete'; readonly at: number; readonly length: number }
  | { readonly kind: 'insert'; readonly at: number; readonly bytes: readonly number[] }
  | { readonly kind: 'duplicate'; readonly at: number; readonly length: number }
  | { readonly kind: 'truncate'; readonly at: number }
  | { readonly kind: 'encoding'; readonly to: 'latin1' | 'utf16le' | 'utf16be' | 'overlong' | 'invalid-utf8' };

export type Base64Damage =
  | { readonly kind: 'wrap'; readonly width: number; readonly eol: string }
  | { readonly kind: 'urlsafe' }
  | { readonly kind: 'unpad' }
  | { readonly kind: 'extra-pad' }
  | { readonly kind: 'invalid-char'; readonly at: number; readonly char: string }
  | { readonly kind: 'truncate'; readonly by: number }
  | { readonly kind: 'double' }
  | { readonly kind: 'empty' };

const fraction = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

export const byteDamage: fc.Arbitrary<ByteDamage> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fraction, xor: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fraction, length: fc.integer({ min: 1, max: 64 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fraction, bytes: fc.array(fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0x3c, 0x3e, 0x26, 0x22, 0x00, 0xc0, 0xef)), { minLength: 1, maxLength: 16 }) }),
  fc.record({ kind: fc.constant('duplicate' as const), at: fraction, length: fc.integer({ min: 1, max: 400 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fraction }),
  fc.record({ kind: fc.constant('encoding' as const), to: fc.constantFrom('latin1' as const, 'utf16le' as const, 'utf16be' as const, 'overlong' as const, 'invalid-utf8' as const) }),
);

export const base64Damage: fc.Arbitrary<Base64Damage> = fc.oneof(
  fc.record({ kind: fc.constant('wrap' as const), width: fc.integer({ min: 1, max: 120 }), eol: fc.constantFrom('\n', '\r\n', ' ', '\t') }),
  fc.constant({ kind: 'urlsafe' as const }),
  fc.constant({ kind: 'unpad' as const }),
  fc.constant({ kind: 'extra-pad' as const }),
  fc.record({ kind: fc.constant('invalid-char' as const), at: fraction, char: fc.constantFrom('!', '.', '-', '_', '=', '\u00e9', '%', '\u0000', '*') }),
  fc.record({ kind: fc.constant('truncate' as const), by: fc.integer({ min: 1, max: 8 }) }),
  fc.constant({ kind: 'double' as const }),
  fc.constant({ kind: 'empty' as const }),
);

/** The UTF-8 bytes of `xml`, damaged. */
export function damageBytes(xml: string, damage: ByteDamage | undefined): Buffer {
  const bytes = Buffer.from(xml, 'utf8');
  if (!damage) return bytes;
  const at = (f: number) => Math.min(bytes.length, Math.floor(f * bytes.length));
  switch (damage.kind) {
    case 'flip': {
      const copy = Buffer.from(bytes);
      const i = Math.min(copy.length - 1, at(damage.at));
      copy[i] = (copy[i] ?? 0) ^ damage.xor;
      return copy;
    }
    case 'delete':
      return Buffer.concat([bytes.subarray(0, at(damage.at)), bytes.subarray(at(damage.at) + damage.length)]);
    case 'insert':
      return Buffer.concat([bytes.subarray(0, at(damage.at)), Buffer.from(damage.bytes), bytes.subarray(at(damage.at))]);
    case 'duplicate':
      return Buffer.concat([bytes.subarray(0, at(damage.at) + damage.length), bytes.subarray(at(damage.at))]);
    case 'truncate':
      return bytes.subarray(0, at(damage.at));
    case 'encoding':
      return reencode(xml, damage.to);
  }
}

function reencode(xml: string, to: Extract<ByteDamage, { kind: 'encoding' }>['to']): Buffer {
  const body = xml.replace(/^\ufeff?(<\?xml[^?]*\?>)?/, '');
  switch (to) {
    case 'latin1':
      return Buffer.from(`<?xml version="1.0" encoding="ISO-8859-1"?>${body}`, 'latin1');
    case 'utf16le':
      return Buffer.from(`\ufeff<?xml version="1.0" encoding="UTF-16"?>${body}`, 'utf16le');
    case 'utf16be':
      return Buffer.from(`\ufeff<?xml version="1.0" encoding="UTF-16"?>${body}`, 'utf16le').swap16();
    case 'overlong': {
      // "<" as the overlong two-byte form C0 BC, which a strict UTF-8 decoder refuses.
      const bytes = Buffer.from(body, 'utf8');
      const i = bytes.indexOf(0x3c, 1);
      return i < 0 ? bytes : Buffer.concat([bytes.subarray(0, i), Buffer.from([0xc0, 0xbc]), bytes.subarray(i + 1)]);
    }
    case 'invalid-utf8': {
      const bytes = Buffer.from(body, 'utf8');
      const i = bytes.indexOf(0x3e);
      return Buffer.concat([bytes.subarray(0, i + 1), Buffer.from([0xff, 0xfe, 0x80]), bytes.subarray(i + 1)]);
    }
  }
}

/** Base64 of `bytes`, damaged. */
export function encodeBase64(bytes: Buffer, damage: Base64Damage | undefined): string {
  const b64 = bytes.toString('base64');
  if (!damage) return b64;
  switch (damage.kind) {
    case 'wrap':
      return b64.replace(new RegExp(`(.{${damage.width}})`, 'g'), `$1${damage.eol}`);
    case 'urlsafe':
      return b64.replace(/\+/g, '-').replace(/\//g, '_');
    case 'unpad':
      return b64.replace(/=+$/, '');
    case 'extra-pad':
      return `${b64}==`;
    case 'invalid-char': {
      const i = Math.floor(damage.at * b64.length);
      return b64.slice(0, i) + damage.char + b64.slice(i);
    }
    case 'truncate':
      return b64.slice(0, Math.max(0, b64.length - damage.by));
    case 'double':
      return Buffer.from(b64).toString('base64');
    case 'empty':
      return '';
  }
}

/** How a form post is written: its encoding, its parameters, its Content-Type. */
export interface FormShape {
  readonly encoding: 'standard' | 'raw' | 'percent-all' | 'lower-hex';
  readonly duplicate: 'none' | 'same' | 'other';
  readonly omitMessage: boolean;
  readonly extra: ReadonlyArray<readonly [string, string]>;
  readonly contentType: 'form' | 'form-charset' | 'text/plain' | 'multipart' | 'none' | 'json';
}

export const INTACT_FORM: FormShape = { encoding: 'standard', duplicate: 'none', omitMessage: false, extra: [], contentType: 'form' };

export const formShape: fc.Arbitrary<FormShape> = fc.record({
  encoding: fc.constantFrom('standard' as const, 'raw' as const, 'percent-all' as const, 'lower-hex' as const),
  duplicate: fc.constantFrom('none' as const, 'none' as const, 'none' as const, 'same' as const, 'other' as const),
  omitMessage: fc.oneof({ arbitrary: fc.constant(false), weight: 9 }, { arbitrary: fc.constant(true), weight: 1 }),
  extra: fc.array(fc.tuple(fc.constantFrom('junk', 'SAMLart', 'SigAlg', 'Signature', 'saml_response', 'samlresponse', '', '\u00e9'), fc.string({ maxLength: 20 })), { maxLength: 2 }),
  contentType: fc.constantFrom('form' as const, 'form' as const, 'form-charset' as const, 'text/plain' as const, 'multipart' as const, 'none' as const, 'json' as const),
});

/** True when the shape alone must make a correct endpoint refuse (the message is missing, doubled, or not a form). */
export function formMustRefuse(shape: FormShape): boolean {
  return shape.duplicate !== 'none' || shape.omitMessage || !['form', 'form-charset'].includes(shape.contentType);
}

/** The body and headers of a form post carrying `fields` (the SAML parameter first). */
export function writeForm(fields: ReadonlyArray<readonly [string, string]>, shape: FormShape): { body: Uint8Array; headers: Record<string, string> } {
  let pairs = [...fields];
  const [first] = pairs;
  if (shape.omitMessage) pairs = pairs.slice(1);
  if (first && !shape.omitMessage && shape.duplicate !== 'none') pairs.push([first[0], shape.duplicate === 'same' ? first[1] : `${first[1].slice(0, -4)}AAAA`]);
  pairs.push(...shape.extra);
  const encode = (value: string): string => {
    switch (shape.encoding) {
      case 'standard':
        return new URLSearchParams([['x', value]]).toString().slice(2);
      case 'raw':
        return value.replace(/[&%]/g, encodeURIComponent);
      case 'percent-all':
        return [...Buffer.from(value, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
      case 'lower-hex':
        return encodeURIComponent(value).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase());
    }
  };
  const body = pairs.map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&');
  const types: Record<FormShape['contentType'], string | undefined> = {
    form: 'application/x-www-form-urlencoded',
    'form-charset': 'application/x-www-form-urlencoded; charset=UTF-8',
    'text/plain': 'text/plain',
    multipart: 'multipart/form-data; boundary=xyz',
    none: undefined,
    json: 'application/json',
  };
  const type = types[shape.contentType];
  return { body: Buffer.from(body, 'utf8'), headers: type === undefined ? {} : { 'content-type': type } };
}
