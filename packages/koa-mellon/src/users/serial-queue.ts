/**
 * Runs async writes one at a time. The state store has no transactions, so a save is
 * read-modify-write; within one process this queue keeps two of them from interleaving between
 * awaits. Across instances, usernames are claimed atomically and indexes are append-only sets
 * (state-user-store.ts); docs/state.md#users says what is still not transactional.
 */
export interface SerialQueue {
  /** Runs `task` after every task queued before it. */
  run<T>(task: () => Promise<T>): Promise<T>;
  /**
   * Resolves once the tasks queued so far are done, without joining the queue: reads wait for
   * earlier writes (read-your-writes in this process) but not for each other.
   */
  settled(): Promise<void>;
}

export function createSerialQueue(): SerialQueue {
  let tail: Promise<void> = Promise.resolve();
  return {
    run<T>(task: () => Promise<T>): Promise<T> {
      const run = tail.then(task);
      // The next task waits for this one whether it succeeds or fails.
      tail = run.then(
        () => undefined,
        () => undefined,
      );
      return run;
    },
    settled: () => tail,
  };
}
