import fc from 'fast-check';
import { isXmlText, type RenderOptions, type TextStyle } from './xml-tree.js';
import { NS } from './saml-ns.js';
import { RSA_SHA1, RSA_SHA256, RSA_SHA512, type SignerName } from './resign.js';

/**
 * Shared generators: text that is hard on parsers and comparisons (whitespace of every kind,
 * combining marks, bidi controls, astral characters, markup characters, lookalikes), and the
 * syntactic variants an XML document can take without changing what it says.
 */
const TRICKY = [
  ' ', '\t', '\n', '\r', '\r\n', '\u00a0', '\u2028', '\u2029', '\ufeff', '\u200b', '\u3000', '\u0085', '\u180e', '\u1680',
  'e\u0301', '\u00e9', '\u{1d49c}', '\u{1f600}', '<', '&', '>', ']]>', '"', "'", '--', '<!--', '&amp;', '&#0;', '\u202e',
  '\u0130', '\u00df', '\ufb00', '\uff21', 'admin', '@', '%00', '{', '}', '\\', '/', '..', '\u0000', '\u0001', '\ufffe',
] as const;

/** Text of XML Chars only (XML 1.0 §2.2), as a conforming IdP can sign it. */
const bmpChar = fc.integer({ min: 0x20, max: 0xfffd }).map((n) => String.fromCharCode(n >= 0xd800 && n <= 0xdfff ? n - 0x800 : n));
export const xmlText: fc.Arbitrary<string> = fc
  .array(
    fc.oneof(
      { arbitrary: fc.constantFrom(...TRICKY), weight: 3 },
      { arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: 10 }), weight: 3 },
      { arbitrary: fc.string({ unit: bmpChar, maxLength: 6 }), weight: 2 },
      { arbitrary: fc.string({ unit: 'grapheme', maxLength: 6 }), weight: 1 },
      { arbitrary: fc.string({ unit: 'binary', maxLength: 4 }), weight: 1 },
      { arbitrary: fc.constantFrom('alice', 'bob', 'x', 'alice-1234'), weight: 2 },
    ),
    { maxLength: 6 },
  )
  .map((parts) => [...parts.join('')].filter((c) => isXmlText(c)).join(''));

/** Text that may also hold characters XML forbids (a signer that does not check writes them). */
export const anyText: fc.Arbitrary<string> = fc.array(fc.oneof(fc.constantFrom(...TRICKY), fc.string({ unit: 'binary', maxLength: 10 })), { maxLength: 5 }).map((parts) => parts.join(''));

/** Attribute Names, including those an object-based map gets wrong. */
export const attributeName: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', 'prototype', 'issuer', 'name_id_content', 'mail', 'groups', 'MAIL', 'mail ', 'urn:oid:0.9.2342.19200300.100.1.3', ''),
  xmlText,
);

export const textStyle: fc.Arbitrary<TextStyle> = fc.constantFrom('plain', 'charref', 'cdata', 'mixed');

const PREFIX_CHOICES = ['samlp', 'saml', 'saml2', 'saml2p', 'a', 'b', 'ns1', 'xs', 'xsi', 'ds', ''] as const;

/** Prefixes for samlp, saml, xs, xsi: distinct; only samlp or saml may be the default namespace. */
const prefixes: fc.Arbitrary<ReadonlyMap<string, string>> = fc
  .tuple(fc.constantFrom(...PREFIX_CHOICES), fc.constantFrom(...PREFIX_CHOICES), fc.constantFrom('xs', 'x', 'xsd', 'saml'), fc.constantFrom('xsi', 'i', 'xs'))
  .filter(([p, a, xs, xsi]) => new Set([p, a, xs, xsi]).size === 4)
  .map(([p, a, xs, xsi]) => new Map([[NS.samlp, p], [NS.saml, a], [NS.xs, xs], [NS.xsi, xsi]]));

export const renderOptions: fc.Arbitrary<RenderOptions> = fc.record(
  {
    prefixes,
    declare: fc.constantFrom('root' as const, 'each' as const, 'minimal' as const),
    quote: fc.constantFrom('"' as const, "'" as const),
    reverseAttributes: fc.boolean(),
    between: fc.constantFrom('', '\n', '\n  ', ' ', '\r\n', '\t', '<!-- c -->', '<!---->', '\n<!-- x -->\n'),
    textStyle,
    charrefAttributes: fc.boolean(),
    declaration: fc.constantFrom(undefined, '<?xml version="1.0"?>', '<?xml version="1.0" encoding="UTF-8"?>', "<?xml version='1.0' encoding='utf-8' standalone='yes'?>", '<?xml version="1.0"?>\n'),
    bom: fc.oneof({ arbitrary: fc.constant(false), weight: 15 }, { arbitrary: fc.constant(true), weight: 1 }),
  },
  { requiredKeys: [] },
);

/** The canonical rendering: what an ordinary IdP writes. */
export const PLAIN_RENDER: RenderOptions = { prefixes: new Map([[NS.samlp, 'samlp'], [NS.saml, 'saml'], [NS.xs, 'xs'], [NS.xsi, 'xsi']]), declare: 'minimal' };

export interface Signing {
  readonly signer: SignerName;
  readonly algorithm: string;
}

export const signing: fc.Arbitrary<Signing> = fc.record({
  signer: fc.oneof({ arbitrary: fc.constant('core' as const), weight: 4 }, { arbitrary: fc.constant('xml-crypto' as const), weight: 3 }, { arbitrary: fc.constant('xmlsec1' as const), weight: 2 }),
  algorithm: fc.oneof({ arbitrary: fc.constant(RSA_SHA256), weight: 16 }, { arbitrary: fc.constant(RSA_SHA512), weight: 2 }, { arbitrary: fc.constant(RSA_SHA1), weight: 1 }),
});

/** A fraction in [0, 1): where in a list or a string. */
export const fraction = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

/** `list[floor(f * length)]`. */
export function pick<T>(list: readonly T[], f: number): T | undefined {
  return list[Math.floor(f * list.length)];
}

/** Seconds around now, dense near the clock-skew edges (180 s). */
export const offset = fc.oneof(fc.constantFrom(-31_536_000, -86_400, -3600, -600, -240, -181, -179, -60, 0, 60, 179, 181, 240, 600, 3600, 31_536_000), fc.integer({ min: -4000, max: 4000 }));

/** Outside `[-skew - margin, skew + margin]` vs inside `[-skew + margin, skew - margin]`; between is a tie. */
export function timeVerdict(late: boolean, seconds: number, skew = 180, margin = 30): 'ok' | 'bad' | 'tie' {
  const s = late ? seconds : -seconds;
  if (s > skew + margin) return 'bad';
  if (s < skew - margin) return 'ok';
  return 'tie';
}
