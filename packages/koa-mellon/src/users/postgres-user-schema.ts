import { applyPostgresMigrations, type PgPool, type PostgresMigration } from '@koa-mellon/web';

/*
 * The PostgreSQL user store's tables (postgres-user-store.ts). Uniqueness is the database's job:
 * a username belongs to one user, an identity (issuer, NameID: django-mellon's
 * UserSAMLIdentifier) to one user, whatever number of instances write at once.
 * `username_folded` / `fields_folded` hold the values after foldCase (JavaScript's locale-free
 * toLowerCase), so that ignoreCase finds what the state user store finds, whatever the database's
 * collation would make of LOWER().
 */
export const USER_MIGRATIONS: readonly PostgresMigration[] = [
  {
    name: 'users-1',
    statements: [
      `CREATE TABLE koa_mellon_users (
        id text PRIMARY KEY,
        username text NOT NULL CONSTRAINT koa_mellon_users_username_key UNIQUE,
        username_folded text NOT NULL,
        is_active boolean NOT NULL,
        is_superuser boolean NOT NULL,
        is_staff boolean NOT NULL,
        groups jsonb NOT NULL,
        fields jsonb NOT NULL,
        fields_folded jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now())`,
      'CREATE INDEX koa_mellon_users_username_folded ON koa_mellon_users (username_folded)',
      'CREATE INDEX koa_mellon_users_fields ON koa_mellon_users USING gin (fields jsonb_path_ops)',
      'CREATE INDEX koa_mellon_users_fields_folded ON koa_mellon_users USING gin (fields_folded jsonb_path_ops)',
      `CREATE TABLE koa_mellon_user_federations (
        issuer text NOT NULL,
        name_id text NOT NULL,
        user_id text NOT NULL REFERENCES koa_mellon_users (id) ON DELETE CASCADE,
        linked_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT koa_mellon_user_federations_identity PRIMARY KEY (issuer, name_id))`,
      'CREATE INDEX koa_mellon_user_federations_user ON koa_mellon_user_federations (user_id)',
      'CREATE TABLE koa_mellon_groups (name text PRIMARY KEY, created_at timestamptz NOT NULL DEFAULT now())',
    ],
  },
];

/**
 * Creates (or brings up to date) the tables of the PostgreSQL user store; returns the migrations
 * it applied. Same family as @koa-mellon/web's `migratePostgres` (one `koa_mellon_migrations`
 * table, safe from several instances at once); `npx koa-mellon migrate --postgres <url>` runs both.
 *
 * @example
 * await migratePostgresUserStore(pool);
 */
export function migratePostgresUserStore(pool: PgPool): Promise<string[]> {
  return applyPostgresMigrations(pool, USER_MIGRATIONS);
}
