import { MellonError } from '@koa-mellon/saml';
import { expect, use } from 'chai';
import chaiAsPromised from 'chai-as-promised';
import pg from 'pg';
import { createPostgresStore, migratePostgres } from '../../src/index.js';
import { TestPostgres } from '../../../../test/helpers/postgres.js';

use(chaiAsPromised);

// What the conformance suite cannot say for every backend: the schema step, the sweep, the pool.
describe('createPostgresStore / migratePostgres', () => {
  let server: TestPostgres;
  let admin: pg.Pool;
  let databases = 0;
  const pools: pg.Pool[] = [];

  /** A pool on a new, empty database. */
  async function freshDatabase(): Promise<pg.Pool> {
    const name = `fresh_${++databases}`;
    // A constant prefix and a counter: no input reaches this identifier.
    await admin.query(`CREATE DATABASE ${name}`);
    const pool = new pg.Pool({ connectionString: server.url.replace(/\/postgres$/, `/${name}`), max: 4 });
    pool.on('error', () => undefined);
    pools.push(pool);
    return pool;
  }

  const count = async (pool: pg.Pool, table: string) => Number((await pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]?.n);

  before(async function () {
    this.timeout(30_000);
    server = await TestPostgres.start();
    admin = new pg.Pool({ connectionString: server.url, max: 2 });
  });
  after(async () => {
    for (const pool of pools) await pool.end();
    await admin?.end();
    await server?.stop();
  });

  it('fails closed with STORE_UNAVAILABLE while the tables are missing, and works once migrated, same store', async () => {
    const pool = await freshDatabase();
    const store = await createPostgresStore(pool);
    try {
      const ns = store.namespace('replay');
      const missing = await ns.setIfAbsent('k', true, 60_000).catch((err: unknown) => err);
      expect(missing).to.be.instanceOf(MellonError).and.have.property('code', 'STORE_UNAVAILABLE');
      expect((missing as MellonError).cause).to.have.property('code', '42P01');
      expect(await migratePostgres(pool)).to.deep.equal(['state-1']);
      expect(await ns.setIfAbsent('k', true, 60_000)).to.equal(true);
    } finally {
      await store.close();
    }
  });

  it('migrates once: concurrent and repeated runs apply nothing twice', async () => {
    const pool = await freshDatabase();
    const other = new pg.Pool({ connectionString: server.url.replace(/\/postgres$/, `/fresh_${databases}`), max: 2 });
    pools.push(other);
    const [first, second] = await Promise.all([migratePostgres(pool), migratePostgres(other)]);
    expect([...first, ...second]).to.deep.equal(['state-1']);
    expect(await migratePostgres(pool)).to.deep.equal([]);
  });

  it('sweeps expired rows in the background, more than one batch of them', async function () {
    this.timeout(20_000);
    const pool = await freshDatabase();
    await migratePostgres(pool);
    const store = await createPostgresStore({ pool, sweepIntervalMs: 50 });
    try {
      const ns = store.namespace('sweep');
      await pool.query(
        `INSERT INTO koa_mellon_state_entries (namespace, key_hash, key, value, expires_at)
         SELECT 'sweep', sha256(convert_to(i::text, 'UTF8')), i::text, '1', now() - interval '1 second' FROM generate_series(1, 2500) AS i`,
      );
      for (let i = 0; i < 20; i++) await ns.indexAdd(`index-${i % 4}`, `member-${i}`, 10);
      await ns.lease('lease', 10);
      await ns.set('kept', 'v', 3_600_000);
      const swept = async () => (await count(pool, 'koa_mellon_state_entries')) === 1 && (await count(pool, 'koa_mellon_state_index_members')) === 0 && (await count(pool, 'koa_mellon_state_indexes')) === 0 && (await count(pool, 'koa_mellon_state_leases')) === 0;
      const end = Date.now() + 15_000;
      while (!(await swept()) && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(await swept()).to.equal(true);
      expect(await ns.get('kept')).to.equal('v');
    } finally {
      await store.close();
    }
  });

  it("uses the app's pool and leaves it open on close", async () => {
    const pool = await freshDatabase();
    await migratePostgres(pool);
    const store = await createPostgresStore(pool);
    await store.namespace('n').set('k', 1, 60_000);
    await store.close();
    expect((await pool.query<{ one: number }>('SELECT 1 AS one')).rows[0]?.one).to.equal(1);
  });

  it('keeps apps sharing one database apart by prefix', async () => {
    const pool = await freshDatabase();
    await migratePostgres(pool);
    const [one, two, none] = [await createPostgresStore({ pool, prefix: 'app-one' }), await createPostgresStore({ pool, prefix: 'app-two' }), await createPostgresStore(pool)];
    try {
      await one.namespace('sp-users').set('username:jdoe', 'one', 60_000);
      expect(await two.namespace('sp-users').get('username:jdoe')).to.equal(undefined);
      expect(await none.namespace('sp-users').get('username:jdoe')).to.equal(undefined);
      expect(await two.namespace('sp-users').setIfAbsent('username:jdoe', 'two', 60_000)).to.equal(true);
      expect(await one.namespace('sp-users').get('username:jdoe')).to.equal('one');
    } finally {
      for (const store of [one, two, none]) await store.close();
    }
  });

  it('needs a connection string or a pool', async () => {
    await expect(createPostgresStore({})).to.be.rejectedWith(TypeError);
  });
});
