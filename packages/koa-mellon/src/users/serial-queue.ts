/**
 * Runs async writes one at a time. Keyv has no transactions, so index updates are
 * read-modify-write; within one process this queue keeps two of them from interleaving between
 * awaits. Across processes (several instances on one Redis) it does not help: see
 * docs/adapters.md#the-keyv-user-store.
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
