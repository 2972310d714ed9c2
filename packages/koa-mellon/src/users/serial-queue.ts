/**
 * Runs async tasks one at a time. Keyv has no transactions, so index updates are
 * read-modify-write; within one process this queue keeps two of them from interleaving between
 * awaits. Across processes (several instances on one Redis) it does not help: see
 * docs/adapters.md#the-keyv-user-store.
 */
export function createSerialQueue(): <T>(task: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(task: () => Promise<T>): Promise<T> => {
    const run = tail.then(task);
    // The next task waits for this one whether it succeeds or fails.
    tail = run.catch(() => undefined);
    return run;
  };
}
