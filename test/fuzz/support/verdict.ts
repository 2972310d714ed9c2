import { hygieneProblems, refusalCode, type Answer } from './http.js';

/**
 * How an exchange ended, as the fuzzer judges it: accepted (with what the app then knows),
 * refused (status and documented code), or something else (never allowed).
 */
export type Outcome<T> =
  | { readonly kind: 'accepted'; readonly result: T; readonly answers: readonly Answer[] }
  | { readonly kind: 'refused'; readonly status: number; readonly code: string | undefined; readonly answers: readonly Answer[] }
  | { readonly kind: 'other'; readonly answers: readonly Answer[] };

export function refused<T>(answers: readonly Answer[]): Outcome<T> {
  const last = answers[answers.length - 1] as Answer;
  return { kind: 'refused', status: last.status, code: refusalCode(last), answers };
}

export function describeOutcome<T>(outcome: Outcome<T>): string {
  const chain = outcome.answers.map((a) => `${a.request} → ${a.status}${a.location ? ` (${a.location.slice(0, 120)})` : ''}`).join('\n      ');
  const head = outcome.kind === 'refused' ? `refused ${outcome.status} ${outcome.code ?? '(no code)'}` : outcome.kind === 'accepted' ? `accepted: ${stable(outcome.result)}` : 'neither accepted nor refused';
  return `${head}\n      ${chain}`;
}

/** A failure of a property, with enough to reproduce it by hand. */
export class PropertyViolation extends Error {
  override readonly name = 'PropertyViolation';
}

/**
 * The checks every endpoint shares: no 5xx, no stack, path, infrastructure name, XML or PEM in any
 * body, every refusal with a documented code (not INTERNAL_ERROR), no unexpected error logged.
 */
export function checkCommon<T>(outcome: Outcome<T>, wire: readonly string[], errors: readonly unknown[], context: () => string): void {
  const problems = outcome.answers.flatMap((a) => hygieneProblems(a, wire));
  if (outcome.kind === 'refused' && outcome.code === 'INTERNAL_ERROR') problems.push('refused with INTERNAL_ERROR (a bad input reached an unexpected path)');
  if (outcome.kind === 'other') problems.push('the exchange ended neither in an acceptance nor in a refusal');
  if (errors.length > 0) problems.push(`unexpected errors logged: ${errors.map((e) => stable(e).slice(0, 300)).join(' | ')}`);
  if (problems.length > 0) throw new PropertyViolation(`${problems.join('\n  ')}\n  outcome: ${describeOutcome(outcome)}\n  ${context()}`);
}

/** The refusal code and status must not change when the same input meets the same state again. */
export function checkSameRefusal<T>(first: Outcome<T>, again: Outcome<T>, context: () => string): void {
  if (first.kind !== 'refused') return;
  if (again.kind !== 'refused' || again.code !== first.code || again.status !== first.status) {
    throw new PropertyViolation(`the same input, sent again to the same state, was not refused the same way\n  first: ${describeOutcome(first)}\n  again: ${describeOutcome(again)}\n  ${context()}`);
  }
}

/**
 * JSON with sorted keys (attribute maps compare by content, whatever their key order or
 * prototype), every character outside printable ASCII escaped so that a report shows it.
 */
export function stable(value: unknown, omit?: (key: string, value: unknown) => unknown): string {
  return ascii(JSON.stringify(value, (key, raw: unknown) => {
    const v = omit ? omit(key, raw) : raw;
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    // Entries of a null-prototype record too; `__proto__` stays an ordinary key in the pairs.
    return Object.keys(v).sort().map((k) => [k, (v as Record<string, unknown>)[k]]);
  }) ?? 'undefined');
}

/** `\uXXXX` for every UTF-16 unit outside printable ASCII. */
export function ascii(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
