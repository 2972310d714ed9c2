import { Keyv } from 'keyv';
import KeyvRedis from '@keyv/redis';
import { pinAdapterNamespace } from './keyv.js';

/**
 * A Keyv on Redis configured to fail closed: commands sent while Redis is unreachable reject at
 * once (no offline queue) and errors are thrown, not swallowed. With @keyv/redis's defaults a dead
 * Redis hangs reads, or answers "not found", which would turn the replay check into a pass.
 * The client keeps reconnecting in the background (backoff up to 2 s). Give each app sharing one
 * Redis its own `namespace`.
 *
 * @example
 * const mellon = createMellon({ ...settings, store: createKeyvRedisStore(process.env.REDIS_URL!) });
 */
export function createKeyvRedisStore(url: string, options: { namespace?: string } = {}): Keyv {
  const adapter = new KeyvRedis(
    {
      url,
      disableOfflineQueue: true,
      socket: { connectTimeout: 2000, reconnectStrategy: (retries: number) => Math.min(100 * 2 ** retries, 2000) },
    },
    { throwOnErrors: true },
  );
  // The namespace prefixes koa-mellon's own namespaces: apps sharing one Redis give each its own.
  const keyv = new Keyv({ store: adapter, throwOnErrors: true, ...(options.namespace ? { namespace: options.namespace } : {}) });
  keyv.on('error', () => {
    // Thrown to the caller (throwOnErrors); the listener keeps reconnect errors from being unhandled.
  });
  pinAdapterNamespace(adapter);
  waitForFirstConnection(adapter);
  return keyv;
}

/**
 * With no offline queue, a command sent while the FIRST connection is still being made fails (the
 * client counts as open as soon as it starts connecting): the first requests of a fresh process
 * would fail. Until Redis has been ready once, callers wait for it (bounded by storeCall's
 * timeout); afterwards an outage fails fast, as intended.
 */
function waitForFirstConnection(adapter: KeyvRedis<unknown>): void {
  const getClient = adapter.getClient.bind(adapter);
  let firstReady: Promise<unknown> | undefined;
  adapter.getClient = async () => {
    const client = await getClient();
    // Connection errors meanwhile are the reconnect loop's; only 'ready' ends the wait.
    firstReady ??= 'isReady' in client && client.isReady ? Promise.resolve() : new Promise((resolve) => client.once('ready', resolve));
    await firstReady;
    return client;
  };
  adapter.getClient().catch(() => undefined);
}
