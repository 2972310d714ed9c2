import { createHmac, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { fraction } from './arbitraries.js';

/**
 * The HTTP-Redirect binding (saml-bindings §3.4.4), written by the fuzzer itself so that every
 * octet can be varied: how the XML is compressed, how the query is percent-encoded and ordered,
 * which SigAlg is named, and what is damaged after the signature was computed.
 */
export interface QueryShape {
  readonly deflate: 'raw' | 'zlib' | 'gzip' | 'none' | 'stored';
  readonly percent: 'standard' | 'lower-hex' | 'all';
  readonly order: 'spec' | 'relay-first' | 'signature-first';
  readonly sigAlg: 'rsa-sha256' | 'rsa-sha512' | 'rsa-sha1' | 'hmac-sha256' | 'garbage';
  readonly duplicate: 'none' | 'message' | 'relay' | 'sigalg';
  readonly extra: ReadonlyArray<readonly [string, string]>;
  readonly after: QueryDamage | undefined;
}

/** Damage to the query after it was signed. */
export type QueryDamage =
  | { readonly kind: 'flip-message'; readonly at: number; readonly to: string }
  | { readonly kind: 'flip-signature'; readonly at: number }
  | { readonly kind: 'drop'; readonly name: 'Signature' | 'SigAlg' | 'RelayState' }
  | { readonly kind: 'relay'; readonly value: string }
  | { readonly kind: 'reencode' };

export const INTACT_QUERY: QueryShape = { deflate: 'raw', percent: 'standard', order: 'spec', sigAlg: 'rsa-sha256', duplicate: 'none', extra: [], after: undefined };

export const queryShape: fc.Arbitrary<QueryShape> = fc.record({
  deflate: fc.oneof({ arbitrary: fc.constant('raw' as const), weight: 6 }, { arbitrary: fc.constantFrom('zlib' as const, 'gzip' as const, 'none' as const, 'stored' as const), weight: 1 }),
  percent: fc.constantFrom('standard' as const, 'lower-hex' as const, 'all' as const),
  order: fc.oneof({ arbitrary: fc.constant('spec' as const), weight: 6 }, { arbitrary: fc.constantFrom('relay-first' as const, 'signature-first' as const), weight: 1 }),
  sigAlg: fc.oneof({ arbitrary: fc.constant('rsa-sha256' as const), weight: 10 }, { arbitrary: fc.constantFrom('rsa-sha512' as const, 'rsa-sha1' as const, 'hmac-sha256' as const, 'garbage' as const), weight: 1 }),
  duplicate: fc.oneof({ arbitrary: fc.constant('none' as const), weight: 12 }, { arbitrary: fc.constantFrom('message' as const, 'relay' as const, 'sigalg' as const), weight: 1 }),
  extra: fc.oneof({ arbitrary: fc.constant([]), weight: 6 }, { arbitrary: fc.array(fc.tuple(fc.constantFrom('junk', 'samlrequest', 'SAMLart', 'next', 'k', '\u00e9'), fc.string({ maxLength: 12 })), { maxLength: 2 }), weight: 1 }),
  after: fc.oneof(
    { arbitrary: fc.constant(undefined), weight: 6 },
    {
      arbitrary: fc.oneof(
        fc.record({ kind: fc.constant('flip-message' as const), at: fraction, to: fc.constantFrom('A', '+', '/', '%2B', '%', '=', ' ', '%00') }),
        fc.record({ kind: fc.constant('flip-signature' as const), at: fraction }),
        fc.record({ kind: fc.constant('drop' as const), name: fc.constantFrom('Signature' as const, 'SigAlg' as const, 'RelayState' as const) }),
        fc.record({ kind: fc.constant('relay' as const), value: fc.string({ maxLength: 10 }) }),
        fc.constant({ kind: 'reencode' as const }),
      ),
      weight: 1,
    },
  ),
});

const SIG_ALGS: Record<QueryShape['sigAlg'], string> = {
  'rsa-sha256': 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
  'rsa-sha512': 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512',
  'rsa-sha1': 'http://www.w3.org/2000/09/xmldsig#rsa-sha1',
  'hmac-sha256': 'http://www.w3.org/2001/04/xmldsig-more#hmac-sha256',
  garbage: 'urn:example:no-such-algorithm',
};

function compress(xml: string, how: QueryShape['deflate']): Buffer {
  const bytes = Buffer.from(xml, 'utf8');
  switch (how) {
    case 'raw':
      return deflateRawSync(bytes);
    case 'zlib':
      return deflateSync(bytes);
    case 'gzip':
      return gzipSync(bytes);
    case 'none':
      return bytes;
    case 'stored':
      return deflateRawSync(bytes, { level: 0 });
  }
}

function percent(value: string, how: QueryShape['percent']): string {
  switch (how) {
    case 'standard':
      return encodeURIComponent(value);
    case 'lower-hex':
      return encodeURIComponent(value).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase());
    case 'all':
      return [...Buffer.from(value, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
  }
}

/**
 * The query string (no `?`) carrying `xml` as `parameter`, signed with `key` when given, over the
 * octets `param=…[&RelayState=…]&SigAlg=…` in the order sent.
 */
export function encodeRedirectQuery(parameter: 'SAMLRequest' | 'SAMLResponse', xml: string, relayState: string | undefined, key: KeyObject | undefined, shape: QueryShape): string {
  const pairs: Array<[string, string]> = [[parameter, percent(compress(xml, shape.deflate).toString('base64'), shape.percent)]];
  if (relayState !== undefined) pairs.push(['RelayState', percent(relayState, shape.percent)]);
  if (key) pairs.push(['SigAlg', percent(SIG_ALGS[shape.sigAlg], shape.percent)]);
  if (shape.order === 'relay-first' && pairs.length > 1) pairs.unshift(...pairs.splice(1, 1));
  if (key) {
    const octets = Buffer.from(pairs.map(([k, v]) => `${k}=${v}`).join('&'), 'utf8');
    const signature =
      shape.sigAlg === 'hmac-sha256'
        ? createHmac('sha256', 'a key anyone could guess').update(octets).digest()
        : cryptoSign(shape.sigAlg === 'rsa-sha512' ? 'sha512' : shape.sigAlg === 'rsa-sha1' ? 'sha1' : 'sha256', octets, key);
    const entry: [string, string] = ['Signature', percent(signature.toString('base64'), shape.percent)];
    if (shape.order === 'signature-first') pairs.unshift(entry);
    else pairs.push(entry);
  }
  const dup = { none: undefined, message: parameter, relay: 'RelayState', sigalg: 'SigAlg' }[shape.duplicate];
  const original = pairs.find(([k]) => k === dup);
  if (original) pairs.push([original[0], original[1]]);
  for (const [k, v] of shape.extra) pairs.push([percent(k, 'standard'), percent(v, 'standard')]);
  return damageQuery(pairs, shape.after).map(([k, v]) => `${k}=${v}`).join('&');
}

function damageQuery(pairs: Array<[string, string]>, damage: QueryDamage | undefined): Array<[string, string]> {
  if (!damage) return pairs;
  const edit = (name: string, fn: (v: string) => string) => pairs.map(([k, v]): [string, string] => [k, k === name ? fn(v) : v]);
  const at = (v: string, f: number) => Math.floor(f * v.length);
  switch (damage.kind) {
    case 'flip-message': {
      const target = pairs.findIndex(([n]) => n === 'SAMLRequest' || n === 'SAMLResponse');
      return pairs.map(([k, v], i): [string, string] => {
        if (i !== target) return [k, v];
        const j = at(v, damage.at);
        // Always a change: the signed octets differ afterwards.
        return [k, v.slice(0, j) + (v[j] === damage.to ? 'B' : damage.to) + v.slice(j + 1)];
      });
    }
    case 'flip-signature':
      return edit('Signature', (v) => {
        const i = at(v, damage.at);
        return v.slice(0, i) + (v[i] === 'A' ? 'B' : 'A') + v.slice(i + 1);
      });
    case 'drop':
      return pairs.filter(([k]) => k !== damage.name);
    case 'relay':
      return pairs.some(([k]) => k === 'RelayState') ? edit('RelayState', () => encodeURIComponent(damage.value)) : [...pairs, ['RelayState', encodeURIComponent(damage.value)]];
    case 'reencode':
      return pairs.map(([k, v]): [string, string] => [k, v.replace(/%[0-9A-Fa-f]{2}/g, (m) => (m === m.toUpperCase() ? m.toLowerCase() : m.toUpperCase()))]);
  }
}

/**
 * Why the query alone must be refused, if it must: a parameter sent twice, or (when it is signed)
 * a forbidden SigAlg or signed octets changed after signing. Other orders, encodings and a
 * re-encoding that keeps every decoded value are the receiver's to take or refuse.
 */
export function queryMustRefuse(shape: QueryShape, signed: boolean, hasRelayState: boolean): string | undefined {
  const doubled = shape.duplicate === 'message' || (shape.duplicate === 'relay' && hasRelayState) || (shape.duplicate === 'sigalg' && signed);
  if (doubled) return `${shape.duplicate} parameter sent twice`;
  if (!signed) return undefined;
  if (shape.sigAlg === 'rsa-sha1' || shape.sigAlg === 'hmac-sha256' || shape.sigAlg === 'garbage') return `SigAlg ${shape.sigAlg} is not allowed`;
  const after = shape.after;
  if (!after || after.kind === 'reencode' || (after.kind === 'drop' && after.name === 'RelayState' && !hasRelayState)) return undefined;
  return `signed query damaged after signing (${after.kind}${after.kind === 'drop' ? ` ${after.name}` : ''})`;
}
