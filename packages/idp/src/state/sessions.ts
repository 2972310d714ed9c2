import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Keyv } from 'keyv';
import type { Context } from 'koa';
import type { NameIdParts } from '@koa-mellon/saml';
import { storeCall } from 'koa-mellon';

/** An SP this IdP session logged in, with the NameID it was given (SLO names the user with it). */
export interface VisitedSp {
  readonly entityId: string;
  readonly nameId: NameIdParts;
}

/** The IdP's SSO session: who, since when, and which SPs received an assertion. */
export interface IdpSessionRecord {
  /** The cookie value; never sent to an SP. */
  readonly id: string;
  readonly userId: string;
  /** SessionIndex given to every SP of this session (saml-core §2.7.2). */
  readonly sessionIndex: string;
  readonly authnInstant: number;
  readonly expiresAt: number;
  readonly sps: readonly VisitedSp[];
}

export interface SessionCookie {
  readonly name: string;
  readonly path: string;
  readonly secure: boolean;
  readonly sameSite: 'lax' | 'strict' | 'none';
  readonly domain?: string | undefined;
}

/**
 * IdP sessions in the `sessions` namespace behind a signed cookie (Koa `app.keys`), with an index
 * from (SP, NameID) to the session so that an SP's LogoutRequest finds it even without the cookie.
 */
export class IdpSessions {
  constructor(
    private readonly keyv: Keyv,
    private readonly cookie: SessionCookie,
    private readonly now: () => number,
  ) {}

  async load(ctx: Context): Promise<IdpSessionRecord | undefined> {
    const id = ctx.cookies.get(this.cookie.name, { signed: true });
    if (!id || !/^[0-9a-f]{64}$/.test(id)) return undefined;
    return this.get(id);
  }

  async get(id: string): Promise<IdpSessionRecord | undefined> {
    // Only this class writes `s:` keys.
    const record = (await storeCall(() => this.keyv.get(`s:${id}`))) as IdpSessionRecord | undefined;
    return record && record.expiresAt > this.now() ? record : undefined;
  }

  /** A new session (new id: no fixation) for a user who just authenticated. */
  async start(ctx: Context, userId: string, lifetimeSeconds: number): Promise<IdpSessionRecord> {
    const now = this.now();
    const record: IdpSessionRecord = {
      id: randomBytes(32).toString('hex'),
      userId,
      sessionIndex: `_${randomBytes(20).toString('hex')}`,
      authnInstant: now,
      expiresAt: now + lifetimeSeconds * 1000,
      sps: [],
    };
    await this.save(record);
    ctx.cookies.set(this.cookie.name, record.id, { ...this.cookieOptions(), expires: new Date(record.expiresAt) });
    return record;
  }

  /** The user authenticated again (ForceAuthn): same session and SPs, a new AuthnInstant. */
  async reauthenticated(record: IdpSessionRecord, lifetimeSeconds: number): Promise<IdpSessionRecord> {
    const now = this.now();
    const updated = { ...record, authnInstant: now, expiresAt: Math.max(record.expiresAt, now + lifetimeSeconds * 1000) };
    await this.save(updated);
    return updated;
  }

  /** Records that `visit.entityId` received `visit.nameId` in this session. */
  async recordVisit(record: IdpSessionRecord, visit: VisitedSp): Promise<IdpSessionRecord> {
    const current = (await this.get(record.id)) ?? record;
    const updated = { ...current, sps: [...current.sps.filter((sp) => sp.entityId !== visit.entityId), visit] };
    await this.save(updated);
    await storeCall(() => this.keyv.set(nameIdKey(visit.entityId, visit.nameId.value), record.id, Math.max(1000, updated.expiresAt - this.now())));
    return updated;
  }

  /** The session in which `entityId` was given `nameId`, if it is still open. */
  async findByNameId(entityId: string, nameId: string): Promise<IdpSessionRecord | undefined> {
    // Only recordVisit writes `n:` keys, with a session id.
    const id = (await storeCall(() => this.keyv.get(nameIdKey(entityId, nameId)))) as string | undefined;
    return id === undefined ? undefined : this.get(id);
  }

  /** Ends the session: its record, its NameID index entries, and (with `ctx`, if it is this browser's) the cookie. */
  async end(record: IdpSessionRecord, ctx?: Context): Promise<void> {
    await storeCall(() => this.keyv.delete(`s:${record.id}`));
    for (const sp of record.sps) await storeCall(() => this.keyv.delete(nameIdKey(sp.entityId, sp.nameId.value)));
    if (ctx && ctx.cookies.get(this.cookie.name, { signed: true }) === record.id) ctx.cookies.set(this.cookie.name, null, { ...this.cookieOptions() });
  }

  /**
   * A random token in a cookie of its own, whose digest a pending request records: only the
   * browser that sent the AuthnRequest can resume it after the login page.
   */
  bindBrowser(ctx: Context): string {
    const name = `${this.cookie.name}.browser`;
    let token = ctx.cookies.get(name, { signed: true });
    if (!token || !/^[0-9a-f]{32}$/.test(token)) {
      token = randomBytes(16).toString('hex');
      ctx.cookies.set(name, token, { ...this.cookieOptions(), maxAge: 24 * 3600 * 1000 });
    }
    return digest(token);
  }

  isSameBrowser(ctx: Context, expected: string): boolean {
    const token = ctx.cookies.get(`${this.cookie.name}.browser`, { signed: true });
    if (!token) return false;
    const actual = Buffer.from(digest(token), 'hex');
    const wanted = Buffer.from(expected, 'hex');
    return actual.length === wanted.length && timingSafeEqual(actual, wanted);
  }

  private async save(record: IdpSessionRecord): Promise<void> {
    await storeCall(() => this.keyv.set(`s:${record.id}`, record, Math.max(1000, record.expiresAt - this.now())));
  }

  private cookieOptions() {
    return {
      signed: true,
      httpOnly: true,
      sameSite: this.cookie.sameSite,
      secure: this.cookie.secure,
      path: this.cookie.path,
      ...(this.cookie.domain ? { domain: this.cookie.domain } : {}),
      overwrite: true,
    } as const;
  }
}

function nameIdKey(entityId: string, nameId: string): string {
  return `n:${JSON.stringify([entityId, nameId])}`;
}

function digest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
