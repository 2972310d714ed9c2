import type { Contender } from './contender.js';

export interface TimingPlan {
  readonly budgetMs: number;
  readonly minIterations: number;
  readonly warmupIterations: number;
  /** Warm-up also lasts at least this long: V8 optimises hot code after time, not a call count. */
  readonly warmupMs: number;
}

/** Milliseconds per call, per contender name, in the order they were taken. */
export type Samples = ReadonlyMap<string, readonly number[]>;

/** Something to time: one call of `run` is one sample under `name`. */
export interface TimedCall {
  readonly name: string;
  run(): Promise<unknown>;
}

/**
 * Times every contender on the same input, one call each per iteration, so that machine noise
 * (other load, CPU frequency, GC debt) lands on all of them alike. The starting contender rotates
 * each iteration so that none always runs right after the one that leaves the most garbage.
 * Warm-up iterations first let V8 optimise every path before anything is recorded.
 */
export async function timeRoundRobin(contenders: readonly Contender[], samlResponse: string, plan: TimingPlan): Promise<Samples> {
  return timeCallsRoundRobin(
    contenders.map((contender) => ({ name: contender.name, run: () => contender.validate(samlResponse) })),
    plan,
  );
}

/** `timeRoundRobin` for any calls: validating a given Response, building one, a bare primitive. */
export async function timeCallsRoundRobin(calls: readonly TimedCall[], plan: TimingPlan): Promise<Samples> {
  const warmupStart = performance.now();
  for (let i = 0; i < plan.warmupIterations || performance.now() - warmupStart < plan.warmupMs; i++) {
    for (const call of calls) await call.run();
  }
  const samples = new Map<string, number[]>(calls.map((c) => [c.name, []]));
  const start = performance.now();
  for (let i = 0; i < plan.minIterations || performance.now() - start < plan.budgetMs; i++) {
    for (let k = 0; k < calls.length; k++) {
      const call = calls[(i + k) % calls.length] as TimedCall;
      const t0 = performance.now();
      await call.run();
      samples.get(call.name)?.push(performance.now() - t0);
    }
  }
  return samples;
}

/** The median: robust to the odd GC pause or scheduler hiccup that a mean would absorb. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
