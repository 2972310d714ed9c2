import { Keyv } from 'keyv';
import KeyvRedis from '@keyv/redis';
import { MellonError } from '@koa-mellon/saml';

/**
 * The two operations that must be atomic across instances: set-if-absent (replay cache) and
 * get-and-delete (single-use request IDs). Redis does them natively (SET NX PX, GETDEL); any other
 * store gets an in-process lock, which is atomic only within one process (docs/state.md).
 * Plain get / set / delete on the same keys complete it (the IdP keeps append-only lists here).
 */
export interface AtomicStore {
  setIfAbsent(key: string, value: unknown, ttlMs: number): Promise<boolean>;
  take<T>(key: string): Promise<T | undefined>;
  get<T>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown, ttlMs: number): Promise<void>;
  delete(key: string): Promise<void>;
}

/**
 * The atomic operations on `base`'s storage, under `namespace`: native on Redis, serialized in
 * this process otherwise. Used by every role.
 */
export function createAtomicStore(base: Keyv, namespace: string): AtomicStore {
  const adapter: unknown = base.store;
  if (adapter instanceof KeyvRedis) return redisAtomic(adapter, namespace);
  return lockedAtomic(guard(new Keyv({ store: adapter as never, namespace, throwOnErrors: true })));
}

/**
 * Keyv hands its namespace to its storage adapter, and @keyv/redis prefixes every key with it: the
 * views sharing one adapter would all write under the namespace of the view made last, so keys
 * would depend on the order views are made (SP and IdP on one store) and change when one is added.
 * Each view prefixes its keys itself; the Redis adapter's own namespace is pinned to none.
 */
export function pinAdapterNamespace(adapter: unknown): void {
  if (!(adapter instanceof KeyvRedis)) return;
  adapter.namespace = undefined;
  Object.defineProperty(adapter, 'namespace', { configurable: true, get: () => undefined, set: () => undefined });
}

/** A store that is down must fail the login, never read as "not found" (a replay check would pass). */
function guard(keyv: Keyv): Keyv {
  keyv.on('error', () => {
    // Errors are thrown to the caller (throwOnErrors); the listener only keeps them from being unhandled.
  });
  return keyv;
}

function redisAtomic(adapter: KeyvRedis<unknown>, namespace: string): AtomicStore {
  const key = (k: string) => `${namespace}:${k}`;
  return {
    async setIfAbsent(k, value, ttlMs) {
      const reply = await storeCall(async () => (await adapter.getClient()).set(key(k), JSON.stringify(value), { NX: true, PX: Math.max(1, Math.ceil(ttlMs)) }));
      return reply === 'OK';
    },
    async take<T>(k: string) {
      const reply = await storeCall(async () => (await adapter.getClient()).getDel(key(k)));
      return typeof reply === 'string' ? (JSON.parse(reply) as T) : undefined;
    },
    async get<T>(k: string) {
      const reply = await storeCall(async () => (await adapter.getClient()).get(key(k)));
      return typeof reply === 'string' ? (JSON.parse(reply) as T) : undefined;
    },
    async set(k, value, ttlMs) {
      await storeCall(async () => (await adapter.getClient()).set(key(k), JSON.stringify(value), { PX: Math.max(1, Math.ceil(ttlMs)) }));
    },
    async delete(k) {
      await storeCall(async () => (await adapter.getClient()).del(key(k)));
    },
  };
}

function lockedAtomic(keyv: Keyv): AtomicStore {
  const locks = new Map<string, Promise<unknown>>();
  const locked = <T>(k: string, fn: () => Promise<T>): Promise<T> => {
    const previous = locks.get(k) ?? Promise.resolve();
    const next = previous.then(fn, fn);
    locks.set(k, next);
    void next.finally(() => {
      if (locks.get(k) === next) locks.delete(k);
    }).catch(() => undefined);
    return next;
  };
  return {
    setIfAbsent: (k, value, ttlMs) =>
      locked(k, async () => {
        if ((await storeCall(() => keyv.get(k))) !== undefined) return false;
        await storeCall(() => keyv.set(k, value, Math.max(1, Math.ceil(ttlMs))));
        return true;
      }),
    take: <T>(k: string) =>
      locked(k, async () => {
        const value = (await storeCall(() => keyv.get(k))) as T | undefined;
        if (value !== undefined) await storeCall(() => keyv.delete(k));
        return value;
      }),
    get: <T>(k: string) => locked(k, async () => (await storeCall(() => keyv.get(k))) as T | undefined),
    set: (k, value, ttlMs) =>
      locked(k, async () => {
        await storeCall(() => keyv.set(k, value, Math.max(1, Math.ceil(ttlMs))));
      }),
    delete: (k) =>
      locked(k, async () => {
        await storeCall(() => keyv.delete(k));
      }),
  };
}

/** How long a store call may take before the login fails closed. */
export const STORE_TIMEOUT_MS = 2000;

/**
 * Runs a store call; any failure, or no answer within STORE_TIMEOUT_MS, is STORE_UNAVAILABLE (fail
 * closed). The timeout matters: a Redis client waiting to reconnect would otherwise hold the
 * request forever.
 */
export async function storeCall<T>(fn: () => Promise<T> | T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${STORE_TIMEOUT_MS} ms`)), STORE_TIMEOUT_MS);
    timer.unref();
  });
  try {
    return await Promise.race([Promise.resolve().then(fn), timeout]);
  } catch (err) {
    // A typed refusal from the call (a username taken, say) is an answer, not an outage.
    if (err instanceof MellonError) throw err;
    throw new MellonError('STORE_UNAVAILABLE', 'state store call failed', { cause: err });
  } finally {
    clearTimeout(timer);
  }
}

/** Wraps every method of a store-backed object so that a dead store fails closed, fast. */
export function guardStoreMethods<T extends object>(target: T): T {
  return new Proxy(target, {
    get(object, property, receiver) {
      const value: unknown = Reflect.get(object, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => storeCall(() => (value as (...a: unknown[]) => unknown).apply(object, args));
    },
  });
}
