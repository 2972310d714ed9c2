/**
 * `npm run bench:logins`: whole SP-initiated logins per second through the real HTTP stack
 * (GET login/ → signed AuthnRequest → the IdP's signed Response POSTed to the ACS → finish →
 * session), koa-mellon on its memory, Redis and PostgreSQL state stores next to a node-saml Koa
 * app doing the same work, each SP in a process of its own, all in one run. Rounds alternate the
 * SPs (machine noise lands on all alike); the table shows medians over rounds of logins/s at
 * concurrency 8 and of the SP process's CPU per login, and the ratios.
 *
 * `npm run bench:logins -- --soak 100000`: koa-mellon in memory only, recurring users (1,000
 * NameIDs) with 60 s sessions; prints the SP's heap (after a full GC) and RSS every 10,000 logins:
 * both must level off once sessions expire, not grow with the number of logins.
 *
 * The load generator (this process) signs each Response with the core signer; its cost is the
 * same for every SP, so logins/s compare, and the SP's own CPU per login is measured apart.
 */
import { parseArgs } from 'node:util';
import { migratePostgres } from '@koa-mellon/web';
import pg from 'pg';
import { TestPostgres } from '../test/helpers/postgres.js';
import { TestRedis } from '../test/helpers/redis.js';
import { drive as driveLogins, startSp as startLoginServer, usage, writeBenchKeys, type Sp } from './lib/login-driver.js';
import { describeMachine } from './lib/machine.js';
import { median } from './lib/measure.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '5' }, logins: { type: 'string', default: '300' }, concurrency: { type: 'string', default: '8' }, soak: { type: 'string' } } });
const CONCURRENCY = Number(values.concurrency);
const keyDir = writeBenchKeys();
const startSp = (name: string, kind: string, env: Record<string, string> = {}) => startLoginServer(name, kind, { KEY_DIR: keyDir, ...env });
const drive = (sp: Sp, count: number, users: number, offset = 0) => driveLogins(sp, count, users, CONCURRENCY, offset);

async function compare(): Promise<void> {
  const rounds = Number(values.rounds);
  const perRound = Number(values.logins);
  const redis = await TestRedis.start();
  const postgres = await TestPostgres.start();
  const admin = new pg.Pool({ connectionString: postgres.url, max: 1 });
  await migratePostgres(admin);
  await admin.end();
  // The PostgreSQL test server runs with fsync and synchronous_commit off (test/helpers/postgres.ts):
  // docs/performance.md says so beside the numbers.
  const sps = [
    await startSp('koa-mellon, memory', 'memory'),
    await startSp('koa-mellon, Redis', 'redis', { STORE_URL: redis.url }),
    await startSp('koa-mellon, PostgreSQL', 'postgres', { STORE_URL: postgres.url }),
    await startSp('node-saml Koa route', 'node-saml'),
  ];
  try {
    for (const sp of sps) await drive(sp, 200, 1000); // warm-up: JIT, connections, first users
    const rate = new Map<string, number[]>(sps.map((sp) => [sp.name, []]));
    const cpu = new Map<string, number[]>(sps.map((sp) => [sp.name, []]));
    for (let round = 0; round < rounds; round++) {
      for (let k = 0; k < sps.length; k++) {
        const sp = sps[(round + k) % sps.length] as Sp;
        const before = await usage(sp);
        const seconds = await drive(sp, perRound, 1000, round * perRound);
        const after = await usage(sp);
        rate.get(sp.name)?.push(perRound / seconds);
        cpu.get(sp.name)?.push((after.cpu.user + after.cpu.system - before.cpu.user - before.cpu.system) / 1000 / perRound);
      }
    }
    const reference = median(rate.get('node-saml Koa route') ?? []);
    const redisRate = median(rate.get('koa-mellon, Redis') ?? []);
    console.log(describeMachine().join('\n'));
    console.log(`\n${rounds} rounds × ${perRound} logins per SP, concurrency ${CONCURRENCY}, medians over rounds\n`);
    console.log(`${'SP'.padEnd(26)} ${'logins/s'.padStart(9)} ${'SP CPU ms/login'.padStart(16)} ${'vs node-saml'.padStart(13)} ${'vs Redis'.padStart(9)}`);
    for (const sp of sps) {
      const r = median(rate.get(sp.name) ?? []);
      const c = median(cpu.get(sp.name) ?? []);
      console.log(`${sp.name.padEnd(26)} ${r.toFixed(0).padStart(9)} ${c.toFixed(2).padStart(16)} ${`${(r / reference).toFixed(2)}×`.padStart(13)} ${`${(r / redisRate).toFixed(2)}×`.padStart(9)}`);
    }
  } finally {
    for (const sp of sps) sp.child.kill();
    await redis.stop();
    await postgres.stop();
  }
}

async function soak(total: number): Promise<void> {
  const sp = await startSp('koa-mellon, memory', 'memory', { SESSION_MAX_AGE: '60' });
  try {
    const mb = (bytes: number) => (bytes / 1e6).toFixed(0);
    console.log(describeMachine().slice(0, 3).join('\n'));
    console.log(`\n${total} logins of 1,000 recurring users, 60 s sessions, concurrency ${CONCURRENCY}\n`);
    console.log(`${'logins'.padStart(8)} ${'seconds'.padStart(8)} ${'heap MB'.padStart(8)} ${'RSS MB'.padStart(8)}`);
    const first = await usage(sp, true);
    console.log(`${'0'.padStart(8)} ${'0'.padStart(8)} ${mb(first.memory.heapUsed).padStart(8)} ${mb(first.memory.rss).padStart(8)}`);
    const started = performance.now();
    for (let done = 0; done < total; done += 10_000) {
      await drive(sp, 10_000, 1000, done);
      const now = await usage(sp, true);
      console.log(`${String(done + 10_000).padStart(8)} ${((performance.now() - started) / 1000).toFixed(0).padStart(8)} ${mb(now.memory.heapUsed).padStart(8)} ${mb(now.memory.rss).padStart(8)}`);
    }
  } finally {
    sp.child.kill();
  }
}

await (values.soak === undefined ? compare() : soak(Number(values.soak)));
process.exit(0);
