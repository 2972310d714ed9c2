import pg from 'pg';
import { migratePostgres, createPostgresStore } from '../../src/index.js';
import { TestPostgres } from '../../../../test/helpers/postgres.js';
import { describeConformance } from './conformance.js';

describeConformance(
  'PostgreSQL',
  async () => {
    const server = await TestPostgres.start();
    const admin = new pg.Pool({ connectionString: server.url, max: 2 });
    admin.on('error', () => undefined);
    await migratePostgres(admin);
    return {
      open: (options = {}) => createPostgresStore({ connectionString: server.url, ...options }),
      remote: { backend: 'postgres', url: server.url },
      server: {
        kill: () => server.kill(),
        restart: () => server.restart(),
        // A lock nobody gets past: statements on the table wait (the store's deadline ends them).
        hang: async () => {
          const client = await admin.connect();
          await client.query('BEGIN');
          await client.query('LOCK TABLE koa_mellon_state_entries IN ACCESS EXCLUSIVE MODE');
          return async () => {
            await client.query('ROLLBACK');
            client.release();
          };
        },
      },
      stop: async () => {
        await admin.end();
        await server.stop();
      },
    };
  },
  { server: true },
);
