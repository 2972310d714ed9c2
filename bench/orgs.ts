/**
 * `npm run bench:orgs`: many customer organizations (issue #18), all in one run.
 *
 * 1. A registry of `--orgs` (10,000) organizations on each state store (memory, and Redis and
 *    PostgreSQL when `--stores` lists them), in this process:
 *    - finding an organization per request, as `{base}/{slug}/...` does (`orgs.get(slug)`): the
 *      first request of each organization (registry read, validation, its SP built) and every
 *      later one (the built SP, cached until a change is published), p50/p99;
 *    - the identity-first lookup by e-mail domain (`registry.findByEmailDomain`), p50/p99;
 *    - memory per organization, heap after a full GC (`--expose-gc`): the registry's records on the
 *      memory store, and each organization's SP once served, delta / count.
 * 2. Logins per second through `/orgs/{slug}/` routes (`--active` organizations of the registry in
 *    turn) against the single-IdP routes `/sp/`, each SP in a process of its own on the memory
 *    store (bench/lib/login-server.ts), rounds alternating the two; medians over rounds and the
 *    ratio (target: within 10 %).
 *
 * Every loop is bounded by a count. The numbers and how to read them are in docs/performance.md.
 */
import { parseArgs } from 'node:util';
import { createMellonOrganizations, createOrganizationRegistry, type MellonOrganizations } from 'koa-mellon';
import { createMemoryStore, createPostgresStore, createRedisStore, migratePostgres, type StateStore } from '@koa-mellon/web';
import pg from 'pg';
import { testKeyPair } from '../test/helpers/keys.js';
import { TestPostgres } from '../test/helpers/postgres.js';
import { TestRedis } from '../test/helpers/redis.js';
import { drive, startSp, usage, writeBenchKeys, type Sp } from './lib/login-driver.js';
import { describeMachine } from './lib/machine.js';
import { median } from './lib/measure.js';
import { benchIdpMetadata, domainOf, populateRegistry, slugOf } from './lib/orgs-fixture.js';

const { values } = parseArgs({
  options: {
    orgs: { type: 'string', default: '10000' },
    lookups: { type: 'string', default: '20000' },
    stores: { type: 'string', default: 'memory,redis,postgres' }, // or `none`: the logins only
    rounds: { type: 'string', default: '5' },
    logins: { type: 'string', default: '300' },
    active: { type: 'string', default: '200' },
    concurrency: { type: 'string', default: '8' },
  },
});
const ORGS = Number(values.orgs);
const LOOKUPS = Number(values.lookups);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc (npm run bench:orgs does)');

const percentile = (sorted: readonly number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
const micros = (ms: readonly number[]) => {
  const sorted = [...ms].sort((a, b) => a - b);
  return `${(percentile(sorted, 0.5) * 1000).toFixed(1).padStart(9)} ${(percentile(sorted, 0.99) * 1000).toFixed(1).padStart(9)}`;
};
const heap = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};
/** A fixed pseudo-random order of organizations (the same every run): no cache locality by slug. */
const pick = (n: number) => (n * 7919 + 13) % ORGS;

interface StoreUnderTest {
  readonly name: string;
  open(): Promise<StateStore>;
  stop(): Promise<void>;
}

async function storesUnderTest(): Promise<StoreUnderTest[]> {
  const wanted = new Set(values.stores.split(','));
  const list: StoreUnderTest[] = [];
  if (wanted.has('memory')) list.push({ name: 'memory', open: async () => createMemoryStore({ maxEntries: 4 * ORGS + 1000 }), stop: async () => undefined });
  if (wanted.has('redis')) {
    const redis = await TestRedis.start();
    list.push({ name: 'Redis', open: async () => createRedisStore({ url: redis.url }), stop: () => redis.stop() });
  }
  if (wanted.has('postgres')) {
    const postgres = await TestPostgres.start();
    const admin = new pg.Pool({ connectionString: postgres.url, max: 1 });
    await migratePostgres(admin);
    await admin.end();
    list.push({ name: 'PostgreSQL', open: async () => createPostgresStore({ connectionString: postgres.url }), stop: () => postgres.stop() });
  }
  return list;
}

async function timeEach(count: number, call: (n: number) => Promise<unknown>): Promise<number[]> {
  const times: number[] = [];
  for (let n = 0; n < count; n++) {
    const t0 = performance.now();
    await call(n);
    times.push(performance.now() - t0);
  }
  return times;
}

