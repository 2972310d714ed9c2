import type { CompiledTemplate, TemplateField, TemplateSegment } from './template-parse.js';
import type { IdpSettings, MellonAttributes } from './types.js';

export {
  parseTemplate,
  TemplateError,
  type CompiledTemplate,
  type TemplateErrorReason,
  type TemplateField,
  type TemplateRoot,
  type TemplateSegment,
} from './template-parse.js';

/** What a template can reach: the same three names django-mellon passes to `str.format`. */
export interface TemplateValues {
  readonly realm: string;
  readonly attributes: MellonAttributes;
  readonly idp: IdpSettings;
}

/** Why a field could not be filled for this login. */
export type FormatFailure =
  | 'MISSING_KEY' // no such attribute (or idp key); Python's KeyError
  | 'INDEX_OUT_OF_RANGE' // `[2]` of a two-value list; Python's IndexError
  | 'NOT_INDEXABLE' // `[name]` on a list or a string; Python's TypeError
  | 'NOT_A_STRING'; // the field ends on a list or a dict, which Python would print as its repr

export type FormatResult =
  | { readonly ok: true; readonly value: string }
  | { readonly ok: false; readonly reason: FormatFailure; /** The field as written in the settings. */ readonly field: string };

/**
 * The keys `{idp[...]}` may read. django-mellon passes its whole IdP dict; we expose only plain
 * strings that are safe in a username, under our names and, for templates copied from a Django
 * project, `ENTITY_ID`.
 */
const IDP_KEYS: ReadonlyMap<string, (idp: IdpSettings) => string> = new Map([
  ['entityId', (idp: IdpSettings) => idp.entityId],
  ['ENTITY_ID', (idp: IdpSettings) => idp.entityId],
  ['realm', (idp: IdpSettings) => idp.realm],
]);

type Resolved =
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'list'; readonly value: readonly string[] }
  | { readonly kind: 'attributes'; readonly value: MellonAttributes }
  | { readonly kind: 'idp'; readonly value: IdpSettings };

type Step = Resolved | { readonly kind: 'failure'; readonly reason: FormatFailure };

/**
 * Fills a compiled template. Never throws for missing data and never prints "undefined": a field
 * that cannot be filled is a `{ ok: false, reason }` result.
 * @example
 * const username = formatTemplate(parseTemplate('{attributes[uid][0]}@{realm}'), { realm, attributes, idp });
 * if (username.ok) console.log(username.value);
 */
export function formatTemplate(compiled: CompiledTemplate, values: TemplateValues): FormatResult {
  let out = '';
  for (const part of compiled.parts) {
    if (typeof part === 'string') {
      out += part;
      continue;
    }
    const resolved = resolveField(part, values);
    if (resolved.kind === 'failure') return { ok: false, reason: resolved.reason, field: part.text };
    if (resolved.kind !== 'string') return { ok: false, reason: 'NOT_A_STRING', field: part.text };
    out += resolved.value;
  }
  return { ok: true, value: out };
}

function resolveField(field: TemplateField, values: TemplateValues): Step {
  let current: Step =
    field.root === 'realm'
      ? { kind: 'string', value: values.realm }
      : field.root === 'attributes'
        ? { kind: 'attributes', value: values.attributes }
        : { kind: 'idp', value: values.idp };
  for (const segment of field.path) {
    if (current.kind === 'failure') break;
    current = step(current, segment);
  }
  return current;
}

function step(current: Resolved, segment: TemplateSegment): Step {
  switch (current.kind) {
    case 'attributes': {
      // Python looks an all-digits key up as an int, which no attribute name is.
      if (segment.kind === 'index') return { kind: 'failure', reason: 'MISSING_KEY' };
      // Own properties only: `{attributes[__proto__]}` or `[constructor]` reach nothing.
      const value = Object.hasOwn(current.value, segment.key) ? current.value[segment.key] : undefined;
      if (value === undefined) return { kind: 'failure', reason: 'MISSING_KEY' };
      return typeof value === 'string' ? { kind: 'string', value } : { kind: 'list', value };
    }
    case 'idp': {
      const read = segment.kind === 'key' ? IDP_KEYS.get(segment.key) : undefined;
      return read === undefined ? { kind: 'failure', reason: 'MISSING_KEY' } : { kind: 'string', value: read(current.value) };
    }
    case 'list': {
      if (segment.kind === 'key') return { kind: 'failure', reason: 'NOT_INDEXABLE' };
      const value = current.value[segment.index];
      return value === undefined ? { kind: 'failure', reason: 'INDEX_OUT_OF_RANGE' } : { kind: 'string', value };
    }
    case 'string': {
      if (segment.kind === 'key') return { kind: 'failure', reason: 'NOT_INDEXABLE' };
      // Python indexes a str by code point, not by UTF-16 unit.
      const value = Array.from(current.value)[segment.index];
      return value === undefined ? { kind: 'failure', reason: 'INDEX_OUT_OF_RANGE' } : { kind: 'string', value };
    }
  }
}
