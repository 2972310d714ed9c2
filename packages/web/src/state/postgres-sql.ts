/*
 * The state store's statements, all parameterised. Table and column names are constants; every
 * value (namespace, key, member, TTL, token, message) is a parameter. TTLs are milliseconds
 * added to the server's clock (`now()`), so instances with skewed clocks agree on expiry.
 *
 * Atomicity comes from the statement itself, never from a read followed by a write:
 * - set-if-absent and lease: `INSERT ... ON CONFLICT DO UPDATE ... WHERE <old row expired>
 *   RETURNING`: a live row is left alone and returns nothing; of racing inserts, the losers wait
 *   for the winner's row and then find it live.
 * - take: `DELETE ... RETURNING`: of racing deletes, one returns the row.
 * - index add: the head row is upserted first, so every add to one index queues on that row.
 */

const TTL = (n: number) => `now() + $${n}::double precision * interval '1 millisecond'`;

export const SQL = {
  get: 'SELECT value::text AS json FROM koa_mellon_state_entries WHERE namespace = $1 AND key_hash = $2 AND expires_at > now()',

  set: `INSERT INTO koa_mellon_state_entries (namespace, key_hash, key, value, expires_at) VALUES ($1, $2, $3, $4::jsonb, ${TTL(5)})
    ON CONFLICT (namespace, key_hash) DO UPDATE SET value = EXCLUDED.value, expires_at = EXCLUDED.expires_at`,

  delete: 'DELETE FROM koa_mellon_state_entries WHERE namespace = $1 AND key_hash = $2',

  setIfAbsent: `INSERT INTO koa_mellon_state_entries AS e (namespace, key_hash, key, value, expires_at) VALUES ($1, $2, $3, $4::jsonb, ${TTL(5)})
    ON CONFLICT (namespace, key_hash) DO UPDATE SET key = EXCLUDED.key, value = EXCLUDED.value, expires_at = EXCLUDED.expires_at
    WHERE e.expires_at <= now()
    RETURNING 1`,

  take: 'DELETE FROM koa_mellon_state_entries WHERE namespace = $1 AND key_hash = $2 AND expires_at > now() RETURNING value::text AS json',

  indexAdd: `WITH head AS (
      INSERT INTO koa_mellon_state_indexes AS h (namespace, key_hash, key, generation, expires_at)
      VALUES ($1, $2, $3, nextval('koa_mellon_state_generation'), ${TTL(6)})
      ON CONFLICT (namespace, key_hash) DO UPDATE SET
        generation = CASE WHEN h.expires_at <= now() THEN EXCLUDED.generation ELSE h.generation END,
        expires_at = CASE WHEN h.expires_at <= now() THEN EXCLUDED.expires_at ELSE greatest(h.expires_at, EXCLUDED.expires_at) END
      RETURNING generation)
    INSERT INTO koa_mellon_state_index_members (namespace, key_hash, member_hash, member, generation)
    SELECT $1, $2, $4, $5, generation FROM head
    ON CONFLICT (namespace, key_hash, member_hash) DO UPDATE SET generation = EXCLUDED.generation`,

  indexMembers: `SELECT m.member FROM koa_mellon_state_indexes h
    JOIN koa_mellon_state_index_members m ON m.namespace = h.namespace AND m.key_hash = h.key_hash AND m.generation = h.generation
    WHERE h.namespace = $1 AND h.key_hash = $2 AND h.expires_at > now()`,

  indexRemove: 'DELETE FROM koa_mellon_state_index_members WHERE namespace = $1 AND key_hash = $2 AND member_hash = $3',

  leaseAcquire: `INSERT INTO koa_mellon_state_leases AS l (namespace, key_hash, key, holder, expires_at) VALUES ($1, $2, $3, $4, ${TTL(5)})
    ON CONFLICT (namespace, key_hash) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
    WHERE l.expires_at <= now()
    RETURNING 1`,

  leaseRelease: 'DELETE FROM koa_mellon_state_leases WHERE namespace = $1 AND key_hash = $2 AND holder = $3',

  leaseRenew: `UPDATE koa_mellon_state_leases SET expires_at = ${TTL(4)}
    WHERE namespace = $1 AND key_hash = $2 AND holder = $3 AND expires_at > now()`,

  publish: 'SELECT pg_notify($1, $2)',
} as const;

/** How many expired rows one sweep statement deletes. */
export const SWEEP_BATCH = 1000;

/*
 * Sweep statements: a bounded batch of expired rows, skipping rows another instance is sweeping
 * or writing. Expiry is checked again on the row deleted: a row renewed meanwhile stays.
 */
const sweepRows = (table: string) => `DELETE FROM ${table} WHERE (namespace, key_hash) IN (
    SELECT namespace, key_hash FROM ${table} WHERE expires_at <= now() LIMIT ${SWEEP_BATCH} FOR UPDATE SKIP LOCKED)
  AND expires_at <= now()`;

export const SWEEP = {
  entries: sweepRows('koa_mellon_state_entries'),
  leases: sweepRows('koa_mellon_state_leases'),
  /** An expired index goes with all its members (an add to it waits on its head row meanwhile). */
  indexes: `WITH dead AS (${sweepRows('koa_mellon_state_indexes')} RETURNING namespace, key_hash),
    members AS (DELETE FROM koa_mellon_state_index_members m USING dead WHERE m.namespace = dead.namespace AND m.key_hash = dead.key_hash)
    SELECT count(*)::int AS n FROM dead`,
} as const;
