import type { Logger, StateNamespace } from '@koa-mellon/web';

const CHANNEL = 'deny';
const INDEX = 'deny';

/**
 * The access-token deny list (OWASP JWT cheat sheet: keyed on iss + jti, never the token text). It
 * is kept in memory on every instance, so verifying a token costs no store round trip; a revocation
 * is written to an index in the store (what a starting instance loads) and published so that every
 * running instance adds it within a second. Entries go once the token has expired anyway.
 */
export class DenyList {
  private readonly entries = new Map<string, number>();
  private unsubscribe: (() => Promise<void>) | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ns: StateNamespace,
    private readonly now: () => number,
    private readonly skewMs: number,
    private readonly logger: Logger,
  ) {}

  /** Subscribes first (nothing published meanwhile is missed), then loads what the store holds. */
  async start(): Promise<void> {
    this.unsubscribe = await this.ns.subscribe(CHANNEL, (message) => this.receive(message));
    for (const member of await this.ns.indexMembers(INDEX)) this.receive(member);
    this.timer = setInterval(() => this.prune(), 60_000);
    this.timer.unref();
  }

  /** Ends the subscription; a store already closed by the app has ended it already. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.unsubscribe?.().catch((err: unknown) => this.logger.debug({ err }, 'koa-mellon jwt: deny-list subscription already closed'));
  }

  /** Whether iss + jti is denied (a Map lookup). */
  has(iss: string, jti: string): boolean {
    return this.entries.has(keyOf(iss, jti));
  }

  /** Denies iss + jti until `expiresAt` (ms) plus the clock skew, on every instance. */
  async deny(iss: string, jti: string, expiresAt: number): Promise<void> {
    const until = expiresAt + this.skewMs;
    const ttl = until - this.now();
    if (ttl <= 0) return;
    const message = JSON.stringify([iss, jti, until]);
    this.entries.set(keyOf(iss, jti), until);
    await this.ns.indexAdd(INDEX, message, ttl);
    await this.ns.publish(CHANNEL, message);
  }

  private receive(message: string): void {
    const parsed: unknown = JSON.parse(message);
    if (!Array.isArray(parsed) || typeof parsed[0] !== 'string' || typeof parsed[1] !== 'string' || typeof parsed[2] !== 'number') {
      this.logger.warn({ channel: CHANNEL }, 'koa-mellon jwt: ignored a malformed deny-list message');
      return;
    }
    if (parsed[2] > this.now()) this.entries.set(keyOf(parsed[0], parsed[1]), parsed[2]);
  }

  private prune(): void {
    const now = this.now();
    for (const [key, until] of this.entries) if (until <= now) this.entries.delete(key);
  }
}

function keyOf(iss: string, jti: string): string {
  return JSON.stringify([iss, jti]);
}
