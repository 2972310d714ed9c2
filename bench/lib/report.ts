import type { Variant } from './variants.js';

/** How one contender fared on one variant. */
export type Outcome =
  | { readonly kind: 'timed'; readonly medianUs: number; readonly note?: string | undefined }
  | { readonly kind: 'n/a'; readonly note: string };

export interface Row {
  readonly variant: Variant;
  readonly bytes: number;
  readonly iterations: number;
  readonly outcomes: ReadonlyMap<string, Outcome>;
}

const COLUMNS = ['us', 'node-saml', 'samlify', 'floor'] as const;

/** The results as a Markdown table with numbered notes, ready to paste into docs/performance.md. */
export function renderTable(rows: readonly Row[]): string[] {
  const notes: string[] = [];
  const cell = (outcome: Outcome | undefined): string => {
    if (!outcome) return '—';
    const text = outcome.kind === 'timed' ? `${formatUs(outcome.medianUs)}` : 'n/a';
    return outcome.note === undefined ? text : `${text} [${noteNumber(notes, outcome.note)}]`;
  };
  const lines = [
    '| variant | bytes | us µs | node-saml µs | samlify µs | floor µs | node-saml/us | samlify/us | us/floor | n |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const row of rows) {
    const [us, nodeSaml, samlify, floor] = COLUMNS.map((name) => row.outcomes.get(name));
    lines.push(
      `| ${row.variant.label} | ${row.bytes.toLocaleString('en-US')} | ${[us, nodeSaml, samlify, floor].map(cell).join(' | ')} | ` +
        `${ratio(nodeSaml, us)} | ${ratio(samlify, us)} | ${ratio(us, floor)} | ${row.iterations} |`,
    );
  }
  return [...lines, '', ...notes.map((note, i) => `[${i + 1}] ${note}`)];
}

/** The 1-based number of `note` in `notes`, appending it the first time. */
export function noteNumber(notes: string[], note: string): number {
  const index = notes.indexOf(note);
  return index >= 0 ? index + 1 : notes.push(note);
}

export function formatUs(us: number): string {
  return Math.round(us).toLocaleString('en-US');
}

/** `a / b` as "12.3×", or "—" when either side was not timed. */
export function ratio(a: Outcome | undefined, b: Outcome | undefined): string {
  if (a?.kind !== 'timed' || b?.kind !== 'timed') return '—';
  const value = a.medianUs / b.medianUs;
  return `${value >= 10 ? value.toFixed(0) : value.toFixed(1)}×`;
}
