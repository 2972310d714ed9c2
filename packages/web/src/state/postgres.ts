import { createHash } from 'node:crypto';
import { MellonError } from '@koa-mellon/saml';
import type { Logger } from '../log.js';
import { createStateStore, prefixNamespaces, wrapperOptions, type StateBackend } from './backend.js';
import { checkName } from './checks.js';
import type { StateStore, StateStoreOptions } from './port.js';
import { NOTIFY_CHANNEL, PgListener } from './postgres-listen.js';
import { createPgPool, sqlState, type PgPool } from './postgres-pool.js';
import { SQL, SWEEP, SWEEP_BATCH } from './postgres-sql.js';

export interface PostgresStoreOptions extends StateStoreOptions {
  /** `postgres://user:password@host:5432/db`: the store makes (and closes) its own pool. */
  readonly connectionString?: string;
  /** Or a `pg.Pool` of the app's: the store uses it and leaves it open on close. */
  readonly pool?: PgPool;
  /** How often expired rows are swept, in milliseconds (default 60,000). */
  readonly sweepIntervalMs?: number;
  /** Apps sharing one database each take their own (`<prefix>:<namespace>` in the rows). Default: none. */
  readonly prefix?: string;
}

export const DEFAULT_PG_SWEEP_INTERVAL_MS = 60_000;

/** Batches one sweep deletes per table, at most: a sweep is bounded work. */
const SWEEP_BATCHES = 10;

/**
 * A state store on PostgreSQL (`pg`, an optional peer dependency), for teams that run only
 * Postgres: entries, indexes and leases are rows with an expiry on the server's clock, the
 * atomic operations are single statements (postgres-sql.ts), pub/sub is LISTEN/NOTIFY on a
 * connection of its own that is made again when it drops, and expired rows are swept in bounded
 * batches in the background. The tables come from `migratePostgres(pool)`; without them every
 * call fails with STORE_UNAVAILABLE saying so.
 *
 * @example
 * await migratePostgres(pool);                    // once, at deployment
 * const state = await createPostgresStore(pool);  // or { connectionString }
 */
export async function createPostgresStore(target: PgPool | PostgresStoreOptions): Promise<StateStore> {
  const options: PostgresStoreOptions = isPool(target) ? { pool: target } : target;
  const wrapper = wrapperOptions(options);
  const sweepIntervalMs = options.sweepIntervalMs ?? DEFAULT_PG_SWEEP_INTERVAL_MS;
  if (!(sweepIntervalMs >= 1) || !Number.isFinite(sweepIntervalMs)) throw new RangeError('createPostgresStore: sweepIntervalMs is a positive number of milliseconds');
  const own = options.pool === undefined;
  if (own && options.connectionString === undefined) throw new TypeError('createPostgresStore: give a connectionString or a pool');
  const pool = options.pool ?? (await createPgPool(options.connectionString ?? '', wrapper.timeoutMs ?? 2000));
  // An idle client that loses its server emits on the pool: unheard, that ends the process.
  pool.on('error', (err) => wrapper.logger.warn({ err }, 'koa-mellon: PostgreSQL state store lost an idle connection'));
  const backend = postgresBackend(pool, own, wrapper.logger, sweepIntervalMs);
  const prefix = options.prefix === undefined ? undefined : checkName('namespace', options.prefix);
  return createStateStore(prefix === undefined ? backend : prefixNamespaces(backend, prefix), wrapper);
}

function isPool(target: PgPool | PostgresStoreOptions): target is PgPool {
  return 'query' in target && typeof target.query === 'function';
}

const STATEMENT_NAMES = new Map<string, string>(Object.entries(SQL).map(([name, text]) => [text, `koa_mellon_state_${name}`]));

/** The lookup key of a key or member: SHA-256 of its UTF-8 (keys are well-formed: no two share it). */
const hash = (text: string) => createHash('sha256').update(text, 'utf8').digest();

