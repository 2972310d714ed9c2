/**
 * How long a metadata refresh holds the event loop (issue #12.8).
 *
 *   npm run bench:metadata            (= node --conditions=koa-mellon-source --import tsx bench/metadata-refresh.ts)
 *   ... bench/metadata-refresh.ts [entities=5000] [--before=<git revision>] [--rounds=2]
 *
 * A local HTTP server (127.0.0.1, in a child process) serves a signed federation aggregate (bench/lib/metadata-aggregate.ts,
 * 5,000 entities, ~24 MB) without validators, so that every check downloads the body. Three
 * contenders run in the same process, one after the other in each round:
 *
 *   - before:    the metadata sources of `--before` (default c656f3e, the code before this work),
 *                extracted from git: in-thread parse, the body hashed and decoded as one string;
 *   - in-thread: the current sources with `workerThreshold: Infinity`;
 *   - worker:    the current sources as configured by default.
 *
 * For each: the first load, a refresh that brings a changed document, and one that brings the same
 * bytes again (for the worker, until every entity of the copy is built: that happens in the
 * background). perf_hooks.monitorEventLoopDelay (1 ms resolution) records how late the event loop
 * ran during each; the table gives the worst (max) and p99 over the rounds, and the wall time. On
 * Linux, the longest stall is split into the main thread's time on a CPU (our work, GC included)
 * and its time waiting for one (the machine's other load), from /proc/self/task/<pid>/schedstat.
 * Then, for small documents, the cost of each path, which sets the default workerThreshold.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parseMetadataAsync } from '../packages/saml/src/metadata/parse-async.js';
import { createMetadataSource } from '../packages/saml/src/metadata/sources/create.js';
import type { MetadataSource, MetadataSourceOptions } from '../packages/saml/src/metadata/sources/types.js';
import { LazyEntityMap } from '../packages/saml/src/metadata/worker/lazy-entities.js';
import { extractSamlSource } from './lib/before-code.js';
import { buildAggregate, makeCertificates, makePublisher } from './lib/metadata-aggregate.js';
import { describeMachine } from './lib/machine.js';

setFlagsFromString('--expose-gc');
// The gc function exposed by the flag above, fetched from a fresh context.
const gc = runInNewContext('gc') as () => void;

const args = process.argv.slice(2);
const flag = (name: string, fallback: string): string => args.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const count = Number(args.find((arg) => /^\d+$/.test(arg)) ?? 5000);
const rounds = Number(flag('rounds', '2'));
const beforeRevision = flag('before', 'c656f3e');
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

// ---- The documents: two versions of one signed aggregate, kept as bytes (off the JS heap).
let start = performance.now();
const certs = makeCertificates(count);
const publisher = makePublisher();
const v1 = Buffer.from(buildAggregate(count, certs, publisher, 'v1').signed);
const v2 = Buffer.from(buildAggregate(count, certs, publisher, 'v2').signed);
certs.length = 0;
gc();
console.log(`aggregate of ${count} entities built in ${(performance.now() - start).toFixed(0)} ms: ${mb(v1.length)}`);

// The server runs in a child process: serving 24 MB must not cost the event loop being measured.
const docsDir = mkdtempSync(join(tmpdir(), 'km-bench-documents-'));
writeFileSync(join(docsDir, 'v1.xml'), v1);
writeFileSync(join(docsDir, 'v2.xml'), v2);
const serverScript = `
const { createServer } = require('node:http');
const { readFileSync } = require('node:fs');
const documents = { v1: readFileSync(process.argv[1]), v2: readFileSync(process.argv[2]) };
let served = documents.v1;
const server = createServer((req, res) => {
  const to = /^\\/switch\\/(v1|v2)$/.exec(req.url ?? '');
  if (to) { served = documents[to[1]]; res.end('ok'); return; }
  res.setHeader('content-type', 'application/samlmetadata+xml');
  res.end(served);
});
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
`;
const child = spawn(process.execPath, ['-e', serverScript, join(docsDir, 'v1.xml'), join(docsDir, 'v2.xml')], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, NODE_OPTIONS: '' } });
const [portLine] = (await once(child.stdout, 'data')) as [Buffer];
const origin = `http://127.0.0.1:${portLine.toString().trim()}`;
const url = `${origin}/federation.xml`;
const serve = async (version: 'v1' | 'v2'): Promise<void> => {
  await (await fetch(`${origin}/switch/${version}`)).text();
};

// ---- The contenders.
type CreateSource = (options: MetadataSourceOptions) => MetadataSource;
const contenders: Array<{ name: string; create: CreateSource; options: Partial<MetadataSourceOptions> }> = [];
const before = extractSamlSource(beforeRevision);
if ('url' in before) {
  // The old module has the same createMetadataSource signature (the options it does not know are ignored).
  const old = (await import(new URL('metadata/sources/create.ts', before.url).href)) as { createMetadataSource: CreateSource };
  contenders.push({ name: `before (${beforeRevision})`, create: old.createMetadataSource, options: {} });
} else {
  console.log(`before: n/a (${before.reason})`);
}
contenders.push({ name: 'in-thread', create: createMetadataSource, options: { workerThreshold: Number.POSITIVE_INFINITY } });
contenders.push({ name: 'worker', create: createMetadataSource, options: {} });

interface Measure {
  maxMs: number;
  p99Ms: number;
  wallMs: number;
  /** The longest stall's time on a CPU (our own work, GC included) and waiting for one (other load). */
  stallCpuMs: number;
  stallWaitMs: number;
}
const results = new Map<string, Map<string, Measure[]>>();
const record = (contender: string, step: string, measure: Measure): void => {
  const steps = results.get(contender) ?? new Map<string, Measure[]>();
  results.set(contender, steps);
  steps.set(step, [...(steps.get(step) ?? []), measure]);
};

