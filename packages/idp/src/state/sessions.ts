import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context } from 'koa';
import type { NameIdParts } from '@koa-mellon/saml';
import type { StateNamespace } from '@koa-mellon/web';

/** An SP this IdP session logged in, with the NameID it was given (SLO names the user with it). */
export interface VisitedSp {
  readonly entityId: string;
  readonly nameId: NameIdParts;
}

/** Most SP visits one IdP session records (a NameID per SP and format; more are not kept for SLO). */
export const MAX_VISITS = 64;

/** The IdP's SSO session: who and since when (the SPs it visited are kept beside it: `visits`). */
export interface IdpSessionRecord {
  /** The cookie value; never sent to an SP. */
  readonly id: string;
  readonly userId: string;
  /** SessionIndex given to every SP of this session (saml-core §2.7.2). */
  readonly sessionIndex: string;
  readonly authnInstant: number;
  readonly expiresAt: number;
}

export interface SessionCookie {
  readonly name: string;
  readonly path: string;
  readonly secure: boolean;
  readonly sameSite: 'lax' | 'strict' | 'none';
  readonly domain?: string | undefined;
}

/**
 * IdP sessions in the `idp-sessions` namespace behind a signed cookie (Koa `app.keys`), with indexes
 * from SessionIndex and from (SP, NameID) to the session, so that an SP's LogoutRequest finds it
 * even without the cookie (the back-channel, or another browser).
 *
 * The SPs a session visited are an append-only list of slots `v:<session>:<n>`, each claimed with
 * set-if-absent: two logins finishing at once (two tabs, two instances) both land, where a
 * read-modify-write of one record would drop one SP from single logout.
 */
export class IdpSessions {
  constructor(
    private readonly state: StateNamespace,
    private readonly cookie: SessionCookie,
    private readonly now: () => number,
  ) {}

  /** Whether the IdP's cookies are Secure (then they can only be set on an https request). */
  get secure(): boolean {
    return this.cookie.secure;
  }

  async load(ctx: Context): Promise<IdpSessionRecord | undefined> {
    const id = ctx.cookies.get(this.cookie.name, { signed: true });
    if (!id || !/^[0-9a-f]{64}$/.test(id)) return undefined;
    return this.get(id);
  }

