/**
 * The one conformance suite of the state port (src/state/port.ts): every backend runs it against
 * a real server of its own (memory.test.ts, redis.test.ts, postgres.test.ts). Behaviour, not
 * timing: TTLs are small and the waits generous, polls are bounded, and "within the deadline"
 * allows the deadline plus a wide margin.
 */
import { randomBytes } from 'node:crypto';
import { MellonError } from '@koa-mellon/saml';
import { expect, use } from 'chai';
import chaiAsPromised from 'chai-as-promised';
import type { StateNamespace, StateStore } from '../../src/index.js';
import type { RemoteBackend } from './instance-child.js';
import { SecondProcess } from './second-process.js';

use(chaiAsPromised);

/** What a backend's test file gives the suite, once its server runs. */
export interface ConformanceTarget {
  /** A new store on the shared server: two calls make two instances (memory: the same store). */
  open(options?: { timeoutMs?: number }): Promise<StateStore>;
  /** A store no other test uses, when `open` shares one (memory). */
  readonly fresh?: () => Promise<StateStore>;
  /** The backend and URL a second process opens (none for memory: its state is this process's). */
  readonly remote?: { readonly backend: RemoteBackend; readonly url: string };
  /** Server control for the outage tests (none for memory). */
  readonly server?: {
    /** Takes the server down; clients lose their connections. */
    kill(): Promise<void>;
    /** Brings it back on the same address. */
    restart(): Promise<void>;
    /** Makes it accept calls without answering them, until the returned function is called. */
    hang(): Promise<() => Promise<void>>;
  };
  stop(): Promise<void>;
}

/** How many callers race from each process. */
const RACERS = 50;

let counter = 0;
/** A namespace of its own for each test: tests share the server, never each other's state. */
const freshName = () => `t${++counter}-${randomBytes(4).toString('hex')}`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it holds, for at most `ms`; the last result is returned either way. */
async function eventually(check: () => Promise<boolean> | boolean, ms = 5000): Promise<boolean> {
  const end = Date.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > end) return false;
    await sleep(25);
  }
}

const times = <T>(count: number, fn: (i: number) => Promise<T>) => Promise.all(Array.from({ length: count }, (_, i) => fn(i)));

/** The instant both processes fire a race at: far enough ahead for the command to arrive. */
const raceInstant = () => Date.now() + 150;
const until = (at: number) => sleep(Math.max(0, at - Date.now()));

/**
 * Defines the suite. `server`: the backend talks to a server the target can take down (the
 * outage tests run); the memory backend has none and proves its closed state instead.
 */