function postgresBackend(pool: PgPool, own: boolean, logger: Logger, sweepIntervalMs: number): StateBackend {
  const listener = new PgListener(pool, logger);
  const query = async (text: string, values: unknown[]) => {
    try {
      // Named: each connection parses and plans a statement once (a login runs about a dozen).
      const name = STATEMENT_NAMES.get(text);
      return await (name === undefined ? pool.query(text, values) : pool.query({ name, text, values }));
    } catch (err) {
      // 42P01 undefined_table: the schema was never created. Said plainly; the call fails closed.
      if (sqlState(err) === '42P01') throw missingTables(err);
      throw err;
    }
  };
  // Statements that select `json` (a value's text) answer one row or none.
  const json = (rows: readonly unknown[]) => (rows[0] as { json: string } | undefined)?.json;
  const sweeper = startSweeper(pool, logger, sweepIntervalMs);
  return {
    get: async (ns, key) => json((await query(SQL.get, [ns, hash(key)])).rows),
    set: async (ns, key, value, ttlMs) => {
      await query(SQL.set, [ns, hash(key), key, value, ttlMs]);
    },
    delete: async (ns, key) => {
      await query(SQL.delete, [ns, hash(key)]);
    },
    setIfAbsent: async (ns, key, value, ttlMs) => (await query(SQL.setIfAbsent, [ns, hash(key), key, value, ttlMs])).rowCount === 1,
    take: async (ns, key) => json((await query(SQL.take, [ns, hash(key)])).rows),
    indexAdd: async (ns, key, member, ttlMs) => {
      await query(SQL.indexAdd, [ns, hash(key), key, hash(member), member, ttlMs]);
    },
    // The statement selects one text column.
    indexMembers: async (ns, key) => ((await query(SQL.indexMembers, [ns, hash(key)])).rows as Array<{ member: string }>).map((row) => row.member),
    indexRemove: async (ns, key, member) => {
      await query(SQL.indexRemove, [ns, hash(key), hash(member)]);
    },
    leaseAcquire: async (ns, key, token, ttlMs) => (await query(SQL.leaseAcquire, [ns, hash(key), key, token, ttlMs])).rowCount === 1,
    leaseRelease: async (ns, key, token) => {
      await query(SQL.leaseRelease, [ns, hash(key), token]);
    },
    leaseRenew: async (ns, key, token, ttlMs) => (await query(SQL.leaseRenew, [ns, hash(key), token, ttlMs])).rowCount === 1,
    publish: async (ns, channel, message) => {
      await query(SQL.publish, [NOTIFY_CHANNEL, `${ns} ${channel} ${message}`]);
    },
    subscribe: (ns, channel, handler) => listener.subscribe(ns, channel, handler),
    close: async () => {
      sweeper.stop();
      await listener.close();
      if (own) await pool.end();
    },
  };
}

function missingTables(cause: unknown): MellonError {
  return new MellonError(
    'STORE_UNAVAILABLE',
    'the PostgreSQL state tables are missing: run `npx koa-mellon migrate --postgres <url>` (or migratePostgres(pool)) once',
    { cause },
  );
}

/** Deletes expired rows every `intervalMs`: up to SWEEP_BATCHES batches per table, one sweep at a time. */
function startSweeper(pool: PgPool, logger: Logger, intervalMs: number): { stop(): void } {
  let running = false;
  let failing = false;
  const batches = async (statement: string, count: (rows: readonly unknown[], rowCount: number | null) => number) => {
    for (let n = 0; n < SWEEP_BATCHES; n++) {
      const result = await pool.query(statement);
      if (count(result.rows, result.rowCount) < SWEEP_BATCH) return;
    }
  };
  const sweep = async () => {
    if (running) return;
    running = true;
    try {
      await batches(SWEEP.entries, (_, rowCount) => rowCount ?? 0);
      await batches(SWEEP.leases, (_, rowCount) => rowCount ?? 0);
      // The statement selects the number of index heads it deleted.
      await batches(SWEEP.indexes, (rows) => (rows[0] as { n: number } | undefined)?.n ?? 0);
      failing = false;
    } catch (err) {
      // Once per failing streak: an outage is reported by the calls themselves.
      if (!failing) logger.warn({ err, code: sqlState(err) }, 'koa-mellon: PostgreSQL state sweep failed');
      failing = true;
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void sweep(), intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
