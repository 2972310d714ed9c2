import type { IdpVariant } from './idp-scenario.js';
import type { PrimitiveTiming } from './idp-primitives.js';
import type { Produced } from './idp-preflight.js';
import { formatUs, noteNumber, ratio, type Outcome } from './report.js';

/** How each IdP contender fared on one variant. */
export interface IdpRow {
  readonly variant: IdpVariant;
  readonly iterations: number;
  readonly outcomes: ReadonlyMap<string, Outcome>;
  /** What each contender that passed the pre-flight check produced. */
  readonly produced: ReadonlyMap<string, Produced>;
}

export const NODE_SAML_NOTE = 'node-saml has no IdP role: it builds AuthnRequests and logout messages and validates Responses, but cannot issue a Response.';

/** The results as Markdown, ready to paste into docs/performance.md: timings, what was built, primitives. */
export function renderIdpReport(rows: readonly IdpRow[], primitives: readonly PrimitiveTiming[]): string[] {
  const notes: string[] = [];
  const cell = (outcome: Outcome | undefined): string => {
    if (!outcome) return '—';
    const text = outcome.kind === 'timed' ? formatUs(outcome.medianUs) : 'n/a';
    return outcome.note === undefined ? text : `${text} [${noteNumber(notes, outcome.note)}]`;
  };
  const bytes = (row: IdpRow, name: string): string => row.produced.get(name)?.bytes.toLocaleString('en-US') ?? '—';
  const lines = [
    '| variant | us µs | samlify µs | node-saml µs | samlify/us | us bytes | samlify bytes | n |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const row of rows) {
    const us = row.outcomes.get('us');
    const samlify = row.outcomes.get('samlify');
    const nodeSaml: Outcome = { kind: 'n/a', note: NODE_SAML_NOTE };
    lines.push(
      `| ${row.variant.label} | ${cell(us)} | ${cell(samlify)} | ${cell(nodeSaml)} | ${ratio(samlify, us)} | ` +
        `${bytes(row, 'us')} | ${bytes(row, 'samlify')} | ${row.iterations} |`,
    );
  }
  const built = rows.flatMap((row) => [...row.produced].map(([name, produced]) => `- ${row.variant.key}, ${name}: ${produced.algorithms.join('; ')}`));
  return [
    ...lines,
    '',
    ...notes.map((note, i) => `[${i + 1}] ${note}`),
    '',
    'Accepted by our SP, with these algorithms:',
    '',
    ...built,
    '',
    '| primitive (node:crypto alone) | µs |',
    '|---|---:|',
    ...primitives.map((p) => `| ${p.name} | ${p.medianUs >= 10 ? formatUs(p.medianUs) : p.medianUs.toFixed(1)} |`),
  ];
}
