import { MellonError } from '@koa-mellon/saml';
import type { RedisClientType, RedisClusterType } from '@redis/client';
import type { Logger } from '../log.js';
import { createStateStore, wrapperOptions, type StateBackend } from './backend.js';
import { checkName } from './checks.js';
import type { StateStore, StateStoreOptions } from './port.js';
import { channelName, indexKey, INDEX_ADD, LEASE_RELEASE, LEASE_RENEW, leaseKey, valueKey } from './redis-layout.js';

export interface RedisStoreOptions extends StateStoreOptions {
  /** `redis://[[user]:password@]host[:port][/db]`, or `rediss://` for TLS. */
  readonly url?: string;
  /** Redis Cluster: the URLs of some of its nodes (the others are discovered). Instead of `url`. */
  readonly cluster?: readonly string[];
  /** Prefix of every key and channel (`<prefix>:{<namespace>}:...`): apps sharing one Redis each take their own. Default `mellon`. */
  readonly prefix?: string;
}

/** Reconnection backoff: 100 ms doubling up to 1 s, forever (the store recovers by itself). */
const reconnectDelay = (retries: number) => Math.min(100 * 2 ** retries, 1000);

/**
 * A state store on Redis or Redis Cluster (`@redis/client`, an optional peer dependency loaded
 * here), for several instances: set-if-absent is `SET NX PX`, take is `GETDEL`, an index is a
 * set whose lifetime an add extends (one script), a lease is `SET NX PX` released or renewed by
 * a script that compares the holder's token, pub/sub runs on a connection of its own. Every
 * operation touches one key, so it works on a cluster as on one server (redis-layout.ts).
 *
 * Fails closed: commands sent while Redis is unreachable reject at once (no offline queue), and
 * any call gets its answer within the deadline or STORE_UNAVAILABLE. Connections are re-made in
 * the background; calls made before the very first connection is ready wait for it (within the
 * deadline), so the first requests of a fresh instance do not fail.
 *
 * @example
 * const state = await createRedisStore({ url: process.env.REDIS_URL!, prefix: 'my-app' });
 * const clustered = await createRedisStore({ cluster: ['redis://10.0.0.1:6379', 'redis://10.0.0.2:6379'] });
 */
export async function createRedisStore(target: string | RedisStoreOptions): Promise<StateStore> {
  const options: RedisStoreOptions = typeof target === 'string' ? { url: target } : target;
  const prefix = checkName('namespace', options.prefix ?? 'mellon');
  const wrapper = wrapperOptions(options);
  if ((options.url === undefined) === (options.cluster === undefined || options.cluster.length === 0)) {
    throw new TypeError('createRedisStore: give either a url or the cluster node URLs');
  }
  const redis = await loadRedis();
  const clientOptions = {
    // Without this, a command sent while Redis is down waits in a queue: reads hang.
    disableOfflineQueue: true,
    socket: { connectTimeout: wrapper.timeoutMs ?? 2000, reconnectStrategy: reconnectDelay },
  };
  const link = options.url === undefined
    ? clusterLink(redis.createCluster({ rootNodes: (options.cluster ?? []).map((url) => ({ url })), defaults: clientOptions }), wrapper.logger)
    : serverLink(redis.createClient({ url: options.url, ...clientOptions }), wrapper.logger);
  return createStateStore(redisBackend(prefix, link), wrapper);
}

async function loadRedis(): Promise<typeof import('@redis/client')> {
  try {
    return await import('@redis/client');
  } catch (err) {
    throw new MellonError('CONFIG_INVALID', 'createRedisStore needs the @redis/client package: npm install @redis/client', { cause: err });
  }
}

/** A pub/sub listener; the cluster's types allow a Buffer (never sent: no buffer mode here). */
type Listener = (message: string | Buffer) => void;

/** The commands the backend sends: a client and a cluster both have them. */
interface RedisCommands {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, options: { condition?: 'NX'; expiration: { type: 'PX'; value: number } }): Promise<string | null>;
  getDel(key: string): Promise<string | null>;
  del(key: string): Promise<number>;
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  sMembers(key: string): Promise<string[]>;
  sRem(key: string, member: string): Promise<number>;
  publish(channel: string, message: string): Promise<number>;
}

interface RedisSubscriber {
  subscribe(channel: string, listener: Listener): Promise<void>;
  unsubscribe(channel: string, listener: Listener): Promise<void>;
}

/** Connections that are made now, re-made forever, and handed out once they have been ready once. */
interface RedisLink {
  commands(): Promise<RedisCommands>;
  subscriber(): Promise<RedisSubscriber>;
  close(): Promise<void>;
}

/** One server: commands on one client, pub/sub on a duplicate made on first use (a subscribed connection takes no other command). */
function serverLink(client: RedisClientType, logger: Logger): RedisLink {
  const main = watchClient(client, 'commands', logger);
  let subscriber: ReturnType<typeof watchClient> | undefined;
  return {
    commands: main.ready,
    subscriber: () => (subscriber ??= watchClient(client.duplicate(), 'subscriptions', logger)).ready(),
    close: async () => {
      await Promise.all([main.close(), subscriber?.close()]);
    },
  };
}

