import fc from 'fast-check';
import { stable } from './verdict.js';

/**
 * How many cases, from which seed. `FUZZ_RUNS` is the total over the whole suite (default 300:
 * the slice `npm test` runs); each property takes its share. `FUZZ_SEED` replays a run (a number),
 * or `random` draws a new one; unset, the slice uses a fixed seed so that `npm test` is
 * deterministic. `FUZZ_PATH` (from a failure report) jumps straight to the counterexample.
 */
const DEFAULT_RUNS = 300;
/**
 * The slice inside `npm test` is deterministic (a fixed seed), so CI judges the change, not the
 * draw; `npm run fuzz` draws a new seed each run and prints it with any failure.
 */
const DEFAULT_SEED = 3;

function readRuns(): number {
  const raw = process.env['FUZZ_RUNS'];
  const runs = raw === undefined || raw === '' ? DEFAULT_RUNS : Number(raw);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`FUZZ_RUNS must be a positive integer, not ${raw}`);
  return runs;
}

function readSeed(): number {
  const raw = process.env['FUZZ_SEED'];
  if (raw === undefined || raw === '') return DEFAULT_SEED;
  if (raw === 'random') return (Date.now() ^ Math.floor(Math.random() * 0x7fffffff)) | 0;
  const seed = Number(raw);
  if (!Number.isInteger(seed)) throw new Error(`FUZZ_SEED must be an integer or "random", not ${raw}`);
  return seed;
}

export const FUZZ_RUNS = readRuns();
export const FUZZ_SEED = readSeed();
const FUZZ_PATH = process.env['FUZZ_PATH'] || undefined;

/** This property's share of FUZZ_RUNS (at least one case). */
export function runsOf(share: number): number {
  return Math.max(1, Math.round(FUZZ_RUNS * share));
}

/** A hang guard for mocha (not a timing assertion): generous per case. */
export function timeoutFor(runs: number): number {
  return 120_000 + runs * 1_500;
}

/**
 * Runs `property` for `runs` cases. On failure the report carries fast-check's seed, path and
 * shrunk counterexample, and the command that replays it.
 */
export async function fuzz<T>(name: string, runs: number, property: fc.IAsyncPropertyWithHooks<T>): Promise<void> {
  console.log(`    ${name}: seed ${FUZZ_SEED}, ${runs} of ${FUZZ_RUNS} cases (replay: FUZZ_SEED=${FUZZ_SEED} FUZZ_RUNS=${FUZZ_RUNS} npm run fuzz)`);
  await fc.assert(property, {
    numRuns: runs,
    seed: FUZZ_SEED,
    ...(FUZZ_PATH ? { path: FUZZ_PATH } : {}),
    reporter(details) {
      if (!details.failed) return;
      const replay = `FUZZ_SEED=${details.seed} FUZZ_PATH=${details.counterexamplePath ?? ''} FUZZ_RUNS=${FUZZ_RUNS} npm run fuzz`;
      const cause = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
      throw new Error(`${name}\n${fc.defaultReportMessage(details) ?? 'failed'}\nReplay: ${replay}\n\nWhat went wrong (shrunk case):\n  ${cause}`);
    },
  });
}

/** Tallies what the cases did, printed after each property (so a run that only ever refuses shows it). */
export class Tally {
  private readonly counts = new Map<string, number>();

  add(outcome: string): void {
    this.counts.set(outcome, (this.counts.get(outcome) ?? 0) + 1);
  }

  report(name: string): string {
    const parts = [...this.counts].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`);
    return `    ${name}: ${parts.join(', ')}`;
  }
}

/** With FUZZ_DEBUG set (a number: characters per line), one line per case: outcome, last refusal logged, the case. */
export function debugCase(outcome: string, lastWarning: unknown, c: unknown): void {
  const width = Number(process.env['FUZZ_DEBUG'] ?? 0);
  if (!process.env['FUZZ_DEBUG']) return;
  const shown = stable(c, (key, value) => (key === 'prefixes' ? undefined : value));
  console.log(`${outcome} ${stable(lastWarning ?? null).slice(0, 160)} <- ${shown.slice(0, width > 0 ? width : 400)}`);
}