/**
 * The main thread's time on a CPU and waiting in the run queue, in ns (Linux: schedstat). A stall
 * of the event loop is our work when the thread was on a CPU, and the machine's other load when it
 * was waiting for one: on a shared 2-core machine the two differ a lot.
 */
const SCHEDSTAT = `/proc/self/task/${process.pid}/schedstat`;
function schedstat(): [number, number] | undefined {
  try {
    const [cpu, wait] = readFileSync(SCHEDSTAT, 'utf8').split(' ').map(Number);
    return cpu === undefined || wait === undefined ? undefined : [cpu, wait];
  } catch {
    return undefined;
  }
}

/** Runs `work` while the event loop's lateness is recorded. */
async function measure(work: () => Promise<unknown>): Promise<Measure> {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  // Let the loop settle, so the histogram starts from a quiet loop.
  await sleep(20);
  let stall = { ms: 0, cpuMs: 0, waitMs: 0 };
  let last = { at: performance.now(), stat: schedstat() };
  const probe = setInterval(() => {
    const now = { at: performance.now(), stat: schedstat() };
    if (now.at - last.at > stall.ms && now.stat && last.stat) {
      stall = { ms: now.at - last.at, cpuMs: (now.stat[0] - last.stat[0]) / 1e6, waitMs: (now.stat[1] - last.stat[1]) / 1e6 };
    }
    last = now;
  }, 1);
  histogram.enable();
  // The histogram's first tick only sets its reference: a block before it would go unseen.
  await sleep(5);
  const begin = performance.now();
  await work();
  const wallMs = performance.now() - begin;
  // A block that ends the work is only seen by the next timer: give it one.
  await sleep(20);
  histogram.disable();
  clearInterval(probe);
  return { maxMs: histogram.max / 1e6, p99Ms: histogram.percentile(99) / 1e6, wallMs, stallCpuMs: stall.cpuMs, stallWaitMs: stall.waitMs };
}

const iterations: string[] = [];
const publisherPem = publisher.publicKey.export({ type: 'spki', format: 'pem' }).toString();
for (let round = 0; round < rounds; round++) {
  for (const contender of contenders) {
    const dir = mkdtempSync(join(tmpdir(), 'km-bench-metadata-'));
    await serve('v1');
    const source = contender.create({
      metadataUrl: url,
      metadataCacheDir: dir,
      signingCertificates: [publisherPem],
      maxBytes: 100 * 1024 * 1024,
      metadataHttpTimeout: 60,
      ...contender.options,
    });
    // A copy parsed in the worker is indexed at once and its entities built in the background:
    // the measure runs until they all are.
    const built = async (): Promise<void> => {
      const { entities } = await source.current();
      if (entities instanceof LazyEntityMap) await entities.warmed;
    };
    gc();
    record(contender.name, 'first load', await measure(async () => built()));
    await serve('v2');
    gc();
    record(contender.name, 'refresh, changed', await measure(async () => (await source.refresh(), built())));
    const metadata = await source.current();
    if (!metadata.name?.endsWith('/v2')) throw new Error(`${contender.name}: the changed copy was not taken`);
    // What a discovery list pays: one full iteration (entities are built on first access), then another.
    for (const pass of ['first', 'second']) {
      const begin = performance.now();
      let idps = 0;
      for (const entity of metadata.entities.values()) if (entity.idp?.ui) idps++;
      iterations.push(`${contender.name}, ${pass} full iteration: ${(performance.now() - begin).toFixed(1)} ms (${idps} IdPs)`);
    }
    gc();
    record(contender.name, 'refresh, unchanged', await measure(() => source.refresh()));
    source.close();
    rmSync(dir, { recursive: true, force: true });
    console.log(`round ${round + 1}: ${contender.name} done`);
  }
}
child.kill();
rmSync(docsDir, { recursive: true, force: true });

