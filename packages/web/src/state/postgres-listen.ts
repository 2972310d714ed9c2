import type { Logger } from '../log.js';
import type { PgPool, PgPoolClient } from './postgres-pool.js';

/**
 * The one PostgreSQL channel every namespace publishes on (a constant identifier: LISTEN takes
 * no parameter). The payload is `<namespace> <channel> <message>`: names contain no space.
 */
export const NOTIFY_CHANNEL = 'koa_mellon_state';

/** Reconnection backoff of the LISTEN connection: 100 ms doubling up to 2 s, while anyone listens. */
const retryDelay = (attempt: number) => Math.min(100 * 2 ** attempt, 2000);

/**
 * LISTEN on a connection of its own, kept out of the pool while anyone subscribes. When the
 * connection drops (server restart), it is made again in the background and LISTEN re-issued;
 * what was published meanwhile is missed (port.ts: pub/sub is best effort).
 */
export class PgListener {
  private readonly handlers = new Map<string, Set<(message: string) => void>>();
  private connection: Promise<PgPoolClient> | undefined;
  /** The client LISTEN is in force on, once it is. */
  private current: PgPoolClient | undefined;
  private retry: NodeJS.Timeout | undefined;
  private attempts = 0;
  private closed = false;

  constructor(
    private readonly pool: PgPool,
    private readonly logger: Logger,
  ) {}

  /** Adds `handler` for (namespace, channel) once LISTEN is in force; resolves to its removal. */
  async subscribe(ns: string, channel: string, handler: (message: string) => void): Promise<() => Promise<void>> {
    await this.listening();
    const key = `${ns} ${channel}`;
    // A wrapper per subscription: the same handler subscribed twice is two subscriptions.
    const subscription = (message: string) => handler(message);
    let set = this.handlers.get(key);
    if (!set) this.handlers.set(key, (set = new Set()));
    set.add(subscription);
    return async () => {
      set.delete(subscription);
      if (set.size === 0 && this.handlers.get(key) === set) this.handlers.delete(key);
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    this.handlers.clear();
    const connection = this.connection;
    this.connection = undefined;
    const client = await connection?.catch(() => undefined);
    client?.release(true);
  }

  private listening(): Promise<PgPoolClient> {
    if (this.closed) return Promise.reject(new Error('the store is closed'));
    const connection = (this.connection ??= this.connect());
    // A failed attempt is forgotten: the next caller (or the retry timer) tries again.
    connection.catch(() => {
      if (this.connection === connection) this.connection = undefined;
    });
    return connection;
  }

  private async connect(): Promise<PgPoolClient> {
    const client = await this.pool.connect();
    let lost = false;
    const onLost = (err?: Error) => {
      if (lost || this.closed) return;
      lost = true;
      this.logger.warn({ err }, 'koa-mellon: PostgreSQL LISTEN connection lost, reconnecting');
      // With an error, the pool destroys the client instead of reusing it.
      client.release(err ?? true);
      if (this.current === client) {
        this.current = undefined;
        this.connection = undefined;
      }
      this.reconnect();
    };
    client.on('notification', (notification) => {
      if (notification.channel === NOTIFY_CHANNEL && notification.payload !== undefined) this.dispatch(notification.payload);
    });
    client.on('error', onLost);
    client.on('end', () => onLost());
    try {
      await client.query(`LISTEN ${NOTIFY_CHANNEL}`);
    } catch (err) {
      onLost(err instanceof Error ? err : new Error(String(err)));
      throw err;
    }
    this.attempts = 0;
    this.current = client;
    return client;
  }

  /** Makes the connection again, with backoff, as long as somebody is subscribed. */
  private reconnect(): void {
    if (this.closed || this.handlers.size === 0 || this.retry !== undefined) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      this.listening().catch(() => {
        this.attempts++;
        this.reconnect();
      });
    }, retryDelay(this.attempts));
    this.retry.unref();
  }

  private dispatch(payload: string): void {
    const first = payload.indexOf(' ');
    const second = payload.indexOf(' ', first + 1);
    if (first < 0 || second < 0) return;
    const set = this.handlers.get(payload.slice(0, second));
    if (!set) return;
    const message = payload.slice(second + 1);
    for (const handler of [...set]) handler(message);
  }
}
