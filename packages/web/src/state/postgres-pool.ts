import { MellonError } from '@koa-mellon/saml';

/*
 * The part of `pg` (node-postgres) the PostgreSQL backends use, described here so that the
 * package's types do not name `pg`: it is an optional peer dependency, and an in-memory user
 * compiles without it. A `pg.Pool` fits these shapes as it is.
 */

/** What a query answers: the rows (shape known to the statement) and how many were touched. */
export interface PgResult {
  readonly rows: readonly unknown[];
  readonly rowCount: number | null;
}

/** A `pg.Pool` (or anything with its query / connect / end / on). */
export interface PgPool {
  query(text: string, values?: unknown[]): Promise<PgResult>;
  /** A named statement: parsed and planned once per connection, then only executed. */
  query(config: { readonly name: string; readonly text: string; readonly values: unknown[] }): Promise<PgResult>;
  connect(): Promise<PgPoolClient>;
  end(): Promise<void>;
  on(event: 'error', listener: (err: Error) => void): unknown;
}

/** A client checked out of a `pg.Pool`. */
export interface PgPoolClient {
  query(text: string, values?: unknown[]): Promise<PgResult>;
  /** Back to the pool; with an error, the client is destroyed instead. */
  release(err?: Error | boolean): void;
  on(event: 'notification', listener: (message: { channel: string; payload?: string | undefined }) => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  on(event: 'end', listener: () => void): unknown;
}

/** A `pg` error's SQLSTATE (`42P01` undefined_table, ...), if it has one. */
export function sqlState(err: unknown): string | undefined {
  return err instanceof Error && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}

/** Loads `pg` (an optional peer dependency) and makes a pool, configured to fail fast. */
export async function createPgPool(connectionString: string, timeoutMs: number): Promise<PgPool> {
  let pg: typeof import('pg');
  try {
    pg = await import('pg');
  } catch (err) {
    throw new MellonError('CONFIG_INVALID', 'a PostgreSQL store needs the pg package: npm install pg', { cause: err });
  }
  // pg is CommonJS: its exports arrive as the default export of the ES module namespace.
  const { Pool } = pg.default;
  return new Pool({
    connectionString,
    // A server that does not answer fails the call at the deadline instead of holding a client.
    connectionTimeoutMillis: timeoutMs,
    query_timeout: timeoutMs,
    // A statement stuck on a lock is cancelled server-side too, so its connection comes back.
    statement_timeout: timeoutMs,
    keepAlive: true,
  });
}
