import { Keyv } from 'keyv';
import { MellonError } from '@koa-mellon/saml';

/**
 * STAND-IN for koa-mellon's `state/store.ts` (`createStores`, `storeCall`), which koa-mellon does
 * not export yet and whose namespaces are the SP's. Once it exports `storeCall` and a
 * `createAtomicStore(base, prefix)`, this file shrinks to the IdP's namespaces.
 */

/** Set-if-absent and get-and-delete: atomic across instances on Redis, within one process otherwise. */
export interface AtomicStore {
  setIfAbsent(key: string, value: unknown, ttlMs: number): Promise<boolean>;
  take<T>(key: string): Promise<T | undefined>;
}

/** The IdP's state, one Keyv namespace per purpose, sharing the caller's storage adapter. */
export interface IdpStores {
  /** IdP sessions (`s:`) and the NameID index that finds them for SLO (`n:`). */
  readonly sessions: Keyv;
  /** Logout runs in progress. */
  readonly logouts: Keyv;
  /** Pending requests, replayed request IDs, logout request IDs, artifacts. */
  readonly atomic: AtomicStore;
}

/** The Redis client calls the atomic operations need (what @keyv/redis's `getClient()` returns). */
interface RedisLike {
  set(key: string, value: string, options: { NX: true; PX: number }): Promise<string | null>;
  getDel(key: string): Promise<string | null>;
}

export function createIdpStores(base: Keyv = new Keyv()): IdpStores {
  const adapter: unknown = base.store;
  const view = (namespace: string): Keyv => {
    // Keyv accepts any storage adapter; the caller's is passed on untouched.
    const keyv = new Keyv({ store: adapter as never, namespace: `idp-${namespace}`, throwOnErrors: true });
    keyv.on('error', () => {
      // Thrown to the caller (throwOnErrors); the listener keeps them from being unhandled.
    });
    return keyv;
  };
  return { sessions: view('sessions'), logouts: view('logouts'), atomic: redisClientOf(adapter) ? redisAtomic(adapter) : lockedAtomic(view('atomic')) };
}

/** @keyv/redis exposes its node-redis client as `getClient()`: duck-typed, so no import is needed. */
function redisClientOf(adapter: unknown): adapter is { getClient(): Promise<RedisLike> } {
  // Reading an optional property of an object to test it.
  return typeof adapter === 'object' && adapter !== null && typeof (adapter as { getClient?: unknown }).getClient === 'function';
}

function redisAtomic(adapter: { getClient(): Promise<RedisLike> }): AtomicStore {
  const key = (k: string) => `idp-atomic:${k}`;
  return {
    async setIfAbsent(k, value, ttlMs) {
      const reply = await storeCall(async () => (await adapter.getClient()).set(key(k), JSON.stringify(value), { NX: true, PX: Math.max(1, Math.ceil(ttlMs)) }));
      return reply === 'OK';
    },
    async take<T>(k: string) {
      const reply = await storeCall(async () => (await adapter.getClient()).getDel(key(k)));
      // Only values this store wrote are read back.
      return typeof reply === 'string' ? (JSON.parse(reply) as T) : undefined;
    },
  };
}

function lockedAtomic(keyv: Keyv): AtomicStore {
  const locks = new Map<string, Promise<unknown>>();
  const locked = <T>(k: string, fn: () => Promise<T>): Promise<T> => {
    const next = (locks.get(k) ?? Promise.resolve()).then(fn, fn);
    locks.set(k, next);
    void next
      .finally(() => {
        if (locks.get(k) === next) locks.delete(k);
      })
      .catch(() => undefined);
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
        // Only values this store wrote are read back.
        const value = (await storeCall(() => keyv.get(k))) as T | undefined;
        if (value !== undefined) await storeCall(() => keyv.delete(k));
        return value;
      }),
  };
}

const STORE_TIMEOUT_MS = 2000;

/** Any store failure, or no answer within 2 s, is STORE_UNAVAILABLE: the request fails closed. */
export async function storeCall<T>(fn: () => Promise<T> | T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${STORE_TIMEOUT_MS} ms`)), STORE_TIMEOUT_MS);
    timer.unref();
  });
  try {
    return await Promise.race([Promise.resolve().then(fn), timeout]);
  } catch (err) {
    throw new MellonError('STORE_UNAVAILABLE', 'state store call failed', { cause: err });
  } finally {
    clearTimeout(timer);
  }
}
