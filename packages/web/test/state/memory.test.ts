import { createMemoryStore, type MemoryStateStore } from '../../src/index.js';
import { describeConformance } from './conformance.js';

// The memory store is its own server: "two instances" are two views of the one store, and races
// run 50 concurrent callers in this process.
describeConformance(
  'memory',
  async () => {
    const store: MemoryStateStore = createMemoryStore();
    return {
      // Closing it must not end the shared store: only stop() does.
      open: async () => ({ namespace: (name: string) => store.namespace(name), close: async () => undefined }),
      fresh: async () => createMemoryStore(),
      stop: () => store.close(),
    };
  },
  { server: false },
);
