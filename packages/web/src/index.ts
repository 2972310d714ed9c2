/**
 * @koa-mellon/web: what more than one koa-mellon role shares. Today: the state port and its
 * three backends (memory, Redis, PostgreSQL).
 *
 * @example
 * import { createMemoryStore } from '@koa-mellon/web';
 * const state = createMemoryStore();
 * const requests = state.namespace('requests');
 * await requests.set(requestId, { next: '/' }, 10 * 60_000);
 */
export type { StateStore, StateNamespace, Lease, StateStoreOptions } from './state/port.js';
export { STATE_TIMEOUT_MS } from './state/port.js';
export { MAX_MESSAGE_BYTES, MAX_TTL_MS } from './state/checks.js';
export { createMemoryStore, DEFAULT_MAX_ENTRIES, DEFAULT_SWEEP_INTERVAL_MS, type MemoryStoreOptions, type MemoryStateStore } from './state/memory.js';
export { createRedisStore, type RedisStoreOptions } from './state/redis.js';
export { SILENT_LOGGER, type Logger } from './log.js';
export { createPostgresStore, DEFAULT_PG_SWEEP_INTERVAL_MS, type PostgresStoreOptions } from './state/postgres.js';
export { migratePostgres, applyPostgresMigrations, STATE_MIGRATIONS, type PostgresMigration } from './state/postgres-migrate.js';
export type { PgPool, PgPoolClient, PgResult } from './state/postgres-pool.js';