// ---- Small documents: which path costs the event loop less.
const small: Array<{ entities: number; bytes: number; inThread: Measure; worker: Measure }> = [];
for (const entities of [1, 4, 8, 16, 32, 64, 256]) {
  const smallCerts = makeCertificates(entities);
  const xml = Buffer.from(buildAggregate(entities, smallCerts, publisher, 'small').signed);
  const options = { signingCertificates: [publisherPem], maxBytes: 100 * 1024 * 1024 };
  const runs = { inThread: [] as Measure[], worker: [] as Measure[] };
  for (let i = 0; i < 5; i++) {
    runs.inThread.push(await measure(() => parseMetadataAsync(xml, { ...options, workerThreshold: Number.POSITIVE_INFINITY })));
    runs.worker.push(await measure(() => parseMetadataAsync(xml, { ...options, workerThreshold: 0 })));
  }
  const median = (list: Measure[], key: keyof Measure): number => [...list].sort((a, b) => a[key] - b[key])[Math.floor(list.length / 2)]?.[key] ?? Number.NaN;
  const pick = (list: Measure[]): Measure => ({
    maxMs: median(list, 'maxMs'),
    p99Ms: median(list, 'p99Ms'),
    wallMs: median(list, 'wallMs'),
    stallCpuMs: median(list, 'stallCpuMs'),
    stallWaitMs: median(list, 'stallWaitMs'),
  });
  small.push({ entities, bytes: xml.length, inThread: pick(runs.inThread), worker: pick(runs.worker) });
}

// ---- Report.
const ms = (value: number): string => (value >= 100 ? value.toFixed(0) : value.toFixed(1));
console.log('');
for (const line of describeMachine().slice(0, 3)) console.log(line);
console.log(`document: ${count} entities, ${mb(v1.length)}, signed (rsa-sha256), served from 127.0.0.1 without validators; ${rounds} rounds`);
console.log('');
console.log('| step | contender | max delay ms | p99 delay ms | longest stall: on CPU / waiting ms | wall ms |');
console.log('|---|---|---:|---:|---:|---:|');
for (const step of ['first load', 'refresh, changed', 'refresh, unchanged']) {
  for (const contender of contenders) {
    const list = results.get(contender.name)?.get(step) ?? [];
    const worst = (key: keyof Measure): number => Math.max(...list.map((m) => m[key]));
    const wall = list.map((m) => m.wallMs).sort((a, b) => a - b)[Math.floor(list.length / 2)] ?? Number.NaN;
    const stall = list.reduce((a, b) => (b.stallCpuMs + b.stallWaitMs > a.stallCpuMs + a.stallWaitMs ? b : a));
    console.log(`| ${step} | ${contender.name} | ${ms(worst('maxMs'))} | ${ms(worst('p99Ms'))} | ${ms(stall.stallCpuMs)} / ${ms(stall.stallWaitMs)} | ${ms(wall)} |`);
  }
}
console.log('');
for (const line of iterations) console.log(line);
console.log('');
console.log('| entities | bytes | in-thread: max delay / longest stall on CPU ms | worker: max delay / longest stall on CPU ms | in-thread wall ms | worker wall ms |');
console.log('|---:|---:|---:|---:|---:|---:|');
for (const row of small) {
  const cells = [row.inThread, row.worker].map((m) => `${ms(m.maxMs)} / ${ms(m.stallCpuMs)}`);
  console.log(`| ${row.entities} | ${row.bytes.toLocaleString('en-US')} | ${cells.join(' | ')} | ${ms(row.inThread.wallMs)} | ${ms(row.worker.wallMs)} |`);
}
