import { MellonError } from '@koa-mellon/saml';

/**
 * Parsing of django-mellon's templates (`USERNAME_TEMPLATE`, `ATTRIBUTE_MAPPING`), which are Python
 * `str.format` strings. The grammar is read by hand, never evaluated: only `{name}`, `{name[key]}`,
 * `{name[0]}` (chained), `!s`, and the `{{` / `}}` escapes. Everything else is refused here, at
 * start-up, rather than failing on the first login.
 */

/** The three names django-mellon passes to `format()`: `realm=`, `attributes=`, `idp=`. */
export type TemplateRoot = 'realm' | 'attributes' | 'idp';

/** One `[...]` of a field: a digits-only index is a number, as in Python. */
export type TemplateSegment = { readonly kind: 'key'; readonly key: string } | { readonly kind: 'index'; readonly index: number };

/** A replacement field, with its text as written (safe to log: it comes from the settings). */
export interface TemplateField {
  readonly text: string;
  readonly root: TemplateRoot;
  readonly path: readonly TemplateSegment[];
}

/** The result of `parseTemplate`: literal text and fields, in order. Build it once, format it often. */
export interface CompiledTemplate {
  readonly source: string;
  readonly parts: readonly (string | TemplateField)[];
}

/** Why a template was refused. */
export type TemplateErrorReason =
  | 'SYNTAX' // unbalanced braces or brackets, empty field or key
  | 'UNKNOWN_NAME' // not realm / attributes / idp (positional `{}` / `{0}` included)
  | 'ATTRIBUTE_ACCESS' // `{idp.entityId}`: Python getattr; use `[key]`
  | 'CONVERSION' // `!r` / `!a`: Python repr() output has no place in a username
  | 'FORMAT_SPEC'; // `{realm:>10}`: format specs are not supported

/** A template that cannot be used. Thrown by `parseTemplate`, i.e. at settings validation. */
export class TemplateError extends MellonError {
  override readonly name = 'TemplateError';
  readonly reason: TemplateErrorReason;
  /** Offset in the template where the problem was found. */
  readonly position: number;

  constructor(reason: TemplateErrorReason, position: number, message: string) {
    super('CONFIG_INVALID', `template: ${message} (at offset ${position})`);
    this.reason = reason;
    this.position = position;
  }
}

const ROOTS: ReadonlySet<string> = new Set<TemplateRoot>(['realm', 'attributes', 'idp']);
// Python turns an all-digits key into an int (`get_integer`); we keep to ASCII digits.
const DIGITS = /^[0-9]+$/;

/**
 * Parses and validates a Python `str.format` template.
 * @throws TemplateError (code `CONFIG_INVALID`) with a `reason`.
 * @example parseTemplate('{attributes[name_id_content]}@{realm}')
 */
export function parseTemplate(template: string): CompiledTemplate {
  const parts: (string | TemplateField)[] = [];
  let literal = '';
  let i = 0;
  while (i < template.length) {
    const c = template[i];
    const next = template[i + 1];
    if ((c === '{' && next === '{') || (c === '}' && next === '}')) {
      literal += c;
      i += 2;
    } else if (c === '}') {
      throw new TemplateError('SYNTAX', i, "single '}' (write '}}' for a literal brace)");
    } else if (c === '{') {
      if (literal !== '') parts.push(literal);
      literal = '';
      const { field, end } = parseField(template, i);
      parts.push(field);
      i = end;
    } else {
      literal += c;
      i += 1;
    }
  }
  if (literal !== '') parts.push(literal);
  return Object.freeze({ source: template, parts: Object.freeze(parts) });
}

/** Reads the field opening at `start` (a `{`); returns it and the offset after its `}`. */
function parseField(template: string, start: number): { field: TemplateField; end: number } {
  let i = start + 1;
  while (i < template.length && !'.[!:}{'.includes(template.charAt(i))) i += 1;
  if (i >= template.length) throw new TemplateError('SYNTAX', start, "field not closed by '}'");
  if (template[i] === '{') throw new TemplateError('SYNTAX', i, "'{' inside a field");
  const name = template.slice(start + 1, i);
  if (!ROOTS.has(name)) {
    throw new TemplateError('UNKNOWN_NAME', start, 'a field starts with realm, attributes or idp');
  }
  const path: TemplateSegment[] = [];
  for (;;) {
    const c = template[i];
    if (c === undefined) throw new TemplateError('SYNTAX', start, "field not closed by '}'");
    if (c === '}') break;
    if (c === '.') throw new TemplateError('ATTRIBUTE_ACCESS', i, "'.name' is not supported: use [name]");
    if (c === ':') throw new TemplateError('FORMAT_SPEC', i, 'format specs (:...) are not supported');
    if (c === '!') {
      const conversion = template[i + 1];
      if (conversion === 'r' || conversion === 'a') {
        throw new TemplateError('CONVERSION', i, `!${conversion} is not supported (only !s)`);
      }
      if (conversion !== 's') throw new TemplateError('SYNTAX', i, "'!' must be followed by s");
      const after = template[i + 2];
      if (after === ':') throw new TemplateError('FORMAT_SPEC', i + 2, 'format specs (:...) are not supported');
      if (after !== '}') throw new TemplateError('SYNTAX', i + 2, "expected '}' after the conversion");
      i += 2;
      break;
    }
    // c === '[': Python takes everything up to the next ']' as the key, braces and colons included.
    const close = template.indexOf(']', i + 1);
    if (close === -1) throw new TemplateError('SYNTAX', i, "'[' not closed by ']'");
    const key = template.slice(i + 1, close);
    if (key === '') throw new TemplateError('SYNTAX', i, 'empty [] in a field');
    path.push(toSegment(key, i));
    i = close + 1;
    if (i >= template.length || !'[.!:}'.includes(template.charAt(i))) {
      throw new TemplateError('SYNTAX', i, "only '[', '!' or '}' may follow ']'");
    }
  }
  // ROOTS.has(name) above: name is one of the TemplateRoot strings.
  const root = name as TemplateRoot;
  const field = Object.freeze({ text: template.slice(start, i + 1), root, path: Object.freeze(path) });
  return { field, end: i + 1 };
}

function toSegment(key: string, position: number): TemplateSegment {
  if (!DIGITS.test(key)) return { kind: 'key', key };
  const index = Number(key);
  if (!Number.isSafeInteger(index)) throw new TemplateError('SYNTAX', position, 'index too large');
  return { kind: 'index', index };
}