function watchClient(client: RedisClientType, role: string, logger: Logger) {
  const outage = outageReporter(logger, role);
  client.on('error', outage.down);
  client.on('ready', outage.up);
  // With no offline queue a command sent while the FIRST connection is still being made fails
  // (the client counts as open as soon as it starts connecting): wait for that one only. After
  // it, an outage fails fast, as intended; the deadline bounds the wait.
  const firstReady = new Promise<void>((resolve) => client.once('ready', () => resolve()));
  client.connect().catch(() => undefined);
  return {
    ready: async () => {
      await firstReady;
      return client;
    },
    close: () => closeGracefully(client),
  };
}

/**
 * A cluster: the client routes each command to the slot's master (and follows MOVED), and keeps
 * a pub/sub connection of its own. Its first connection (slot discovery) is retried until it
 * succeeds; after that each node's connection is re-made by the client.
 */
function clusterLink(cluster: RedisClusterType, logger: Logger): RedisLink {
  const outage = outageReporter(logger, 'cluster');
  cluster.on('error', outage.down);
  cluster.on('node-error', outage.down);
  cluster.on('node-ready', outage.up);
  let closed = false;
  let retry: NodeJS.Timeout | undefined;
  let connecting: Promise<void> | undefined;
  const firstReady = new Promise<void>((resolve) => {
    const attempt = (n: number) => {
      connecting = cluster.connect().then(
        () => resolve(),
        (err: unknown) => {
          outage.down(err);
          if (!closed) retry = setTimeout(() => attempt(n + 1), reconnectDelay(n)).unref();
        },
      );
    };
    attempt(0);
  });
  const ready = async () => {
    await firstReady;
    return cluster;
  };
  return {
    commands: ready,
    subscriber: ready,
    close: async () => {
      closed = true;
      clearTimeout(retry);
      // Closed during slot discovery, the cluster would still open the node connections it found.
      await connecting;
      await closeGracefully(cluster);
    },
  };
}

/**
 * Lets replies still on the way arrive (for at most a second: a server that stopped answering
 * must not hold the close), then drops the connections.
 */
async function closeGracefully(client: RedisClientType | RedisClusterType): Promise<void> {
  // A client still (re)connecting has no reply on the way.
  const connected = !('isReady' in client) || client.isReady;
  if (client.isOpen && connected) {
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<void>((resolve) => (timer = setTimeout(resolve, 1000)));
    await Promise.race([client.close().catch(() => undefined), waited]);
    clearTimeout(timer);
  }
  if (client.isOpen) client.destroy();
}

/** Reports an outage once (a reconnect loop errs on every attempt), and again after a recovery. */
function outageReporter(logger: Logger, role: string) {
  let down = false;
  return {
    down: (err: unknown) => {
      if (!down) logger.warn({ err, role }, 'koa-mellon: Redis state store unreachable, reconnecting');
      down = true;
    },
    up: () => {
      down = false;
    },
  };
}

function redisBackend(prefix: string, link: RedisLink): StateBackend {
  const c = link.commands;
  return {
    get: async (ns, key) => (await (await c()).get(valueKey(prefix, ns, key))) ?? undefined,
    set: async (ns, key, json, ttlMs) => {
      await (await c()).set(valueKey(prefix, ns, key), json, { expiration: { type: 'PX', value: ttlMs } });
    },
    delete: async (ns, key) => {
      await (await c()).del(valueKey(prefix, ns, key));
    },
    setIfAbsent: async (ns, key, json, ttlMs) => {
      // An expired key is gone in Redis: NX sees it as absent.
      const reply = await (await c()).set(valueKey(prefix, ns, key), json, { condition: 'NX', expiration: { type: 'PX', value: ttlMs } });
      return reply === 'OK';
    },
    take: async (ns, key) => (await (await c()).getDel(valueKey(prefix, ns, key))) ?? undefined,
    indexAdd: async (ns, key, member, ttlMs) => {
      await (await c()).eval(INDEX_ADD, { keys: [indexKey(prefix, ns, key)], arguments: [member, String(ttlMs)] });
    },
    indexMembers: async (ns, key) => (await c()).sMembers(indexKey(prefix, ns, key)),
    indexRemove: async (ns, key, member) => {
      await (await c()).sRem(indexKey(prefix, ns, key), member);
    },
    leaseAcquire: async (ns, key, token, ttlMs) => {
      const reply = await (await c()).set(leaseKey(prefix, ns, key), token, { condition: 'NX', expiration: { type: 'PX', value: ttlMs } });
      return reply === 'OK';
    },
    leaseRelease: async (ns, key, token) => {
      await (await c()).eval(LEASE_RELEASE, { keys: [leaseKey(prefix, ns, key)], arguments: [token] });
    },
    leaseRenew: async (ns, key, token, ttlMs) => {
      const reply = await (await c()).eval(LEASE_RENEW, { keys: [leaseKey(prefix, ns, key)], arguments: [token, String(ttlMs)] });
      return reply === 1;
    },
    publish: async (ns, channel, message) => {
      await (await c()).publish(channelName(prefix, ns, channel), message);
    },
    subscribe: async (ns, channel, handler) => {
      const subscriber = await link.subscriber();
      const name = channelName(prefix, ns, channel);
      // One listener per subscription: unsubscribing one leaves the others of the channel alone.
      const listener: Listener = (message) => handler(String(message));
      await subscriber.subscribe(name, listener);
      return async () => {
        await subscriber.unsubscribe(name, listener);
      };
    },
    close: () => link.close(),
  };
}
