import { randomBytes } from 'node:crypto';
import { mkdir, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** A held lock; `release` removes the file only if it is still ours. */
export interface Lock {
  release(): Promise<void>;
}

const POLL_MS = 100;

/**
 * Tries once to take the lock file `path`, created with `wx` so that exactly one process (or
 * source) of those sharing the cache directory wins. A lock older than `staleAfterMs` is the
 * remains of a crashed holder and is broken. Returns undefined when someone else holds it.
 */
export async function tryLock(path: string, now: number, staleAfterMs: number): Promise<Lock | undefined> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  for (let attempt = 0; attempt < 2; attempt++) {
    const token = randomBytes(12).toString('hex');
    try {
      await writeFile(path, JSON.stringify({ pid: process.pid, at: now, token }), { flag: 'wx', mode: 0o600 });
      return { release: () => releaseLock(path, token) };
    } catch (err) {
      // fs errors are ErrnoExceptions; a missing code is simply not EEXIST.
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (!(await isStale(path, now, staleAfterMs))) return undefined;
    await unlink(path).catch(() => undefined);
  }
  return undefined;
}

/**
 * Waits (polling) until `path` is gone or stale, for at most `maxWaitMs` of real time, or until
 * `signal` aborts. The poll timer is unref()ed: a wait never keeps the process alive.
 */
export async function waitForLock(path: string, now: () => number, staleAfterMs: number, maxWaitMs: number, signal?: AbortSignal): Promise<void> {
  const until = Date.now() + maxWaitMs;
  while (Date.now() < until && !signal?.aborted) {
    if (await isStale(path, now(), staleAfterMs)) return;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS).unref());
  }
}

/** True when the lock is absent, or older than `staleAfterMs` by the time written in it. */
async function isStale(path: string, now: number, staleAfterMs: number): Promise<boolean> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return true;
  }
  let at: unknown;
  try {
    // Read as unknown: a null or foreign value fails the typeof check (or throws, caught here).
    at = (JSON.parse(text) as { at?: unknown }).at;
  } catch {
    at = undefined;
  }
  if (typeof at === 'number') return now - at > staleAfterMs;
  // Caught between its creation and its content: judge by the file's own age.
  const stats = await stat(path).catch(() => undefined);
  return !stats || Date.now() - stats.mtimeMs > staleAfterMs;
}

async function releaseLock(path: string, token: string): Promise<void> {
  const text = await readFile(path, 'utf8').catch(() => '');
  if (text.includes(token)) await unlink(path).catch(() => undefined);
}
