import { randomBytes } from 'node:crypto';
import { MellonError } from '@koa-mellon/saml';
import { SILENT_LOGGER, type Logger } from '../log.js';
import { checkMessage, checkName, checkString, checkTtl, encodeValue } from './checks.js';
import { STATE_TIMEOUT_MS, type Lease, type StateNamespace, type StateStore, type StateStoreOptions } from './port.js';

/**
 * What a backend implements: the port's operations on checked arguments, values as JSON text.
 * The shared wrapper (`createStateStore`) checks arguments, encodes and decodes values, bounds
 * every call by the deadline and maps failures to STORE_UNAVAILABLE, so that a backend only
 * speaks to its server.
 */
export interface StateBackend {
  get(ns: string, key: string): Promise<string | undefined>;
  set(ns: string, key: string, json: string, ttlMs: number): Promise<void>;
  delete(ns: string, key: string): Promise<void>;
  setIfAbsent(ns: string, key: string, json: string, ttlMs: number): Promise<boolean>;
  take(ns: string, key: string): Promise<string | undefined>;
  indexAdd(ns: string, key: string, member: string, ttlMs: number): Promise<void>;
  indexMembers(ns: string, key: string): Promise<string[]>;
  indexRemove(ns: string, key: string, member: string): Promise<void>;
  /** Takes the lease for `token` when it is free (absent or expired). */
  leaseAcquire(ns: string, key: string, token: string, ttlMs: number): Promise<boolean>;
  /** Frees the lease only if `token` holds it. */
  leaseRelease(ns: string, key: string, token: string): Promise<void>;
  /** Extends the lease only if `token` holds it (and it has not expired). */
  leaseRenew(ns: string, key: string, token: string, ttlMs: number): Promise<boolean>;
  publish(ns: string, channel: string, message: string): Promise<void>;
  /** `handler` never throws (the wrapper catches). Resolves once active, to the unsubscribe. */
  subscribe(ns: string, channel: string, handler: (message: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/** Options of the shared wrapper; `timeoutMs: undefined` for a backend that answers synchronously. */
export interface WrapperOptions {
  readonly timeoutMs: number | undefined;
  readonly logger: Logger;
}

/** The deadline and logger of a factory's options, with the defaults. */
export function wrapperOptions(options: StateStoreOptions = {}): WrapperOptions {
  const timeoutMs = options.timeoutMs ?? STATE_TIMEOUT_MS;
  if (!(timeoutMs > 0) || !Number.isFinite(timeoutMs)) throw new RangeError('state store: timeoutMs is a positive number of milliseconds');
  return { timeoutMs, logger: options.logger ?? SILENT_LOGGER };
}

/** `backend` with every namespace under `<prefix>:` (apps sharing one server keep apart). */
export function prefixNamespaces(backend: StateBackend, prefix: string): StateBackend {
  const p = (ns: string) => `${prefix}:${ns}`;
  return {
    get: (ns, key) => backend.get(p(ns), key),
    set: (ns, key, json, ttlMs) => backend.set(p(ns), key, json, ttlMs),
    delete: (ns, key) => backend.delete(p(ns), key),
    setIfAbsent: (ns, key, json, ttlMs) => backend.setIfAbsent(p(ns), key, json, ttlMs),
    take: (ns, key) => backend.take(p(ns), key),
    indexAdd: (ns, key, member, ttlMs) => backend.indexAdd(p(ns), key, member, ttlMs),
    indexMembers: (ns, key) => backend.indexMembers(p(ns), key),
    indexRemove: (ns, key, member) => backend.indexRemove(p(ns), key, member),
    leaseAcquire: (ns, key, token, ttlMs) => backend.leaseAcquire(p(ns), key, token, ttlMs),
    leaseRelease: (ns, key, token) => backend.leaseRelease(p(ns), key, token),
    leaseRenew: (ns, key, token, ttlMs) => backend.leaseRenew(p(ns), key, token, ttlMs),
    publish: (ns, channel, message) => backend.publish(p(ns), channel, message),
    subscribe: (ns, channel, handler) => backend.subscribe(p(ns), channel, handler),
    close: () => backend.close(),
  };
}

/** The port on top of a backend. */
export function createStateStore(backend: StateBackend, options: WrapperOptions): StateStore {
  let closed = false;
  const call = <T>(fn: () => Promise<T>): Promise<T> => {
    if (closed) return Promise.reject(new MellonError('STORE_UNAVAILABLE', 'state store: closed'));
    return withDeadline(fn, options.timeoutMs);
  };
  const views = new Map<string, StateNamespace>();
  return {
    namespace(name) {
      const ns = checkName('namespace', name);
      let view = views.get(ns);
      if (!view) views.set(ns, (view = createNamespace(backend, ns, call, options.logger)));
      return view;
    },
    async close() {
      if (closed) return;
      closed = true;
      await backend.close();
    },
  };
}

type Call = <T>(fn: () => Promise<T>) => Promise<T>;

function createNamespace(backend: StateBackend, ns: string, call: Call, logger: Logger): StateNamespace {
  // Arguments are checked before `call`: a broken rule throws its TypeError, not STORE_UNAVAILABLE.
  return {
    name: ns,
    async get<T>(key: string) {
      const k = checkString('key', key);
      return call(async () => decodeValue<T>(await backend.get(ns, k)));
    },
    async set(key, value, ttlMs) {
      const [k, json, ttl] = [checkString('key', key), encodeValue(value), checkTtl(ttlMs)];
      await call(() => backend.set(ns, k, json, ttl));
    },
    async delete(key) {
      const k = checkString('key', key);
      await call(() => backend.delete(ns, k));
    },
    async setIfAbsent(key, value, ttlMs) {
      const [k, json, ttl] = [checkString('key', key), encodeValue(value), checkTtl(ttlMs)];
      return call(() => backend.setIfAbsent(ns, k, json, ttl));
    },
    async take<T>(key: string) {
      const k = checkString('key', key);
      return call(async () => decodeValue<T>(await backend.take(ns, k)));
    },
    async indexAdd(key, member, ttlMs) {
      const [k, m, ttl] = [checkString('key', key), checkString('member', member), checkTtl(ttlMs)];
      await call(() => backend.indexAdd(ns, k, m, ttl));
    },
    async indexMembers(key) {
      const k = checkString('key', key);
      return call(() => backend.indexMembers(ns, k));
    },
    async indexRemove(key, member) {
      const [k, m] = [checkString('key', key), checkString('member', member)];
      await call(() => backend.indexRemove(ns, k, m));
    },
    async lease(key, ttlMs) {
      const [k, ttl] = [checkString('key', key), checkTtl(ttlMs)];
      // 128 random bits: only the holder can name itself to release or renew.
      const token = randomBytes(16).toString('base64url');
      if (!(await call(() => backend.leaseAcquire(ns, k, token, ttl)))) return undefined;
      const lease: Lease = {
        key: k,
        release: () => call(() => backend.leaseRelease(ns, k, token)),
        renew: (renewTtlMs) => {
          const renewTtl = checkTtl(renewTtlMs);
          return call(() => backend.leaseRenew(ns, k, token, renewTtl));
        },
      };
      return lease;
    },
    async publish(channel, message) {
      const [c, m] = [checkName('channel', channel), checkMessage(message)];
      await call(() => backend.publish(ns, c, m));
    },
    async subscribe(channel, handler) {
      const c = checkName('channel', channel);
      if (typeof handler !== 'function') throw new TypeError('state store: a handler is a function');
      const safe = (message: string) => {
        try {
          handler(message);
        } catch (err) {
          logger.error({ err, namespace: ns, channel: c }, 'koa-mellon: a state subscription handler threw');
        }
      };
      let attempt: Promise<() => Promise<void>> | undefined;
      try {
        const unsubscribe = await call(() => (attempt = backend.subscribe(ns, c, safe)));
        return () => call(unsubscribe);
      } catch (err) {
        // Past the deadline the subscription may still come through: end it then, nobody holds it.
        attempt?.then((unsubscribe) => unsubscribe()).catch(() => undefined);
        throw err;
      }
    },
  };
}

/** A stored JSON text as a value; damaged data is an outage (fail closed), not "not found". */
function decodeValue<T>(json: string | undefined): T | undefined {
  if (json === undefined) return undefined;
  try {
    // The caller names the type it stored under this key (port.ts: `get<T>`).
    return JSON.parse(json) as T;
  } catch (err) {
    throw new MellonError('STORE_UNAVAILABLE', 'state store: a stored value is not JSON', { cause: err });
  }
}

/**
 * Runs a call to a store of the app's own (a database pool, say) with the state port's rule: a
 * failure, or no answer within `timeoutMs`, is STORE_UNAVAILABLE; a MellonError passes through.
 */
export function storeCall<T>(fn: () => Promise<T>, timeoutMs: number = STATE_TIMEOUT_MS): Promise<T> {
  return withDeadline(fn, timeoutMs);
}

/**
 * Runs one backend call. Any failure, or no answer within `timeoutMs`, is STORE_UNAVAILABLE.
 * The deadline matters: a client waiting for a server that does not answer would otherwise hold
 * the request (and the login) forever. A MellonError from the backend is already an answer.
 */
async function withDeadline<T>(fn: () => Promise<T>, timeoutMs: number | undefined): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const attempt = Promise.resolve().then(fn);
  const deadline =
    timeoutMs === undefined
      ? undefined
      : new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new MellonError('STORE_UNAVAILABLE', `state store: no answer within ${timeoutMs} ms`)), timeoutMs);
          timer.unref();
        });
  try {
    return await (deadline ? Promise.race([attempt, deadline]) : attempt);
  } catch (err) {
    if (err instanceof MellonError) throw err;
    throw new MellonError('STORE_UNAVAILABLE', 'state store: the call failed', { cause: err });
  } finally {
    clearTimeout(timer);
    // A call abandoned at the deadline may still fail later: that failure has been reported.
    attempt.catch(() => undefined);
  }
}
