import type { XmlsecCipher } from '../../test/helpers/xmlsec.js';

/** One kind of Response the benchmark times, and how long it may spend on it. */
export interface Variant {
  readonly key: string;
  readonly label: string;
  /** Attribute name → values, in the AttributeStatement. */
  readonly attributes: Record<string, string[]>;
  readonly signResponse: boolean;
  readonly encrypt?: XmlsecCipher;
  /** Whether to probe which signatures each library checks (see probes.ts). */
  readonly probe: boolean;
  /** Wall-clock budget for the timed loop, all contenders together. */
  readonly budgetMs: number;
  /** Timed iterations done even when the budget runs out first. */
  readonly minIterations: number;
  readonly warmupIterations: number;
  readonly warmupMs: number;
}

/** `count` single-valued attributes, as an IdP releasing many claims sends them. */
function manyAttributes(count: number): Record<string, string[]> {
  const attributes: Record<string, string[]> = {};
  for (let i = 0; i < count; i++) attributes[`urn:example:attribute:${i}`] = [`value-${i}-of-${count}`];
  return attributes;
}

/** One attribute with `count` values: a user in many groups. */
function manyGroups(count: number): Record<string, string[]> {
  return {
    mail: ['alice@example.test'],
    groups: Array.from({ length: count }, (_, i) => `cn=group-${i},ou=groups,dc=example,dc=test`),
  };
}

// ~1.5 s per library (3 libraries; the floor costs little) for the small variants.
const SMALL = { budgetMs: 5_000, minIterations: 20, warmupIterations: 20, warmupMs: 1_000 } as const;

/** An Okta-like payload: ten claims. */
const TEN = manyAttributes(10);

export const VARIANTS: readonly Variant[] = [
  { key: 'a', label: 'a: assertion signed', attributes: TEN, signResponse: false, probe: true, ...SMALL },
  { key: 'b', label: 'b: response + assertion signed', attributes: TEN, signResponse: true, probe: true, ...SMALL },
  { key: 'c', label: 'c: encrypted aes256-cbc', attributes: TEN, signResponse: true, encrypt: 'aes256-cbc', probe: true, ...SMALL },
  { key: 'd', label: 'd: encrypted aes128-gcm', attributes: TEN, signResponse: true, encrypt: 'aes128-gcm', probe: true, ...SMALL },
  { key: 'e', label: 'e: 200 group values', attributes: manyGroups(200), signResponse: false, probe: false, ...SMALL },
  // The size sweep: variant a with more attributes. One samlify call on the largest takes
  // seconds, so the big ones settle for a few iterations (median of 5 at least).
  { key: 's10', label: 'sweep: 10 attributes', attributes: TEN, signResponse: false, probe: false, ...SMALL },
  { key: 's100', label: 'sweep: 100 attributes', attributes: manyAttributes(100), signResponse: false, probe: false, ...SMALL },
  { key: 's1000', label: 'sweep: 1,000 attributes', attributes: manyAttributes(1_000), signResponse: false, probe: false, budgetMs: 10_000, minIterations: 7, warmupIterations: 2, warmupMs: 0 },
  { key: 's5000', label: 'sweep: 5,000 attributes', attributes: manyAttributes(5_000), signResponse: false, probe: false, budgetMs: 20_000, minIterations: 5, warmupIterations: 1, warmupMs: 0 },
];
