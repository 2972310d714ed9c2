/**
 * `npm run bench:tracing`: what login traces and OpenTelemetry cost on the SP's ACS path, in one
 * run. Four koa-mellon SPs on the memory store, each in a process of its own (its CPU time is its
 * own): traces off, traces on, traces on + an OpenTelemetry SDK (batched spans and periodic metrics
 * to in-memory exporters, as docs/telemetry.md installs it), and the same SDK sampling 10 % of the
 * traces (metrics all recorded). Each login is one IdP-initiated POST
 * to the ACS, the whole path: read, choose the IdP, validate, adapters, session, and the trace
 * (steps, the redacted Response, one store write). Rounds alternate the SPs so that machine noise
 * lands on all alike; the table shows medians over rounds of the SP process's CPU per login, and
 * the median over rounds of each round's ratio to traces off (paired within a round, so that slow
 * drifts in machine load cancel), with the quartiles of those ratios. Issue #14's target: within
 * 5 % of SP CPU per login.
 *
 * The load generator (this process) signs every Response before its round starts; its CPU is not
 * the SPs'. Every loop is bounded by --rounds, --logins and --concurrency. `--profile DIR` writes
 * each SP's V8 CPU profiles to DIR/off, DIR/on, DIR/otel and DIR/otel-sampled (the largest file is the SP's main thread).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { NAMEID_FORMAT, buildResponse, serializeXml } from '@koa-mellon/saml';
import { testKeyPair } from '../test/helpers/keys.js';
import { IDP_ENTITY_ID } from './lib/bench-idp.js';
import { describeMachine } from './lib/machine.js';
import { median } from './lib/measure.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '21' }, logins: { type: 'string', default: '150' }, concurrency: { type: 'string', default: '2' }, warmup: { type: 'string', default: '300' }, profile: { type: 'string' } } });
const ROUNDS = Number(values.rounds);
const LOGINS = Number(values.logins);
const CONCURRENCY = Number(values.concurrency);
const WARMUP = Number(values.warmup);

const idp = testKeyPair('idp');
const keyDir = mkdtempSync(join(tmpdir(), 'km-bench-tracing-'));
writeFileSync(join(keyDir, 'idp.crt'), idp.certPem);
writeFileSync(join(keyDir, 'sp.key'), testKeyPair('sp').keyPem);
writeFileSync(join(keyDir, 'sp.crt'), testKeyPair('sp').certPem);

interface Sp {
  readonly name: string;
  readonly origin: string;
  readonly child: ChildProcess;
}

const VARIANTS = [
  { name: 'traces off', traces: 'off' },
  { name: 'traces on (memory store)', traces: 'on' },
  { name: 'traces on + OpenTelemetry SDK', traces: 'otel' },
  { name: 'traces on + OpenTelemetry SDK, 10 % of traces sampled', traces: 'otel-sampled' },
] as const;

async function startSp(name: string, traces: string): Promise<Sp> {
  // --profile DIR: each SP writes a V8 CPU profile there when it exits (SIGINT lets it write one).
  // One directory per SP: the main thread and tsx's loader thread each write a profile.
  const profile = values.profile === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${join(values.profile, traces)}`];
  const child = spawn(process.execPath, [...profile, '--expose-gc', '--conditions=koa-mellon-source', '--import', 'tsx', new URL('./lib/login-server.ts', import.meta.url).pathname], {
    env: { ...process.env, KIND: 'memory', KEY_DIR: keyDir, TRACES: traces, IDP_INITIATED: '1' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const first = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${name} exited (${code})`)));
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).once('line', resolve);
  });
  const { port } = JSON.parse(first) as { port: number };
  return { name, origin: `http://127.0.0.1:${port}`, child };
}

/** The SP's CPU time so far, µs (its exporters emptied and a full GC first, outside the measured window). */
async function cpuOf(sp: Sp): Promise<number> {
  const { cpu } = (await (await fetch(`${sp.origin}/__usage?gc=1`)).json()) as { cpu: { user: number; system: number } };
  return cpu.user + cpu.system;
}

