import type { StateStore } from '../state/port.js';
import { createTraceStore, type TraceFailure, type TraceRecord, type TraceStore } from './store.js';

/**
 * Each role keeps its traces in a namespace of its own (a store shared by an SP, an IdP and a JWT
 * bridge holds all three); `koa-mellon trace` and `createTraceAdmin` read them all.
 */
export const TRACE_NAMESPACES: Readonly<Record<TraceRecord['role'], string>> = { sp: 'sp-traces', idp: 'idp-traces', jwt: 'jwt-traces' };

/** The reading side of a TraceStore. */
export type TraceReader = Pick<TraceStore, 'read' | 'recentFailures' | 'failingPeers'>;

/**
 * One reader over several roles' traces: a reference is looked up in each (references are random,
 * so at most one holds it), refusals per peer are merged newest first, peers are the union.
 */
export function combineTraceReaders(readers: readonly TraceReader[]): TraceReader {
  return {
    async read(reference) {
      for (const reader of readers) {
        const record = await reader.read(reference);
        if (record) return record;
      }
      return undefined;
    },
    async recentFailures(peer, limit = 50) {
      const lists = await Promise.all(readers.map((reader) => reader.recentFailures(peer, limit)));
      return lists.flat().sort((a: TraceFailure, b: TraceFailure) => b.at - a.at).slice(0, limit);
    },
    async failingPeers() {
      const lists = await Promise.all(readers.map((reader) => reader.failingPeers()));
      return [...new Set(lists.flat())].sort();
    },
  };
}

/** Every role's traces in `store` (the SP's, the IdP's, the JWT bridge's), for reading. */
export function readTraces(store: StateStore): TraceReader {
  return combineTraceReaders(Object.values(TRACE_NAMESPACES).map((name) => createTraceStore(store.namespace(name))));
}
