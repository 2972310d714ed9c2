import { MellonError } from '@koa-mellon/saml';
import { migratePostgres, type PgPool } from '@koa-mellon/web';
import { migratePostgresUserStore } from '../users/postgres-user-schema.js';
import { parseOptions } from './args.js';
import { UsageError, type ExitCode, type Output } from './output.js';

export const MIGRATE_USAGE = `Usage: koa-mellon migrate --postgres URL

Creates or updates the PostgreSQL tables of the state store (createPostgresStore) and of the user
store (createPostgresUserStore) in the database URL names, then prints the migrations it applied.
Safe to run again and from several instances at once: applied migrations are recorded in the
koa_mellon_migrations table and skipped. Needs the pg package (npm install pg).

  --postgres  postgres://user:password@host:5432/database (e.g. --postgres "$DATABASE_URL")`;

/** `koa-mellon migrate`: the schema step of a deployment, before the new version starts. */
export async function migrateCommand(args: readonly string[], io: Output): Promise<ExitCode> {
  const options = parseOptions(args, { postgres: { type: 'string' } });
  if (options.postgres === undefined) throw new UsageError('--postgres URL is required');
  if (!/^postgres(ql)?:\/\//.test(options.postgres)) throw new UsageError('--postgres: expected a postgres:// URL');
  const pool = await openPool(options.postgres);
  try {
    const applied = [...(await migratePostgres(pool)), ...(await migratePostgresUserStore(pool))];
    io.out(applied.length === 0 ? 'the schema is up to date' : `applied: ${applied.join(', ')}`);
    return 0;
  } finally {
    await pool.end();
  }
}

/** One connection, waited for at most 10 s. Errors never repeat the URL: it may hold a password. */
async function openPool(connectionString: string): Promise<PgPool> {
  let pg: typeof import('pg');
  try {
    pg = await import('pg');
  } catch (err) {
    throw new MellonError('CONFIG_INVALID', 'koa-mellon migrate needs the pg package: npm install pg', { cause: err });
  }
  // pg is CommonJS: its exports arrive as the default export of the ES module namespace.
  const pool = new pg.default.Pool({ connectionString, max: 1, connectionTimeoutMillis: 10_000 });
  pool.on('error', () => {
    // The failing query reports it; an idle client dropping meanwhile changes nothing here.
  });
  return pool;
}
