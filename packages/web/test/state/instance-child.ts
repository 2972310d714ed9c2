/**
 * A second instance in a process of its own, for the conformance suite's cross-process races:
 * `node --import tsx --conditions=koa-mellon-source instance-child.ts <redis|redis-cluster|postgres> <url>[,<url>...]`. It reads
 * one JSON command per line on stdin and answers one JSON line per command on stdout; messages
 * of its subscriptions arrive as `{ "message": ... }` lines.
 *
 * A race command carries `at`, a wall-clock instant: this process and the test fire their
 * callers at that same instant, so the two batches reach the server interleaved.
 */
import { createInterface } from 'node:readline';
import { createPostgresStore, createRedisStore, type StateStore } from '../../src/index.js';

export type ChildCommand =
  | { id: number; op: 'setIfAbsent' | 'take' | 'lease'; ns: string; key: string; count: number; at: number }
  | { id: number; op: 'indexAdd'; ns: string; key: string; members: string[]; at: number }
  | { id: number; op: 'subscribe'; ns: string; channel: string }
  | { id: number; op: 'publish'; ns: string; channel: string; message: string };

export type ChildLine = { id: number; result: unknown } | { id: number; error: string } | { message: { ns: string; channel: string; message: string } };

export type RemoteBackend = 'redis' | 'redis-cluster' | 'postgres';

const [backend, url] = process.argv.slice(2);
async function open(): Promise<StateStore> {
  if (url === undefined) throw new Error('usage: instance-child.ts <redis|redis-cluster|postgres> <url>[,<url>...]');
  if (backend === 'redis') return createRedisStore(url);
  if (backend === 'redis-cluster') return createRedisStore({ cluster: url.split(',') });
  if (backend === 'postgres') return createPostgresStore({ connectionString: url });
  throw new Error(`unknown backend ${backend}`);
}
const store = await open();

const send = (line: ChildLine) => process.stdout.write(`${JSON.stringify(line)}\n`);
const until = (at: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())));
const times = <T>(count: number, fn: (i: number) => Promise<T>) => Promise.all(Array.from({ length: count }, (_, i) => fn(i)));

async function run(command: ChildCommand): Promise<unknown> {
  const ns = store.namespace(command.ns);
  switch (command.op) {
    case 'setIfAbsent':
      await until(command.at);
      return (await times(command.count, (i) => ns.setIfAbsent(command.key, `child-${i}`, 60_000))).filter(Boolean).length;
    case 'take':
      await until(command.at);
      return (await times(command.count, () => ns.take(command.key))).filter((value) => value !== undefined).length;
    case 'lease':
      await until(command.at);
      return (await times(command.count, () => ns.lease(command.key, 60_000))).filter((lease) => lease !== undefined).length;
    case 'indexAdd':
      await until(command.at);
      await Promise.all(command.members.map((member) => ns.indexAdd(command.key, member, 60_000)));
      return command.members.length;
    case 'subscribe':
      await ns.subscribe(command.channel, (message) => send({ message: { ns: command.ns, channel: command.channel, message } }));
      return 'subscribed';
    case 'publish':
      await ns.publish(command.channel, command.message);
      return 'published';
  }
}

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  // The test writes these lines (ChildCommand).
  const command = JSON.parse(line) as ChildCommand;
  run(command).then(
    (result) => send({ id: command.id, result }),
    (err: unknown) => send({ id: command.id, error: err instanceof Error ? `${'code' in err ? String(err.code) : err.name}: ${err.message}` : String(err) }),
  );
});
// The test closing stdin ends this instance.
lines.on('close', () => {
  void store.close().finally(() => process.exit(0));
});
send({ id: 0, result: 'ready' });
