import type { Logger } from '../log.js';
import { SILENT_LOGGER } from '../log.js';
import { createStateStore, type StateBackend } from './backend.js';
import { MemoryTable } from './memory-table.js';
import type { StateStore } from './port.js';

export interface MemoryStoreOptions {
  /** Most entries kept across namespaces (a set counts one plus one per member); default 100,000. */
  readonly maxEntries?: number;
  /** How often expired entries are swept, in milliseconds; default 1000. */
  readonly sweepIntervalMs?: number;
  /** Where a full store says it evicts (one warn line per burst); default silent. */
  readonly logger?: Logger;
}

/** A memory store, with the count of entries it holds against its bound. */
export interface MemoryStateStore extends StateStore {
  /** Entries held now (a set counts one plus one per member). */
  readonly size: number;
}

export const DEFAULT_MAX_ENTRIES = 100_000;
export const DEFAULT_SWEEP_INTERVAL_MS = 1000;

/**
 * The embedded default: state in this process, for one instance. Atomic operations are atomic
 * because JavaScript runs them to completion; leases and pub/sub reach this process only (two
 * processes each with a memory store share nothing). Expired entries are swept in the background
 * and the store never holds more than `maxEntries` (docs/state.md#memory).
 *
 * @example
 * const state = createMemoryStore();
 * const replay = state.namespace('replay');
 * if (!(await replay.setIfAbsent(assertionId, true, notOnOrAfter - Date.now()))) throw replayed();
 */
export function createMemoryStore(options: MemoryStoreOptions = {}): MemoryStateStore {
  const maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
  const sweepIntervalMs = options.sweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS;
  if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) throw new RangeError('createMemoryStore: maxEntries is a whole number from 1');
  if (!(sweepIntervalMs >= 1) || !Number.isFinite(sweepIntervalMs)) throw new RangeError('createMemoryStore: sweepIntervalMs is a positive number of milliseconds');
  const logger = options.logger ?? SILENT_LOGGER;
  return createMemoryStoreOn(new MemoryTable(maxEntries, logger), sweepIntervalMs, logger);
}

/** A memory store on `table` (the fuzz tests keep the table to snapshot it). */
export function createMemoryStoreOn(table: MemoryTable, sweepIntervalMs: number, logger: Logger): MemoryStateStore {
  const timer = setInterval(() => table.sweep(), sweepIntervalMs);
  // The sweep must not keep a process alive that has nothing else to do.
  timer.unref();
  const backend = memoryBackend(table, () => clearInterval(timer));
  // Calls complete synchronously: no deadline to watch.
  const store = createStateStore(backend, { timeoutMs: undefined, logger });
  return {
    namespace: (name) => store.namespace(name),
    close: () => store.close(),
    get size() {
      return table.size;
    },
  };
}

/*
 * Keys in the table: kind, namespace and key joined by U+0000, which none of them contains
 * (namespace names are identifiers; keys are checked), so no two triples share a key.
 */
const valueKey = (ns: string, key: string) => `v\u0000${ns}\u0000${key}`;
const indexKey = (ns: string, key: string) => `i\u0000${ns}\u0000${key}`;
const leaseKey = (ns: string, key: string) => `l\u0000${ns}\u0000${key}`;

function memoryBackend(table: MemoryTable, stop: () => void): StateBackend {
  const subscribers = new Map<string, Set<(message: string) => void>>();
  const expiry = (ttlMs: number) => Date.now() + ttlMs;
  const valueOf = (key: string) => {
    const slot = table.get(key);
    return slot?.kind === 'value' ? slot.json : undefined;
  };
  return {
    get: async (ns, key) => valueOf(valueKey(ns, key)),
    set: async (ns, key, json, ttlMs) => table.put(valueKey(ns, key), { kind: 'value', json, expiresAt: expiry(ttlMs) }),
    delete: async (ns, key) => table.delete(valueKey(ns, key)),
    setIfAbsent: async (ns, key, json, ttlMs) => {
      const k = valueKey(ns, key);
      if (table.get(k) !== undefined) return false;
      table.put(k, { kind: 'value', json, expiresAt: expiry(ttlMs) });
      return true;
    },
    take: async (ns, key) => {
      const k = valueKey(ns, key);
      const json = valueOf(k);
      table.delete(k);
      return json;
    },
    indexAdd: async (ns, key, member, ttlMs) => {
      const k = indexKey(ns, key);
      const slot = table.get(k);
      if (slot?.kind !== 'index') {
        table.put(k, { kind: 'index', members: new Set([member]), expiresAt: expiry(ttlMs) });
        return;
      }
      slot.expiresAt = Math.max(slot.expiresAt, expiry(ttlMs));
      if (slot.members.has(member)) return;
      slot.members.add(member);
      table.resized(k, 1);
    },
    indexMembers: async (ns, key) => {
      const slot = table.get(indexKey(ns, key));
      return slot?.kind === 'index' ? [...slot.members] : [];
    },
    indexRemove: async (ns, key, member) => {
      const k = indexKey(ns, key);
      const slot = table.get(k);
      if (slot?.kind === 'index' && slot.members.delete(member)) table.resized(k, -1);
    },
    leaseAcquire: async (ns, key, token, ttlMs) => {
      const k = leaseKey(ns, key);
      if (table.get(k) !== undefined) return false;
      table.put(k, { kind: 'lease', token, expiresAt: expiry(ttlMs) });
      return true;
    },
    leaseRelease: async (ns, key, token) => {
      const k = leaseKey(ns, key);
      const slot = table.get(k);
      if (slot?.kind === 'lease' && slot.token === token) table.delete(k);
    },
    leaseRenew: async (ns, key, token, ttlMs) => {
      const slot = table.get(leaseKey(ns, key));
      if (slot?.kind !== 'lease' || slot.token !== token) return false;
      slot.expiresAt = expiry(ttlMs);
      return true;
    },
    publish: async (ns, channel, message) => {
      // Delivered after publish returns, as over a network: a handler never runs inside the publisher's call.
      for (const handler of [...(subscribers.get(`${ns}\u0000${channel}`) ?? [])]) setImmediate(handler, message);
    },
    subscribe: async (ns, channel, handler) => {
      const k = `${ns}\u0000${channel}`;
      // A wrapper per subscription: the same handler subscribed twice is called twice, and ends once per unsubscribe.
      const subscription = (message: string) => handler(message);
      let set = subscribers.get(k);
      if (!set) subscribers.set(k, (set = new Set()));
      set.add(subscription);
      return async () => {
        set.delete(subscription);
        if (set.size === 0 && subscribers.get(k) === set) subscribers.delete(k);
      };
    },
    close: async () => {
      stop();
      table.clear();
      subscribers.clear();
    },
  };
}