export function describeConformance(title: string, start: () => Promise<ConformanceTarget>, { server }: { server: boolean }): void {
  describe(`${title}: the state port (conformance)`, function () {
    let target: ConformanceTarget;
    let a: StateStore;
    let b: StateStore;
    let other: SecondProcess | undefined;
    let ns: StateNamespace;
    let nsB: StateNamespace;

    before(async function () {
      this.timeout(30_000);
      target = await start();
      a = await target.open();
      b = await target.open();
      if (target.remote) other = await SecondProcess.start(target.remote.backend, target.remote.url);
    });
    after(async function () {
      this.timeout(30_000);
      await other?.stop();
      await a?.close();
      await b?.close();
      await target?.stop();
    });
    beforeEach(() => {
      const name = freshName();
      ns = a.namespace(name);
      nsB = b.namespace(name);
    });

    describe('get / set / delete', () => {
      it('stores a JSON value and reads it back, from another instance too', async () => {
        const value = { user: 'alice', groups: ['staff'], n: 1.5, ok: true, none: null };
        await ns.set('k', value, 60_000);
        expect(await ns.get('k')).to.deep.equal(value);
        expect(await nsB.get('k')).to.deep.equal(value);
      });

      it('returns a fresh copy: changing it does not change what is stored', async () => {
        await ns.set('k', { list: [1] }, 60_000);
        const copy = await ns.get<{ list: number[] }>('k');
        copy?.list.push(2);
        expect(await ns.get('k')).to.deep.equal({ list: [1] });
      });

      it('stores null, strings and numbers as themselves', async () => {
        await ns.set('null', null, 60_000);
        await ns.set('string', 'text', 60_000);
        await ns.set('number', 0, 60_000);
        expect(await ns.get('null')).to.equal(null);
        expect(await ns.get('string')).to.equal('text');
        expect(await ns.get('number')).to.equal(0);
      });

      it('answers undefined for a key never set', async () => {
        expect(await ns.get('absent')).to.equal(undefined);
      });

      it('replaces the value and deletes it', async () => {
        await ns.set('k', 1, 60_000);
        await ns.set('k', 2, 60_000);
        expect(await nsB.get('k')).to.equal(2);
        await nsB.delete('k');
        expect(await ns.get('k')).to.equal(undefined);
        await ns.delete('k');
      });

      it('keeps keys with any characters apart, however long', async () => {
        const keys = ['', 'a:b', 'a', 'b', '{x}', 'x}', '{ns}:v:k', 'with space', 'naïve ✓ 🔑', '"quoted"\\', 'line\nbreak', 'k'.repeat(5000)];
        for (const [i, key] of keys.entries()) await ns.set(key, i, 60_000);
        for (const [i, key] of keys.entries()) expect(await nsB.get(key), JSON.stringify(key.slice(0, 20))).to.equal(i);
      });
    });

    describe('TTL', () => {
      it('forgets a value once its TTL has passed', async () => {
        await ns.set('short', 'v', 100);
        await ns.set('long', 'v', 60_000);
        expect(await eventually(async () => (await ns.get('short')) === undefined)).to.equal(true);
        expect(await ns.get('long')).to.equal('v');
      });

      it('gives a replaced value the new TTL', async () => {
        await ns.set('k', 'v', 100);
        await ns.set('k', 'v', 60_000);
        await sleep(300);
        expect(await ns.get('k')).to.equal('v');
      });
    });

    describe('setIfAbsent', () => {
      it('stores only when nothing live is there', async () => {
        expect(await ns.setIfAbsent('k', 'first', 60_000)).to.equal(true);
        expect(await nsB.setIfAbsent('k', 'second', 60_000)).to.equal(false);
        expect(await ns.get('k')).to.equal('first');
      });

      it('counts an expired value as absent', async () => {
        expect(await ns.setIfAbsent('k', 'first', 100)).to.equal(true);
        expect(await eventually(() => nsB.setIfAbsent('k', 'second', 60_000))).to.equal(true);
        expect(await ns.get('k')).to.equal('second');
      });

      it('stores again after a delete', async () => {
        await ns.setIfAbsent('k', 1, 60_000);
        await ns.delete('k');
        expect(await ns.setIfAbsent('k', 2, 60_000)).to.equal(true);
      });

      it(`lets exactly one of ${RACERS} callers per process win a race`, async () => {
        const at = raceInstant();
        const remote = other?.request({ op: 'setIfAbsent', ns: ns.name, key: 'race', count: RACERS, at });
        await until(at);
        const local = (await times(RACERS, (i) => (i % 2 === 0 ? ns : nsB).setIfAbsent('race', `local-${i}`, 60_000))).filter(Boolean).length;
        expect(local + Number((await remote) ?? 0)).to.equal(1);
      });
    });

    describe('take', () => {
      it('returns the value once, then undefined', async () => {
        await ns.set('k', { id: 7 }, 60_000);
        expect(await nsB.take('k')).to.deep.equal({ id: 7 });
        expect(await ns.take('k')).to.equal(undefined);
        expect(await ns.get('k')).to.equal(undefined);
      });

      it('does not return an expired value', async () => {
        await ns.set('k', 'v', 100);
        await sleep(300);
        expect(await ns.take('k')).to.equal(undefined);
      });

      it(`gives the value to exactly one of ${RACERS} callers per process`, async () => {
        await ns.set('race', 'once', 60_000);
        const at = raceInstant();
        const remote = other?.request({ op: 'take', ns: ns.name, key: 'race', count: RACERS, at });
        await until(at);
        const local = (await times(RACERS, (i) => (i % 2 === 0 ? ns : nsB).take('race'))).filter((v) => v !== undefined).length;
        expect(local + Number((await remote) ?? 0)).to.equal(1);
      });
    });

    describe('index', () => {
      it('adds members once each, lists and removes them', async () => {
        await ns.indexAdd('sessions', 's1', 60_000);
        await nsB.indexAdd('sessions', 's2', 60_000);
        await ns.indexAdd('sessions', 's1', 60_000);
        expect(await nsB.indexMembers('sessions')).to.have.members(['s1', 's2']).and.have.length(2);
        await nsB.indexRemove('sessions', 's1');
        await nsB.indexRemove('sessions', 'never-added');
        expect(await ns.indexMembers('sessions')).to.deep.equal(['s2']);
        expect(await ns.indexMembers('other')).to.deep.equal([]);
      });

      it('keeps members with any characters', async () => {
        const members = ['a:b', 'a', '', '{x}', 'naïve ✓ 🔑', 'm'.repeat(3000)];
        for (const member of members) await ns.indexAdd('k', member, 60_000);
        expect(await ns.indexMembers('k')).to.have.members(members).and.have.length(members.length);
      });

      it('expires as a whole, and starts empty when added to again', async () => {
        await ns.indexAdd('k', 'old', 100);
        expect(await eventually(async () => (await ns.indexMembers('k')).length === 0)).to.equal(true);
        await ns.indexAdd('k', 'new', 60_000);
        expect(await ns.indexMembers('k')).to.deep.equal(['new']);
      });

      it('lives as long as its longest add: a shorter TTL never shortens it', async () => {
        await ns.indexAdd('k', 'a', 60_000);
        await ns.indexAdd('k', 'b', 100);
        await sleep(300);
        expect(await ns.indexMembers('k')).to.have.members(['a', 'b']);
      });

      it('is extended by an add', async () => {
        await ns.indexAdd('k', 'a', 200);
        await ns.indexAdd('k', 'b', 60_000);
        await sleep(400);
        expect(await ns.indexMembers('k')).to.have.members(['a', 'b']);
      });

      it(`loses none of ${RACERS} concurrent adds per process`, async () => {
        const at = raceInstant();
        const theirs = Array.from({ length: RACERS }, (_, i) => `remote-${i}`);
        const remote = other?.request({ op: 'indexAdd', ns: ns.name, key: 'k', members: theirs, at });
        await until(at);
        await times(RACERS, (i) => (i % 2 === 0 ? ns : nsB).indexAdd('k', `local-${i}`, 60_000));
        await remote;
        const expected = [...Array.from({ length: RACERS }, (_, i) => `local-${i}`), ...(other ? theirs : [])];
        expect(await ns.indexMembers('k')).to.have.members(expected).and.have.length(expected.length);
      });
    });

    describe('namespaces and key spaces', () => {
      it('keeps namespaces apart: values, indexes and leases', async () => {
        const there = a.namespace(freshName());
        await ns.set('k', 'here', 60_000);
        await ns.indexAdd('k', 'here', 60_000);
        expect(await ns.lease('k', 60_000)).to.not.equal(undefined);
        expect(await there.get('k')).to.equal(undefined);
        expect(await there.indexMembers('k')).to.deep.equal([]);
        expect(await there.lease('k', 60_000)).to.not.equal(undefined);
        expect(await there.setIfAbsent('k', 'there', 60_000)).to.equal(true);
        expect(await ns.get('k')).to.equal('here');
      });

      it('cannot be confused by separators in namespace names and keys', async () => {
        const base = freshName();
        await a.namespace(`${base}:x`).set('y', 'one', 60_000);
        expect(await a.namespace(base).get('x:y')).to.equal(undefined);
        expect(await a.namespace(base).get('x}:y')).to.equal(undefined);
      });

      it('keeps values, indexes and leases of one key apart', async () => {
        await ns.set('k', 'value', 60_000);
        await ns.indexAdd('k', 'member', 60_000);
        const lease = await ns.lease('k', 60_000);
        expect(lease).to.not.equal(undefined);
        expect(await ns.get('k')).to.equal('value');
        expect(await ns.indexMembers('k')).to.deep.equal(['member']);
        await ns.delete('k');
        expect(await ns.indexMembers('k')).to.deep.equal(['member']);
        expect(await lease?.renew(60_000)).to.equal(true);
      });
    });

    describe('lease', () => {
      it('has one holder at a time, across instances', async () => {
        const lease = await ns.lease('refresh', 60_000);
        expect(lease?.key).to.equal('refresh');
        expect(await nsB.lease('refresh', 60_000)).to.equal(undefined);
        await lease?.release();
        expect(await nsB.lease('refresh', 60_000)).to.not.equal(undefined);
      });

      it('hands over once the holder lets it expire', async () => {
        const first = await ns.lease('refresh', 100);
        expect(first).to.not.equal(undefined);
        let second: Awaited<ReturnType<StateNamespace['lease']>>;
        expect(await eventually(async () => (second = await nsB.lease('refresh', 60_000)) !== undefined)).to.equal(true);
        // The old holder can neither renew nor free what is now another's.
        expect(await first?.renew(60_000)).to.equal(false);
        await first?.release();
        expect(await ns.lease('refresh', 60_000)).to.equal(undefined);
        expect(await second?.renew(60_000)).to.equal(true);
      });

      it('is extended by its holder', async () => {
        const lease = await ns.lease('refresh', 200);
        expect(await lease?.renew(60_000)).to.equal(true);
        await sleep(400);
        expect(await nsB.lease('refresh', 60_000)).to.equal(undefined);
      });

      it('cannot be renewed once expired', async () => {
        const lease = await ns.lease('refresh', 100);
        await sleep(300);
        expect(await lease?.renew(60_000)).to.equal(false);
      });

      it(`goes to exactly one of ${RACERS} callers per process`, async () => {
        const at = raceInstant();
        const remote = other?.request({ op: 'lease', ns: ns.name, key: 'race', count: RACERS, at });
        await until(at);
        const local = (await times(RACERS, (i) => (i % 2 === 0 ? ns : nsB).lease('race', 60_000))).filter((l) => l !== undefined).length;
        expect(local + Number((await remote) ?? 0)).to.equal(1);
      });
    });

    describe('publish / subscribe', () => {
      it('delivers a message to the subscribers of every instance, this one included', async () => {
        const seenA: string[] = [];
        const seenB: string[] = [];
        const stopA = await ns.subscribe('orgs', (m) => seenA.push(m));
        const stopB = await nsB.subscribe('orgs', (m) => seenB.push(m));
        if (other) await other.request({ op: 'subscribe', ns: ns.name, channel: 'orgs' });
        await ns.publish('orgs', 'acme changed');
        const everywhere = () => seenA.length === 1 && seenB.length === 1 && (!other || other.messages.some((m) => m.ns === ns.name));
        expect(await eventually(everywhere, 1000)).to.equal(true);
        expect([...seenA, ...seenB]).to.deep.equal(['acme changed', 'acme changed']);
        if (other) expect(other.messages.filter((m) => m.ns === ns.name)).to.deep.equal([{ ns: ns.name, channel: 'orgs', message: 'acme changed' }]);
        await stopA();
        await stopB();
      });

      it('delivers what a second process publishes', async () => {
        const seen: string[] = [];
        const stop = await ns.subscribe('orgs', (m) => seen.push(m));
        if (other) await other.request({ op: 'publish', ns: ns.name, channel: 'orgs', message: 'from afar' });
        else await nsB.publish('orgs', 'from afar');
        expect(await eventually(() => seen.length > 0, 1000)).to.equal(true);
        expect(seen).to.deep.equal(['from afar']);
        await stop();
      });

      it('keeps channels and namespaces apart, and stops after unsubscribe', async () => {
        const seen: string[] = [];
        const stop = await ns.subscribe('orgs', (m) => seen.push(`orgs:${m}`));
        const stopOther = await ns.subscribe('keys', (m) => seen.push(`keys:${m}`));
        await a.namespace(freshName()).publish('orgs', 'elsewhere');
        await nsB.publish('keys', 'k1');
        expect(await eventually(() => seen.length > 0, 1000)).to.equal(true);
        await stopOther();
        await nsB.publish('keys', 'k2');
        await nsB.publish('orgs', 'o1');
        expect(await eventually(() => seen.length > 1, 1000)).to.equal(true);
        await sleep(100);
        expect(seen).to.deep.equal(['keys:k1', 'orgs:o1']);
        await stop();
      });

      it('keeps delivering after a handler throws', async () => {
        const seen: string[] = [];
        const stop = await ns.subscribe('orgs', (m) => {
          seen.push(m);
          throw new Error('handler bug');
        });
        await nsB.publish('orgs', 'one');
        await nsB.publish('orgs', 'two');
        expect(await eventually(() => seen.length === 2, 1000)).to.equal(true);
        await stop();
      });
    });

    describe('arguments', () => {
      it('refuses what a backend cannot store faithfully, before any call (TypeError / RangeError)', async () => {
        expect(() => a.namespace('has space')).to.throw(TypeError);
        expect(() => a.namespace('{tag}')).to.throw(TypeError);
        await expect(ns.get('nul\u0000')).to.be.rejectedWith(TypeError);
        await expect(ns.set('lone\uD800', 1, 1000)).to.be.rejectedWith(TypeError);
        await expect(ns.set('k', undefined, 1000)).to.be.rejectedWith(TypeError);
        await expect(ns.set('k', { s: 'nul\u0000' }, 1000)).to.be.rejectedWith(TypeError);
        await expect(ns.set('k', 1, 0)).to.be.rejectedWith(RangeError);
        await expect(ns.setIfAbsent('k', 1, Number.NaN)).to.be.rejectedWith(RangeError);
        await expect(ns.indexAdd('k', 'm\u0000', 1000)).to.be.rejectedWith(TypeError);
        await expect(ns.publish('c', 'x'.repeat(4001))).to.be.rejectedWith(RangeError);
        await expect(ns.publish('bad channel', 'x')).to.be.rejectedWith(TypeError);
      });

      it('stores a value whose text merely looks like an escaped U+0000', async () => {
        await ns.set('k', '\\u0000', 60_000);
        expect(await ns.get('k')).to.equal('\\u0000');
      });
    });

    describe('failures', () => {
      it('refuses every call once closed, with STORE_UNAVAILABLE', async () => {
        const store = await (target.fresh ?? target.open)();
        const view = store.namespace(freshName());
        await store.close();
        await expect(view.get('k')).to.be.rejectedWith(MellonError).and.eventually.have.property('code', 'STORE_UNAVAILABLE');
        await expect(view.setIfAbsent('k', 1, 1000)).to.be.rejectedWith(MellonError).and.eventually.have.property('code', 'STORE_UNAVAILABLE');
      });

      if (server) describeOutage(() => target);
    });
  });
}

