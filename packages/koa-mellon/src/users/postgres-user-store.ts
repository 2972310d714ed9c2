import { randomUUID } from 'node:crypto';
import { MellonError } from '@koa-mellon/saml';
import { storeCall, type PgPool } from '@koa-mellon/web';
import type { User, UserStore } from '../adapters/types.js';
import { UsernameTakenError } from './errors.js';
import { foldCase, fromRecord, toRecord, type UserRecord } from './user-record.js';

/** The columns of a user (of table alias `t`), named as a UserRecord (fromRecord checks their shape). */
const columns = (t: string) => `${t}.id, ${t}.username, ${t}.is_active AS "isActive", ${t}.is_superuser AS "isSuperuser", ${t}.is_staff AS "isStaff", ${t}.groups, ${t}.fields`;
const USER_COLUMNS = columns('koa_mellon_users');

/** SQLSTATE 23505 unique_violation, and the constraint a username clash violates. */
const UNIQUE_VIOLATION = '23505';
const USERNAME_CONSTRAINT = 'koa_mellon_users_username_key';

/**
 * A `UserStore` on PostgreSQL (tables from `migratePostgresUserStore`), for several instances:
 * a username is UNIQUE and an identity (issuer, NameID) is the primary key of its link, so two
 * instances provisioning the same new user at once create exactly one (the other's `create`
 * gets UsernameTakenError). Every statement is one parameterised query; every failure is
 * STORE_UNAVAILABLE, within the store deadline.
 *
 * @example
 * const users = createPostgresUserStore(pool);   // a pg.Pool
 * const mellon = createMellon({ ...settings, userStore: users });
 */
export function createPostgresUserStore(pool: PgPool): UserStore {
  const query = (text: string, values: unknown[]) => storeCall(() => pool.query(text, values));
  const oneUser = async (text: string, values: unknown[]): Promise<User | undefined> => {
    const [row] = (await query(text, values)).rows;
    return row === undefined ? undefined : userOf(row);
  };

  return {
    findById: (id) => oneUser(`SELECT ${USER_COLUMNS} FROM koa_mellon_users WHERE id = $1`, [id]),

    findByUsername: (username) => oneUser(`SELECT ${USER_COLUMNS} FROM koa_mellon_users WHERE username = $1`, [username]),

    async findByField(field, value, options = {}) {
      const ignoreCase = options.ignoreCase ?? false;
      const wanted = ignoreCase ? foldCase(value) : value;
      const [text, values] =
        field === 'username'
          ? [`SELECT ${USER_COLUMNS} FROM koa_mellon_users WHERE ${ignoreCase ? 'username_folded' : 'username'} = $1`, [wanted]]
          : // Containment (`@>`) is what the GIN index serves; jsonb_build_object keeps any field name a plain key.
            [`SELECT ${USER_COLUMNS} FROM koa_mellon_users WHERE ${ignoreCase ? 'fields_folded' : 'fields'} @> jsonb_build_object($1::text, $2::text)`, [field, wanted]];
      return (await query(text, values)).rows.map(userOf);
    },

    findByFederation: (issuer, nameId) =>
      oneUser(`SELECT ${columns('u')} FROM koa_mellon_user_federations f JOIN koa_mellon_users u ON u.id = f.user_id WHERE f.issuer = $1 AND f.name_id = $2`, [issuer, nameId]),

    async create(username) {
      const record: UserRecord = { id: randomUUID(), username, isActive: true, isSuperuser: false, isStaff: false, groups: [], fields: {} };
      // The unique username decides between concurrent creates, on every instance: no row, no user.
      const { rowCount } = await query(
        `INSERT INTO koa_mellon_users (id, username, username_folded, is_active, is_superuser, is_staff, groups, fields, fields_folded)
         VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb, $9::jsonb) ON CONFLICT (username) DO NOTHING`,
        rowValues(record),
      );
      if (rowCount !== 1) throw new UsernameTakenError();
      return fromRecord(record, record.id);
    },

    async save(user) {
      const record = toRecord(user);
      let rowCount: number | null;
      try {
        ({ rowCount } = await storeCall(() =>
          pool.query(
            `UPDATE koa_mellon_users SET username = $2, username_folded = $3, is_active = $4, is_superuser = $5, is_staff = $6,
               groups = $7::jsonb, fields = $8::jsonb, fields_folded = $9::jsonb, updated_at = now()
             WHERE id = $1`,
            rowValues(record),
          ),
        ));
      } catch (err) {
        if (isUsernameClash(err)) throw new UsernameTakenError();
        throw err;
      }
      if (rowCount !== 1) throw new MellonError('STORE_UNAVAILABLE', 'user store: save() of a user that was never created');
    },

    /** Links (or re-links) the identity to the user: one row per identity, so never two users. */
    async linkFederation(user, issuer, nameId) {
      await query(
        `INSERT INTO koa_mellon_user_federations (issuer, name_id, user_id) VALUES ($1, $2, $3)
         ON CONFLICT (issuer, name_id) DO UPDATE SET user_id = EXCLUDED.user_id, linked_at = now()`,
        [issuer, nameId, user.id],
      );
    },

    async groupExists(name) {
      return (await query('SELECT 1 FROM koa_mellon_groups WHERE name = $1', [name])).rows.length === 1;
    },

    async createGroup(name) {
      await query('INSERT INTO koa_mellon_groups (name) VALUES ($1) ON CONFLICT (name) DO NOTHING', [name]);
    },
  };
}

/** A selected row as a fresh User; a damaged row is STORE_UNAVAILABLE (fromRecord checks every column). */
function userOf(row: unknown): User {
  const id = typeof row === 'object' && row !== null && 'id' in row && typeof row.id === 'string' ? row.id : '';
  return fromRecord(row, id);
}

/** $1..$9 of the INSERT and UPDATE: the record, then its folded copies for ignoreCase. */
function rowValues(record: UserRecord): unknown[] {
  const folded = Object.fromEntries(Object.entries(record.fields).map(([field, value]) => [field, foldCase(value)]));
  return [record.id, record.username, foldCase(record.username), record.isActive, record.isSuperuser, record.isStaff, JSON.stringify(record.groups), JSON.stringify(record.fields), JSON.stringify(folded)];
}

/** storeCall wraps the driver's error as the cause of STORE_UNAVAILABLE: a username clash is underneath. */
function isUsernameClash(err: unknown): boolean {
  const cause = err instanceof MellonError ? err.cause : err;
  return typeof cause === 'object' && cause !== null && 'code' in cause && cause.code === UNIQUE_VIOLATION && 'constraint' in cause && cause.constraint === USERNAME_CONSTRAINT;
}
