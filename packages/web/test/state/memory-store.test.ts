import { expect } from 'chai';
import { createMemoryStore, type Logger } from '../../src/index.js';

/** A logger that keeps its warn lines. */
function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, debug: () => undefined, info: () => undefined, error: () => undefined, warn: (_, msg) => warnings.push(msg ?? '') };
}

async function eventually(check: () => boolean, ms = 5000): Promise<boolean> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}

const HOUR = 3_600_000;

describe('createMemoryStore', () => {
  describe('sweep', () => {
    it('removes expired entries in the background, without anyone reading them', async () => {
      const store = createMemoryStore({ sweepIntervalMs: 10 });
      try {
        const [requests, sessions] = [store.namespace('requests'), store.namespace('sessions')];
        for (let i = 0; i < 25_000; i++) await requests.set(`r${i}`, { next: '/' }, 50);
        for (let i = 0; i < 100; i++) await sessions.indexAdd('by-name-id', `s${i}`, 50);
        await sessions.set('kept', true, HOUR);
        expect(store.size).to.equal(25_000 + 101 + 1);
        // More than one sweep's batch: the sweep resumes where it stopped.
        expect(await eventually(() => store.size === 1)).to.equal(true);
        expect(await sessions.get('kept')).to.equal(true);
      } finally {
        await store.close();
      }
    });
  });

  describe('maxEntries', () => {
    it('never holds more than maxEntries, however many are written', async () => {
      const store = createMemoryStore({ maxEntries: 1000 });
      try {
        const ns = store.namespace('replay');
        let largest = 0;
        for (let i = 0; i < 50_000; i++) {
          await ns.setIfAbsent(`assertion-${i}`, true, HOUR);
          largest = Math.max(largest, store.size);
        }
        expect(largest).to.be.at.most(1000);
      } finally {
        await store.close();
      }
    });

    it('evicts the entries closest to expiry first, never the one just written', async () => {
      const store = createMemoryStore({ maxEntries: 100 });
      try {
        const ns = store.namespace('n');
        await ns.set('latest', 'kept', 3 * HOUR);
        await ns.set('soonest', 'evicted', 60_000);
        for (let i = 0; i < 98; i++) await ns.set(`later-${i}`, i, 2 * HOUR);
        expect(store.size).to.equal(100);
        await ns.set('soon-but-new', 'kept', 1000);
        expect(await ns.get('soonest')).to.equal(undefined);
        expect(await ns.get('latest')).to.equal('kept');
        expect(await ns.get('soon-but-new')).to.equal('kept');
        expect(store.size).to.be.at.most(100);
      } finally {
        await store.close();
      }
    });

    it('counts index members against the bound', async () => {
      const store = createMemoryStore({ maxEntries: 100 });
      try {
        const ns = store.namespace('n');
        for (let i = 0; i < 60; i++) await ns.set(`v${i}`, i, HOUR);
        for (let i = 0; i < 60; i++) await ns.indexAdd('sessions', `s${i}`, 2 * HOUR);
        expect(store.size).to.be.at.most(100);
        expect(await ns.indexMembers('sessions')).to.have.length(60);
      } finally {
        await store.close();
      }
    });

    it('logs one warn line per eviction burst, not one per entry', async () => {
      const logger = recordingLogger();
      const store = createMemoryStore({ maxEntries: 100, sweepIntervalMs: 10, logger });
      try {
        const ns = store.namespace('n');
        for (let i = 0; i < 5000; i++) await ns.set(`burst-1-${i}`, i, 200);
        expect(logger.warnings).to.have.length(1);
        // The entries expire and are swept: the store has room again, the burst is over.
        expect(await eventually(() => store.size === 0)).to.equal(true);
        for (let i = 0; i < 5000; i++) await ns.set(`burst-2-${i}`, i, HOUR);
        expect(logger.warnings).to.have.length(2);
      } finally {
        await store.close();
      }
    });
  });

  describe('options', () => {
    it('refuses a bound or sweep interval that is not a positive number', () => {
      expect(() => createMemoryStore({ maxEntries: 0 })).to.throw(RangeError);
      expect(() => createMemoryStore({ maxEntries: 1.5 })).to.throw(RangeError);
      expect(() => createMemoryStore({ sweepIntervalMs: 0 })).to.throw(RangeError);
    });
  });
});
