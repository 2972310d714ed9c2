import { expect } from 'chai';
import pg from 'pg';
import { TestPostgres } from '../../../../test/helpers/postgres.js';
import { freePort } from '../../../../test/helpers/redis.js';
import { runCli, useTempDir } from './run-cli.js';

describe('koa-mellon migrate', () => {
  const dir = useTempDir('migrate');
  let server: TestPostgres;
  before(async function () {
    this.timeout(30_000);
    server = await TestPostgres.start();
  });
  after(async () => {
    await server?.stop();
  });

  it('creates the state and user tables, then finds nothing to do', async () => {
    const first = await runCli(['migrate', '--postgres', server.url], dir());
    expect(first.code).to.equal(0);
    expect(first.stdout).to.contain('state-1').and.contain('users-1');
    const pool = new pg.Pool({ connectionString: server.url });
    try {
      const tables = await pool.query<{ name: string }>("SELECT tablename AS name FROM pg_tables WHERE tablename LIKE 'koa_mellon_%'");
      expect(tables.rows.map((row) => row.name)).to.include.members(['koa_mellon_state_entries', 'koa_mellon_users', 'koa_mellon_user_federations', 'koa_mellon_migrations']);
    } finally {
      await pool.end();
    }
    const again = await runCli(['migrate', '--postgres', server.url], dir());
    expect(again.code).to.equal(0);
    expect(again.stdout).to.contain('up to date');
  });

  it('exits 1 when the server cannot be reached, without printing the password', async () => {
    const result = await runCli(['migrate', '--postgres', `postgres://app:hunter2@127.0.0.1:${await freePort()}/app`], dir());
    expect(result.code).to.equal(1);
    expect(result.stderr).to.contain('ECONNREFUSED').and.not.contain('hunter2').and.not.match(/\n\s+at /);
  });

  it('exits 2 without --postgres, or with something else than a postgres:// URL', async () => {
    expect((await runCli(['migrate'], dir())).code).to.equal(2);
    expect((await runCli(['migrate', '--postgres', 'mysql://localhost/app'], dir())).code).to.equal(2);
  });
});
