import { parseArgs } from 'node:util';
import { createPostgresStore, createRedisStore, normalizeTraceReference, readTraces, type StateStore, type TraceRecord } from '@koa-mellon/web';
import { UsageError, type ExitCode, type Output } from './output.js';

export const TRACE_USAGE = `Usage: koa-mellon trace <reference> (--redis URL | --postgres URL) [--prefix NAME] [--json]
       koa-mellon trace --failures (--redis URL | --postgres URL) [--idp ENTITYID] [--json]

Prints the trace of one login or logout (of an SP, an IdP or a JWT bridge writing to this store),
by the reference its error page showed (K7Q2-9XMA; case, spaces and the dash do not matter): each step with its outcome and time, the refusal with what was
expected and what was received, the decoded SAML messages (redacted as traceRedaction says).
With --failures, lists the latest refusals per peer (IdP, SP or client) instead. Reads the store
the SP, IdP or bridge writes to (the same URL as its createRedisStore / createPostgresStore). See docs/troubleshooting.md.

  --redis     redis://host:6379 (the store traces are written to)
  --postgres  postgres://user:password@host:5432/database (the store traces are written to)
  --prefix    the Redis key prefix given to createRedisStore (default mellon)
  --failures  list recent refusals instead of one trace
  --idp       with --failures: only this peer (an entityID, or a JWT client)
  --json      print JSON instead of text`;

/** `koa-mellon trace`: the operator's side of a failed login, read from the shared store. */
export async function traceCommand(args: readonly string[], io: Output): Promise<ExitCode> {
  const { values, positionals } = parse(args);
  if (values.failures !== true && positionals.length !== 1) throw new UsageError('give one trace reference (or --failures)');
  if (values.failures === true && positionals.length > 0) throw new UsageError('--failures takes no reference');
  const reference = positionals[0];
  if (reference !== undefined && normalizeTraceReference(reference) === undefined) throw new UsageError(`${JSON.stringify(reference)} is not a trace reference (like K7Q2-9XMA)`);
  const store = await openStore(values);
  try {
    // Every role's traces: an SP's, an IdP's or a JWT bridge's reference is found the same way.
    const traces = readTraces(store);
    if (values.failures === true) {
      const peers = values.idp === undefined ? await traces.failingPeers() : [values.idp];
      const lists = await Promise.all(peers.map(async (peer) => ({ idp: peer, failures: await traces.recentFailures(peer) })));
      if (values.json === true) io.out(JSON.stringify(lists, null, 2));
      else if (lists.every((l) => l.failures.length === 0)) io.out('no refusals on record');
      else for (const { idp, failures } of lists) printFailures(io, idp, failures);
      return 0;
    }
    const record = await traces.read(reference as string); // one positional, checked above
    if (!record) {
      io.err(`koa-mellon trace: no trace ${normalizeTraceReference(reference as string)} in this store (expired after traceTtl, another store, or traces: false)`);
      return 1;
    }
    if (values.json === true) io.out(JSON.stringify(record, null, 2));
    else printTrace(io, record);
    return 0;
  } finally {
    await store.close();
  }
}

function parse(args: readonly string[]) {
  try {
    return parseArgs({
      args: [...args],
      options: { redis: { type: 'string' }, postgres: { type: 'string' }, prefix: { type: 'string' }, failures: { type: 'boolean' }, idp: { type: 'string' }, json: { type: 'boolean' } },
      strict: true,
      allowPositionals: true,
    });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

async function openStore(values: { redis?: string | undefined; postgres?: string | undefined; prefix?: string | undefined }): Promise<StateStore> {
  if ((values.redis === undefined) === (values.postgres === undefined)) throw new UsageError('give the store: --redis URL or --postgres URL');
  if (values.redis !== undefined) {
    if (!/^rediss?:\/\//.test(values.redis)) throw new UsageError('--redis: expected a redis:// URL');
    return createRedisStore({ url: values.redis, ...(values.prefix === undefined ? {} : { prefix: values.prefix }) });
  }
  if (values.prefix !== undefined) throw new UsageError('--prefix is for --redis');
  if (!/^postgres(ql)?:\/\//.test(values.postgres ?? '')) throw new UsageError('--postgres: expected a postgres:// URL');
  return createPostgresStore({ connectionString: values.postgres as string });
}

const time = (ms: number) => new Date(ms).toISOString();

function printTrace(io: Output, record: TraceRecord): void {
  io.out(`trace ${record.reference}: ${record.role} ${record.flow}, ${record.outcome}${record.code ? ` (${record.code})` : ''}`);
  io.out(`  peer:    ${record.peer ?? '(not chosen)'}`);
  io.out(`  started: ${time(record.started)}   last update: ${time(record.updated)}`);
  io.out('steps:');
  for (const step of record.steps) {
    io.out(`  ${time(step.at)}  ${step.outcome === 'ok' ? 'ok     ' : 'REFUSED'}  ${step.step}${step.code ? `  [${step.code}]` : ''}`);
    if (step.reason) io.out(`      reason: ${step.reason}`);
    for (const [key, value] of Object.entries(step.detail ?? {})) io.out(`      ${key}: ${value}`);
  }
  for (const message of record.messages) {
    io.out(`${message.name}:`);
    io.out(message.xml);
  }
}

function printFailures(io: Output, idp: string, failures: readonly { reference: string; code: string; at: number }[]): void {
  io.out(`${idp}:`);
  for (const f of failures) io.out(`  ${time(f.at)}  ${f.reference}  ${f.code}`);
}