/** The server goes away (or stops answering) and comes back: fail closed meanwhile, then recover alone. */
function describeOutage(target: () => ConformanceTarget): void {
  const DEADLINE = 500;

  const everyCall = (view: StateNamespace): Array<[string, () => Promise<unknown>]> => [
    ['get', () => view.get('k')],
    ['set', () => view.set('k', 1, 60_000)],
    ['delete', () => view.delete('k')],
    ['setIfAbsent', () => view.setIfAbsent('k', 1, 60_000)],
    ['take', () => view.take('k')],
    ['indexAdd', () => view.indexAdd('k', 'm', 60_000)],
    ['indexMembers', () => view.indexMembers('k')],
    ['indexRemove', () => view.indexRemove('k', 'm')],
    ['lease', () => view.lease('k', 60_000)],
    ['publish', () => view.publish('c', 'm')],
  ];

  async function expectUnavailable(name: string, call: () => Promise<unknown>): Promise<void> {
    const started = Date.now();
    const outcome = await call().then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(outcome, name).to.be.instanceOf(MellonError).and.have.property('code', 'STORE_UNAVAILABLE');
    // Within the deadline, with a wide margin for a loaded machine.
    expect(Date.now() - started, name).to.be.below(DEADLINE + 1500);
  }

  it('fails every call with STORE_UNAVAILABLE while the server is down, then recovers without a restart', async function () {
    this.timeout(40_000);
    const { server, open } = target();
    const store = await open({ timeoutMs: DEADLINE });
    const view = store.namespace(freshName());
    try {
      await view.set('warm', 'connected', 60_000);
      const seen: string[] = [];
      await view.subscribe('c', (m) => seen.push(m));
      await server!.kill();
      for (const [name, call] of everyCall(view)) await expectUnavailable(name, call);
      await server!.restart();
      expect(await eventually(() => view.setIfAbsent('after', 1, 60_000).then(() => true, () => false), 20_000)).to.equal(true);
      expect(await view.setIfAbsent('after', 2, 60_000)).to.equal(false);
      // The subscription made before the outage is back too (messages meanwhile may be lost).
      expect(await eventually(async () => (await view.publish('c', 'again'), seen.length > 0), 20_000)).to.equal(true);
    } finally {
      await store.close();
    }
  });

  it('fails a call the server does not answer with STORE_UNAVAILABLE at the deadline, then recovers', async function () {
    this.timeout(30_000);
    const { server, open } = target();
    const store = await open({ timeoutMs: DEADLINE });
    const view = store.namespace(freshName());
    try {
      await view.set('k', 'v', 60_000);
      const answer = await server!.hang();
      try {
        await expectUnavailable('get', () => view.get('k'));
        await expectUnavailable('setIfAbsent', () => view.setIfAbsent('other', 1, 60_000));
      } finally {
        await answer();
      }
      expect(await eventually(() => view.get('k').then((v) => v === 'v', () => false), 10_000)).to.equal(true);
    } finally {
      await store.close();
    }
  });
}
