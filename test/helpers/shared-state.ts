import { createPostgresStore, createRedisStore, migratePostgres, type StateStore } from '@koa-mellon/web';
import pg from 'pg';
import { TestPostgres } from './postgres.js';
import { TestRedis } from './redis.js';

/** A real server several instances share state through, started for one test. */
export interface SharedStateServer {
  /** The server's URL, as a process outside the test (the CLI) connects to it. */
  readonly url: string;
  /** A new connection (as one more instance would open); the caller closes it. */
  connect(): Promise<StateStore>;
  /** Takes the server down (connections drop); `restart` brings it back with its data. */
  kill(): Promise<void>;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** The backends the multi-instance tests run on: each test file runs its suite once per entry. */
export const SHARED_BACKENDS: readonly { readonly name: string; start(): Promise<SharedStateServer> }[] = [
  {
    name: 'Redis',
    async start() {
      const redis = await TestRedis.start();
      return {
        url: redis.url,
        connect: () => createRedisStore({ url: redis.url }),
        kill: () => redis.kill(),
        restart: () => redis.restart(),
        stop: () => redis.stop(),
      };
    },
  },
  {
    name: 'PostgreSQL',
    async start() {
      const server = await TestPostgres.start();
      // The deployment step (`koa-mellon migrate`), once, before any instance starts.
      const admin = new pg.Pool({ connectionString: server.url, max: 1 });
      try {
        await migratePostgres(admin);
        // The test server runs with synchronous_commit off: without this, an outage test's kill
        // right after start-up could lose the freshly made tables.
        await admin.query('CHECKPOINT');
      } finally {
        await admin.end();
      }
      return {
        url: server.url,
        connect: () => createPostgresStore({ connectionString: server.url }),
        kill: () => server.kill(),
        restart: () => server.restart(),
        stop: () => server.stop(),
      };
    },
  },
];
