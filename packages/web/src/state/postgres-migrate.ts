import type { PgPool } from './postgres-pool.js';

/** One step of a schema, applied once per database and recorded under its name. */
export interface PostgresMigration {
  /** Unique across every family (`state-1`, `users-1`, ...); never renamed once released. */
  readonly name: string;
  /** Plain DDL, run in order inside the migration's transaction. */
  readonly statements: readonly string[];
}

/** Every migrator takes this advisory lock first: two instances migrating at once run one after the other. */
const MIGRATION_LOCK = 0x6b6d5f6d; // "km_m"

/**
 * Applies the migrations not yet recorded in `koa_mellon_migrations`, in order, in one
 * transaction, and returns the names it applied (`[]` when the schema is current). Idempotent
 * and safe to run from several instances at once. The stores never run it themselves: schema
 * changes belong to a deployment step (`koa-mellon migrate --postgres <url>`).
 */
export async function applyPostgresMigrations(pool: PgPool, migrations: readonly PostgresMigration[]): Promise<string[]> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query('CREATE TABLE IF NOT EXISTS koa_mellon_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
    const { rows } = await client.query('SELECT name FROM koa_mellon_migrations');
    // The statement above selects one text column.
    const done = new Set((rows as Array<{ name: string }>).map((row) => row.name));
    const applied: string[] = [];
    for (const migration of migrations) {
      if (done.has(migration.name)) continue;
      for (const statement of migration.statements) await client.query(statement);
      await client.query('INSERT INTO koa_mellon_migrations (name) VALUES ($1)', [migration.name]);
      applied.push(migration.name);
    }
    await client.query('COMMIT');
    return applied;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/*
 * The state port's tables. Rows are found by the SHA-256 of the key (`key_hash`): a btree entry
 * is limited to about 2.7 kB and keys (an entityID and a NameID, say) may be longer; the key
 * itself is kept beside it for operators. Expiry is checked against the server's clock.
 * An index is a head row (its lifetime and generation) plus member rows of that generation: an
 * add to an expired index starts a new generation, so members of the old one are never seen
 * again, even before the sweep removes them.
 */
export const STATE_MIGRATIONS: readonly PostgresMigration[] = [
  {
    name: 'state-1',
    statements: [
      `CREATE TABLE koa_mellon_state_entries (
        namespace text NOT NULL, key_hash bytea NOT NULL, key text NOT NULL, value jsonb NOT NULL, expires_at timestamptz NOT NULL,
        PRIMARY KEY (namespace, key_hash))`,
      'CREATE INDEX koa_mellon_state_entries_expires_at ON koa_mellon_state_entries (expires_at)',
      'CREATE SEQUENCE koa_mellon_state_generation',
      `CREATE TABLE koa_mellon_state_indexes (
        namespace text NOT NULL, key_hash bytea NOT NULL, key text NOT NULL, generation bigint NOT NULL, expires_at timestamptz NOT NULL,
        PRIMARY KEY (namespace, key_hash))`,
      'CREATE INDEX koa_mellon_state_indexes_expires_at ON koa_mellon_state_indexes (expires_at)',
      `CREATE TABLE koa_mellon_state_index_members (
        namespace text NOT NULL, key_hash bytea NOT NULL, member_hash bytea NOT NULL, member text NOT NULL, generation bigint NOT NULL,
        PRIMARY KEY (namespace, key_hash, member_hash))`,
      `CREATE TABLE koa_mellon_state_leases (
        namespace text NOT NULL, key_hash bytea NOT NULL, key text NOT NULL, holder text NOT NULL, expires_at timestamptz NOT NULL,
        PRIMARY KEY (namespace, key_hash))`,
      'CREATE INDEX koa_mellon_state_leases_expires_at ON koa_mellon_state_leases (expires_at)',
    ],
  },
];

/**
 * Creates (or brings up to date) the tables of the PostgreSQL state store; returns the
 * migrations it applied. Run it once per deployment, before the store is used:
 * `npx koa-mellon migrate --postgres <url>` does.
 *
 * @example
 * await migratePostgres(pool);
 */
export function migratePostgres(pool: PgPool): Promise<string[]> {
  return applyPostgresMigrations(pool, STATE_MIGRATIONS);
}
