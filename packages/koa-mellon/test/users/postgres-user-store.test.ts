import { MellonError } from '@koa-mellon/saml';
import { expect, use } from 'chai';
import chaiAsPromised from 'chai-as-promised';
import pg from 'pg';
import type { User, UserStore } from '../../src/adapters/types.js';
import { UsernameTakenError } from '../../src/users/errors.js';
import { migratePostgresUserStore } from '../../src/users/postgres-user-schema.js';
import { createPostgresUserStore } from '../../src/users/postgres-user-store.js';
import { TestPostgres } from '../../../../test/helpers/postgres.js';
import { freePort } from '../../../../test/helpers/redis.js';
import { describeUserStore } from './user-store-suite.js';

use(chaiAsPromised);

let server: TestPostgres;
let pool: pg.Pool;

before(async function () {
  this.timeout(30_000);
  server = await TestPostgres.start();
  pool = new pg.Pool({ connectionString: server.url, max: 8 });
  pool.on('error', () => undefined);
  await migratePostgresUserStore(pool);
});
after(async () => {
  await pool?.end();
  await server?.stop();
});

describeUserStore('createPostgresUserStore', () => ({
  fresh: async () => {
    await pool.query('TRUNCATE koa_mellon_users, koa_mellon_user_federations, koa_mellon_groups');
    return createPostgresUserStore(pool);
  },
  corrupt: async (id) => {
    await pool.query(`UPDATE koa_mellon_users SET fields = '{"email": 42}' WHERE id = $1`, [id]);
  },
}));

/** DefaultAdapter's first login of an identity: find the link, else create the user and link it (adapters/default-adapter.ts). */
async function provision(users: UserStore, issuer: string, nameId: string): Promise<User | 'taken'> {
  const linked = await users.findByFederation(issuer, nameId);
  if (linked) return linked;
  let user: User;
  try {
    user = await users.create(`${nameId}@saml`);
  } catch (err) {
    if (!(err instanceof UsernameTakenError)) throw err;
    return (await users.findByFederation(issuer, nameId)) ?? 'taken';
  }
  await users.linkFederation(user, issuer, nameId);
  return user;
}

describe('createPostgresUserStore', () => {
  beforeEach(async () => {
    await pool.query('TRUNCATE koa_mellon_users, koa_mellon_user_federations, koa_mellon_groups');
  });

  it('creates exactly one user when two instances provision the same new identity at once', async () => {
    // Two instances: two pools, each with its own connections to the server.
    const other = new pg.Pool({ connectionString: server.url, max: 8 });
    try {
      const [one, two] = [createPostgresUserStore(pool), createPostgresUserStore(other)];
      const identities = Array.from({ length: 20 }, (_, i) => `user-${i}`);
      const outcomes = await Promise.all(identities.flatMap((nameId) => [provision(one, 'https://idp.example.com', nameId), provision(two, 'https://idp.example.com', nameId)]));
      const users = await pool.query<{ username: string; n: string }>('SELECT username, count(*) AS n FROM koa_mellon_users GROUP BY username');
      expect(users.rows).to.have.length(identities.length);
      expect(users.rows.every((row) => row.n === '1')).to.equal(true);
      for (const nameId of identities) {
        const linked = await one.findByFederation('https://idp.example.com', nameId);
        expect(linked?.username).to.equal(`${nameId}@saml`);
      }
      // Whoever lost the race got the winner's user or a refusal, never a second account.
      const ids = new Set(outcomes.filter((o): o is User => o !== 'taken').map((user) => user.username));
      expect(ids.size).to.equal(identities.length);
    } finally {
      await other.end();
    }
  });

  it('keeps one link per identity: UNIQUE (issuer, NameID)', async () => {
    const users = createPostgresUserStore(pool);
    const [a, b] = [await users.create('a'), await users.create('b')];
    await Promise.all([users.linkFederation(a, 'idp', 'abc'), users.linkFederation(b, 'idp', 'abc')]);
    const rows = await pool.query('SELECT user_id FROM koa_mellon_user_federations WHERE issuer = $1 AND name_id = $2', ['idp', 'abc']);
    expect(rows.rows).to.have.length(1);
  });

  it('refuses a rename to a taken username with UsernameTakenError, from another instance too', async () => {
    const users = createPostgresUserStore(pool);
    await users.create('jane');
    const jdoe = await users.create('jdoe');
    jdoe.username = 'jane';
    await expect(createPostgresUserStore(pool).save(jdoe)).to.be.rejectedWith(UsernameTakenError);
  });

  it('fails closed with STORE_UNAVAILABLE when the server is unreachable', async () => {
    const down = new pg.Pool({ connectionString: `postgres://postgres@127.0.0.1:${await freePort()}/postgres`, connectionTimeoutMillis: 1000 });
    try {
      const users = createPostgresUserStore(down);
      await expect(users.findByFederation('idp', 'abc')).to.be.rejectedWith(MellonError).and.eventually.have.property('code', 'STORE_UNAVAILABLE');
      await expect(users.create('jdoe')).to.be.rejectedWith(MellonError).and.eventually.have.property('code', 'STORE_UNAVAILABLE');
    } finally {
      await down.end();
    }
  });

  it('fails closed with STORE_UNAVAILABLE when the tables were never created', async () => {
    await pool.query('CREATE DATABASE unmigrated');
    const bare = new pg.Pool({ connectionString: server.url.replace(/\/postgres$/, '/unmigrated') });
    try {
      await expect(createPostgresUserStore(bare).findByUsername('jdoe')).to.be.rejectedWith(MellonError).and.eventually.have.property('code', 'STORE_UNAVAILABLE');
    } finally {
      await bare.end();
    }
  });
});