  async get(id: string): Promise<IdpSessionRecord | undefined> {
    // Only this class writes `s:` keys.
    const record = await this.state.get<IdpSessionRecord>(`s:${id}`);
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
    };
    await this.save(record);
    await this.state.set(sessionIndexKey(record.sessionIndex), record.id, this.ttl(record));
    ctx.cookies.set(this.cookie.name, record.id, { ...this.cookieOptions(), expires: new Date(record.expiresAt) });
    return record;
  }

  /** The user authenticated again (ForceAuthn): same session and SPs, a new AuthnInstant. */
  async reauthenticated(record: IdpSessionRecord, lifetimeSeconds: number): Promise<IdpSessionRecord> {
    const now = this.now();
    const updated = { ...record, authnInstant: now, expiresAt: Math.max(record.expiresAt, now + lifetimeSeconds * 1000) };
    await this.save(updated);
    await this.state.set(sessionIndexKey(record.sessionIndex), record.id, this.ttl(updated));
    // The visits live as long as the session: rewrite them (same values) with its new lifetime.
    const slots = await this.slots(record);
    for (const [n, visit] of slots.entries()) await this.state.set(visitKey(record.id, n), visit, this.ttl(updated));
    for (const visit of slots) await this.state.set(nameIdKey(visit.entityId, visit.nameId.value), record.id, this.ttl(updated));
    return updated;
  }

  /** The SPs this session logged in, each with the last NameID it was given, in order of first visit. */
  async visits(record: IdpSessionRecord): Promise<VisitedSp[]> {
    const latest = new Map<string, VisitedSp>();
    for (const visit of await this.slots(record)) latest.set(visit.entityId, visit);
    return [...latest.values()];
  }

  /**
   * Records that `visit.entityId` received `visit.nameId` in this session (nothing new when it
   * already had it): `full` when the session holds MAX_VISITS already (SLO will not reach it),
   * `ended` when the session ended meanwhile (a logout in another tab): then nothing may be sent.
   * `known`: the session's `visits`, when the caller has just read them.
   */
  async recordVisit(record: IdpSessionRecord, visit: VisitedSp, known?: readonly VisitedSp[]): Promise<'recorded' | 'full' | 'ended'> {
    const visits = known ?? (await this.visits(record));
    const latest = visits.find((a) => a.entityId === visit.entityId);
    let recorded = latest !== undefined && latest.nameId.value === visit.nameId.value && latest.nameId.format === visit.nameId.format;
    // Slots taken meanwhile (or by older NameIDs of an SP) refuse set-if-absent: the walk goes on past them.
    for (let n = visits.length; !recorded && n < MAX_VISITS; n++) recorded = await this.state.setIfAbsent(visitKey(record.id, n), visit, this.ttl(record));
    if (recorded) await this.state.set(nameIdKey(visit.entityId, visit.nameId.value), record.id, this.ttl(record));
    // Checked after writing: a logout that ends the session later reads this visit and tells the SP.
    if (!(await this.get(record.id))) return 'ended';
    return recorded ? 'recorded' : 'full';
  }

  /** The open session that gave SPs this SessionIndex. */
  async findBySessionIndex(sessionIndex: string): Promise<IdpSessionRecord | undefined> {
    // Only start() writes `x:` keys, with a session id.
    const id = await this.state.get<string>(sessionIndexKey(sessionIndex));
    return id === undefined ? undefined : this.get(id);
  }

  /**
   * The latest session in which `entityId` was given `nameId`, if it is still open (a persistent
   * NameID is the same in every session of the user: the SessionIndex tells them apart).
   */
  async findByNameId(entityId: string, nameId: string): Promise<IdpSessionRecord | undefined> {
    // Only recordVisit writes `n:` keys, with a session id.
    const id = await this.state.get<string>(nameIdKey(entityId, nameId));
    return id === undefined ? undefined : this.get(id);
  }

  /** Ends the session: its record, its NameID index entries, and (with `ctx`, if it is this browser's) the cookie. */
  async end(record: IdpSessionRecord, ctx?: Context): Promise<void> {
    await this.state.delete(`s:${record.id}`);
    await this.state.delete(sessionIndexKey(record.sessionIndex));
    const slots = await this.slots(record);
    for (const visit of slots) {
      // The user's other sessions may own that (SP, NameID) entry now: only ours is removed.
      const key = nameIdKey(visit.entityId, visit.nameId.value);
      if ((await this.state.get(key)) === record.id) await this.state.delete(key);
    }
    for (let n = 0; n < slots.length; n++) await this.state.delete(visitKey(record.id, n));
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
    await this.state.set(`s:${record.id}`, record, this.ttl(record));
  }

  /** Every recorded visit, in slot order: slots are filled without gaps, so the first empty one ends the list. */
  private async slots(record: IdpSessionRecord): Promise<VisitedSp[]> {
    const found: VisitedSp[] = [];
    for (let n = 0; n < MAX_VISITS; n++) {
      const visit = await this.state.get<VisitedSp>(visitKey(record.id, n));
      if (visit === undefined) break;
      found.push(visit);
    }
    return found;
  }

  private ttl(record: IdpSessionRecord): number {
    return Math.max(1000, record.expiresAt - this.now());
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

function visitKey(sessionId: string, n: number): string {
  return `v:${sessionId}:${n}`;
}

function sessionIndexKey(sessionIndex: string): string {
  return `x:${sessionIndex}`;
}

function nameIdKey(entityId: string, nameId: string): string {
  return `n:${JSON.stringify([entityId, nameId])}`;
}

function digest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
