import { randomBytes } from 'node:crypto';
import type { Context } from 'koa';
import type { StateNamespace } from '@koa-mellon/web';
import type { SessionCookieOptions } from '../settings/types.js';

/** What django-mellon keeps as `mellon_session`, camelCased; `ctx.state.mellon`. */
export interface MellonSession {
  readonly issuer: string;
  /** Undefined when the assertion had no NameID (identified by `transientFederationAttribute`). */
  readonly nameIdContent?: string | undefined;
  readonly nameIdFormat?: string | undefined;
  readonly nameIdNameQualifier?: string | undefined;
  readonly nameIdSpNameQualifier?: string | undefined;
  readonly authnInstant: string;
  readonly sessionNotOnOrAfter?: string | undefined;
  readonly authnContextClassRef?: string | undefined;
  readonly sessionIndex?: string | undefined;
  readonly attributes: Readonly<Record<string, readonly string[]>>;
}

export interface SessionRecord {
  readonly userId: string;
  readonly mellon: MellonSession;
  readonly expiresAt: number;
}

/**
 * Server-side sessions in the `sessions` namespace behind a signed cookie (Koa `app.keys`). A login
 * always starts a new session id (no fixation); the IdP's SessionNotOnOrAfter caps its lifetime;
 * an index from (issuer, NameID) to session ids (append-only, so logins on two instances both land)
 * lets IdP-initiated logout end sessions created on any instance sharing the store.
 */
export class SessionManager {
  readonly cookieName: string;
  constructor(
    private readonly sessions: StateNamespace,
    private readonly cookie: SessionCookieOptions & { secure: boolean },
    private readonly now: () => number,
  ) {
    this.cookieName = cookie.name ?? 'mellon.sid';
  }

  /** Whether the session cookie is Secure (then it can only be set on an https request). */
  get secure(): boolean {
    return this.cookie.secure;
  }

  async load(ctx: Context): Promise<{ id: string; record: SessionRecord } | undefined> {
    const id = ctx.cookies.get(this.cookieName, { signed: true });
    if (!id || !/^[0-9a-f]{64}$/.test(id)) return undefined;
    const record = await this.sessions.get<SessionRecord>(`s:${id}`);
    if (!record || record.expiresAt <= this.now()) return undefined;
    return { id, record };
  }

  /** Ends the current session (if any) and starts a new one for `record`. */
  async create(ctx: Context, record: Omit<SessionRecord, 'expiresAt'>, maxAgeSeconds: number): Promise<string> {
    await this.destroy(ctx);
    const id = randomBytes(32).toString('hex');
    const sessionEnd = record.mellon.sessionNotOnOrAfter ? Date.parse(record.mellon.sessionNotOnOrAfter) : Infinity;
    const expiresAt = Math.min(this.now() + maxAgeSeconds * 1000, sessionEnd);
    const ttl = Math.max(1000, expiresAt - this.now());
    await this.sessions.set(`s:${id}`, { ...record, expiresAt }, ttl);
    // Without a NameID no LogoutRequest can name this session (saml-core §3.7.1), so no index.
    if (record.mellon.nameIdContent !== undefined) await this.sessions.indexAdd(federationKey(record.mellon.issuer, record.mellon.nameIdContent), id, ttl);
    ctx.cookies.set(this.cookieName, id, {
      signed: true,
      httpOnly: true,
      sameSite: this.cookie.sameSite ?? 'lax',
      secure: this.cookie.secure,
      ...(this.cookie.domain ? { domain: this.cookie.domain } : {}),
      expires: new Date(expiresAt),
      overwrite: true,
    });
    return id;
  }

  async destroy(ctx: Context): Promise<SessionRecord | undefined> {
    const current = await this.load(ctx);
    if (current) await this.sessions.delete(`s:${current.id}`);
    ctx.cookies.set(this.cookieName, null, { signed: true, overwrite: true });
    return current?.record;
  }

  /**
   * Ends the sessions of this federated identity (IdP-initiated logout), limited to the given
   * SessionIndexes when there are any. Returns how many ended.
   */
  async destroyFederated(issuer: string, nameId: string, sessionIndexes: readonly string[]): Promise<number> {
    const key = federationKey(issuer, nameId);
    let ended = 0;
    for (const id of await this.sessions.indexMembers(key)) {
      const record = await this.sessions.get<SessionRecord>(`s:${id}`);
      const matches = record !== undefined && (sessionIndexes.length === 0 || (record.mellon.sessionIndex !== undefined && sessionIndexes.includes(record.mellon.sessionIndex)));
      if (matches) {
        await this.sessions.delete(`s:${id}`);
        ended++;
      }
      // Ended here, or earlier (logged out, expired): its id leaves the index.
      if (record === undefined || matches) await this.sessions.indexRemove(key, id);
    }
    return ended;
  }
}

function federationKey(issuer: string, nameId: string): string {
  return `f:${JSON.stringify([issuer, nameId])}`;
}