async function registryOn(target: StoreUnderTest, metadata: string): Promise<string> {
  const store = await target.open();
  let orgs: MellonOrganizations | undefined;
  try {
    const registry = createOrganizationRegistry(store);
    const empty = heap();
    const t0 = performance.now();
    await populateRegistry(registry, ORGS, metadata);
    const populated = (performance.now() - t0) / 1000;
    const stored = target.name === 'memory' ? (heap() - empty) / ORGS : NaN;
    orgs = createMellonOrganizations({
      baseUrl: 'https://app.example.test/orgs',
      organizations: [],
      registry,
      privateKey: testKeyPair('sp').keyPem,
      publicKeys: [testKeyPair('sp').certPem],
      logger: { debug() {}, info() {}, warn() {}, error: (obj: unknown, msg?: string) => console.error(msg, obj) },
    });
    const served = orgs;
    const beforeServed = heap();
    // The first request of every organization: read, validated, its SP built and cached.
    const cold = await timeEach(ORGS, async (n) => {
      if (!(await served.get(slugOf(n)))) throw new Error(`${slugOf(n)} not found`);
    });
    const perServed = (heap() - beforeServed) / ORGS;
    const warm = await timeEach(LOOKUPS, (n) => served.get(slugOf(pick(n))));
    const byDomain = await timeEach(LOOKUPS, async (n) => {
      if ((await registry.findByEmailDomain(domainOf(pick(n)))).length !== 1) throw new Error('domain lookup missed');
    });
    const kb = (bytes: number) => (Number.isNaN(bytes) ? '—' : (bytes / 1024).toFixed(1));
    return `${target.name.padEnd(11)} ${populated.toFixed(1).padStart(8)} ${micros(cold)} ${micros(warm)} ${micros(byDomain)} ${kb(stored).padStart(9)} ${kb(perServed).padStart(9)}`;
  } finally {
    orgs?.close();
    await store.close();
  }
}

async function logins(): Promise<string[]> {
  const rounds = Number(values.rounds);
  const perRound = Number(values.logins);
  const active = Number(values.active);
  const concurrency = Number(values.concurrency);
  const keyDir = writeBenchKeys();
  const single = await startSp('single IdP /sp/', 'memory', { KEY_DIR: keyDir });
  const orgs = await startSp(`organizations /orgs/{slug}/`, 'orgs', { KEY_DIR: keyDir, ORGS: String(ORGS) }, (n) => `/orgs/${slugOf(pick(n % active))}/login/`);
  const sps = [single, orgs];
  try {
    // Warm-up: JIT, and each active organization's SP built (its first request is part 1's "first").
    for (const sp of sps) await drive(sp, 2 * active, 1000, concurrency);
    const rate = new Map<Sp, number[]>(sps.map((sp) => [sp, []]));
    const cpu = new Map<Sp, number[]>(sps.map((sp) => [sp, []]));
    for (let round = 0; round < rounds; round++) {
      for (let k = 0; k < sps.length; k++) {
        const sp = sps[(round + k) % sps.length] as Sp;
        const before = await usage(sp);
        const seconds = await drive(sp, perRound, 1000, concurrency, round * perRound);
        const after = await usage(sp);
        rate.get(sp)?.push(perRound / seconds);
        cpu.get(sp)?.push((after.cpu.user + after.cpu.system - before.cpu.user - before.cpu.system) / 1000 / perRound);
      }
    }
    const lines = [`${rounds} rounds × ${perRound} logins per SP, concurrency ${concurrency}, ${active} of ${ORGS} organizations in turn; medians over rounds`, ''];
    lines.push(`${'SP'.padEnd(30)} ${'logins/s'.padStart(9)} ${'SP CPU ms/login'.padStart(16)} ${'heap MB'.padStart(8)} ${'logins/s ratio'.padStart(15)} ${'CPU ratio'.padStart(10)}`);
    const reference = median(rate.get(single) ?? []);
    const referenceCpu = median(cpu.get(single) ?? []);
    for (const sp of sps) {
      const r = median(rate.get(sp) ?? []);
      const c = median(cpu.get(sp) ?? []);
      const memory = await usage(sp, true);
      lines.push(`${sp.name.padEnd(30)} ${r.toFixed(0).padStart(9)} ${c.toFixed(2).padStart(16)} ${(memory.memory.heapUsed / 1e6).toFixed(0).padStart(8)} ${`${(r / reference).toFixed(3)}×`.padStart(15)} ${`${(c / referenceCpu).toFixed(3)}×`.padStart(10)}`);
    }
    // The two SPs of a round ran back to back: their ratio is less exposed to the machine's other load than the medians'.
    const paired = (rate.get(orgs) ?? []).map((r, i) => r / ((rate.get(single) ?? [])[i] ?? NaN));
    lines.push('', `median of the per-round ratios (organizations / single IdP): logins/s ${median(paired).toFixed(3)}×`);
    lines.push(`per round, logins/s: ${sps.map((sp) => `${sp.name}: ${(rate.get(sp) ?? []).map((r) => r.toFixed(0)).join(' ')}`).join('; ')}`);
    return lines;
  } finally {
    for (const sp of sps) sp.child.kill();
  }
}

const metadata = benchIdpMetadata(testKeyPair('idp').certPem);
console.log(describeMachine().slice(0, 3).join('\n'));
console.log(`\n1. A registry of ${ORGS} organizations; ${LOOKUPS} lookups each; times in µs (p50 p99), memory in KB per organization\n`);
console.log(`${'store'.padEnd(11)} ${'fill s'.padStart(8)} ${'first p50'.padStart(9)} ${'first p99'.padStart(9)} ${'find p50'.padStart(9)} ${'find p99'.padStart(9)} ${'domain p50'.padStart(9)} ${'domain p99'.padStart(9)} ${'stored KB'.padStart(9)} ${'served KB'.padStart(9)}`);
const targets = await storesUnderTest(); // `--stores none`: part 2 only
try {
  for (const target of targets) console.log(await registryOn(target, metadata));
} finally {
  for (const target of targets) await target.stop();
}
console.log(`\n2. Logins per second\n`);
console.log((await logins()).join('\n'));
process.exit(0);