/** `count` IdP-initiated Responses for `sp`, signed now: users `user-{offset}` onwards. */
function signResponses(sp: Sp, count: number, offset: number): string[] {
  const acs = `${sp.origin}/sp/login/`;
  return Array.from({ length: count }, (_, n) => {
    const nameId = `user-${(offset + n) % 1000}`;
    const { document } = buildResponse({
      issuer: IDP_ENTITY_ID,
      destination: acs,
      assertion: { audience: `${sp.origin}/sp/metadata/`, nameId: { value: nameId, format: NAMEID_FORMAT.persistent }, authnInstant: Date.now(), sessionIndex: `_s${nameId}`, attributes: [{ name: 'mail', values: [`${nameId}@example.test`] }, { name: 'groups', values: ['staff', 'reports'] }] },
      signing: { privateKey: idp.privateKey, certificate: idp.certBase64 },
    });
    return Buffer.from(serializeXml(document)).toString('base64');
  });
}

/** Posts every Response to the ACS with CONCURRENCY workers; each must log the user in (303 and a session cookie). */
async function drive(sp: Sp, responses: readonly string[]): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (let n = next++; n < responses.length; n = next++) {
      const posted = await fetch(`${sp.origin}/sp/login/`, { method: 'POST', body: new URLSearchParams({ SAMLResponse: responses[n] as string, RelayState: '/' }), redirect: 'manual' });
      if (posted.status !== 303 || !posted.headers.getSetCookie().some((c) => c.startsWith('mellon.sid='))) {
        throw new Error(`${sp.name}: ACS answered ${posted.status}: ${(await posted.text()).slice(0, 300)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

async function main(): Promise<void> {
  const sps: Sp[] = [];
  try {
    for (const variant of VARIANTS) sps.push(await startSp(variant.name, variant.traces));
    await checkAudience(sps[0] as Sp);
    for (const sp of sps) await drive(sp, signResponses(sp, WARMUP, 0)); // JIT, first users, first sessions
    const cpu = new Map<string, number[]>(sps.map((sp) => [sp.name, []]));
    for (let round = 0; round < ROUNDS; round++) {
      process.stderr.write(`bench: round ${round + 1} of ${ROUNDS}\n`);
      for (let k = 0; k < sps.length; k++) {
        const sp = sps[(round + k) % sps.length] as Sp;
        const responses = signResponses(sp, LOGINS, WARMUP + round * LOGINS);
        const before = await cpuOf(sp);
        await drive(sp, responses);
        const after = await cpuOf(sp);
        cpu.get(sp.name)?.push((after - before) / LOGINS);
      }
    }
    const off = cpu.get(VARIANTS[0].name) ?? [];
    console.log(describeMachine().slice(0, 3).join('\n'));
    console.log(`\n${ROUNDS} rounds × ${LOGINS} IdP-initiated logins per SP (POST to the ACS), concurrency ${CONCURRENCY}, medians over rounds\n`);
    console.log(`| SP | SP CPU µs/login | vs traces off (median of per-round ratios) | quartiles of the ratios | overhead |`);
    console.log(`|---|---:|---:|---:|---:|`);
    for (const sp of sps) {
      const samples = cpu.get(sp.name) ?? [];
      const ratios = samples.map((us, round) => us / (off[round] as number)).sort((a, b) => a - b);
      const ratio = median(ratios);
      const quartile = (q: number) => (ratios[Math.round(q * (ratios.length - 1))] as number).toFixed(3);
      console.log(`| ${sp.name} | ${median(samples).toFixed(0)} | ${ratio.toFixed(3)}× | ${quartile(0.25)}–${quartile(0.75)} | ${((ratio - 1) * 100).toFixed(1)} % |`);
    }
  } finally {
    for (const sp of sps) sp.child.kill(values.profile === undefined ? 'SIGTERM' : 'SIGINT');
    await Promise.all(sps.map((sp) => (sp.child.exitCode === null ? once(sp.child, 'exit') : undefined)));
    rmSync(keyDir, { recursive: true, force: true });
  }
}

/** One login before anything is timed: a refusal here (an audience typo, say) would time the error page. */
async function checkAudience(sp: Sp): Promise<void> {
  await drive(sp, signResponses(sp, 1, 0));
}

await main();
process.exit(0);
