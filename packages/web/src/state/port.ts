import type { Logger } from '../log.js';

/**
 * The state port: the one set of operations every role (SP, IdP, JWT bridge, organizations) keeps
 * its ephemeral state with. Three backends implement it (memory, Redis, PostgreSQL) and one
 * conformance suite proves each against a real server (packages/web/test/state/conformance.ts).
 *
 * Rules common to every operation and backend:
 * - **Fail closed.** A backend failure, or no answer within the store's deadline (2 s by default),
 *   rejects with `MellonError('STORE_UNAVAILABLE')`; never "not found", which would turn a replay
 *   check into a pass. The store recovers by itself once the server is back.
 * - **Namespaces isolate.** Two namespaces never see each other's entries, indexes, leases or
 *   messages. Within one namespace, entries, indexes and leases are three separate key spaces.
 * - **Keys, members, channels and messages** are strings of well-formed Unicode (no lone surrogate)
 *   without U+0000; any other character is allowed (`:`, `{`, spaces, ...). Namespace and channel
 *   names are identifiers chosen by code: 1–100 of `A-Z a-z 0-9 . _ : -`. A message is at most
 *   4,000 UTF-8 bytes (PostgreSQL's NOTIFY limit, kept on every backend). Breaking these is a
 *   programming error: a `TypeError` or `RangeError`, before any store call.
 * - **Values are JSON**: what `JSON.stringify` accepts (not `undefined`, no U+0000 in strings);
 *   a read returns a fresh parsed copy. **TTLs are milliseconds**, required, from 1 to 10^12.
 *   The state here is ephemeral by design; durable data (users) has stores of its own.
 */

/** A store: one connection (pool) to one backend, shared by every namespace of every role. */
export interface StateStore {
  /**
   * The view of one namespace (`sessions`, `idp-consents`, `org:acme:replay`, ...). Cheap: call
   * it once per role at start-up. Throws `TypeError` for a name outside `[A-Za-z0-9._:-]{1,100}`.
   */
  namespace(name: string): StateNamespace;
  /** Stops background work and closes connections this store opened; later calls reject. */
  close(): Promise<void>;
}

/** The operations on one namespace. Every method rejects with STORE_UNAVAILABLE when the store cannot answer. */
export interface StateNamespace {
  readonly name: string;

  /**
   * The value stored under `key`, or `undefined` when there is none or it expired. The type
   * parameter is the caller's claim about what it stored there: check the shape where it matters.
   */
  get<T = unknown>(key: string): Promise<T | undefined>;

  /** Stores `value` under `key` for `ttlMs`, replacing any value (and its TTL). */
  set(key: string, value: unknown, ttlMs: number): Promise<void>;

  /** Removes the value under `key` (nothing when absent). Indexes and leases of that key are untouched. */
  delete(key: string): Promise<void>;

  /**
   * Stores `value` under `key` for `ttlMs` only when no live value is there, and says whether it
   * did. Atomic across every instance sharing the backend: of any number of concurrent callers,
   * exactly one gets `true`. An expired value counts as absent. (Replay caches, claims.)
   */
  setIfAbsent(key: string, value: unknown, ttlMs: number): Promise<boolean>;

  /**
   * Removes and returns the live value under `key`. Atomic across every instance: of concurrent
   * callers, exactly one gets the value, the others `undefined`. (Single-use request IDs, codes.)
   */
  take<T = unknown>(key: string): Promise<T | undefined>;

  /**
   * Adds `member` to the set under `key` (append-only: concurrent adds from any number of
   * instances all land; adding a present member changes nothing). The set then lives at least
   * `ttlMs` from now: an add extends the set's lifetime, never shortens it. When the set expires,
   * all its members go with it.
   */
  indexAdd(key: string, member: string, ttlMs: number): Promise<void>;

  /** The members of the live set under `key`, in no particular order; `[]` when none. */
  indexMembers(key: string): Promise<string[]>;

  /** Removes `member` from the set under `key` (nothing when absent). */
  indexRemove(key: string, member: string): Promise<void>;

  /**
   * Takes the lease named `key` for `ttlMs` when nobody holds it, else `undefined`. At most one
   * holder across every instance at a time; an expired lease is free for the next caller. (One
   * instance refreshes a metadata URL; the others wait for its result.)
   */
  lease(key: string, ttlMs: number): Promise<Lease | undefined>;

  /**
   * Sends `message` to every current subscriber of `channel` in this namespace, on every instance
   * (this one included), within a second. Best effort, as invalidation hints are: a subscriber
   * whose connection is being re-made meanwhile misses it, so keep a TTL on what it invalidates.
   */
  publish(channel: string, message: string): Promise<void>;

  /**
   * Calls `handler` with every message published on `channel` in this namespace from now on.
   * Resolves once the subscription is active (a publish after that is seen); resolves to the
   * function that ends it. A handler that throws is logged and does not stop delivery.
   */
  subscribe(channel: string, handler: (message: string) => void): Promise<() => Promise<void>>;
}

/** A lease held by this caller: `release` and `renew` act only while it is still the holder. */
export interface Lease {
  readonly key: string;
  /** Frees the lease if this caller still holds it (a lease that expired and was taken by another is left alone). */
  release(): Promise<void>;
  /**
   * Extends the lease to `ttlMs` from now if this caller still holds it; `false` when it expired
   * or another holder has it (stop the work it guarded).
   */
  renew(ttlMs: number): Promise<boolean>;
}

/** What every backend factory accepts. */
export interface StateStoreOptions {
  /** How long a call may take before it fails with STORE_UNAVAILABLE (default 2000 ms). */
  readonly timeoutMs?: number;
  /** Where the store reports trouble (evictions, failing sweeps, throwing handlers); default silent. */
  readonly logger?: Logger;
}

/** The default deadline of a store call, in milliseconds. */
export const STATE_TIMEOUT_MS = 2000;
