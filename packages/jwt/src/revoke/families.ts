import { createHash, randomBytes } from 'node:crypto';
import { fail } from '@koa-mellon/saml';
import type { Logger, StateNamespace } from '@koa-mellon/web';
import type { ClaimValue, SamlSession } from '../settings.js';
import type { DenyList } from './deny-list.js';

/**
 * A refresh family (RFC 9700 §4.14.2): every refresh token rotated from one login, with what the
 * login said (the SAML session, needed for logout) and its hard end.
 */
export interface Family {
  readonly id: string;
  readonly subject: string;
  readonly clientId: string;
  readonly claims: Readonly<Record<string, ClaimValue>>;
  readonly saml: SamlSession;
  readonly createdAt: number;
  /** min(createdAt + absolute lifetime, SessionNotOnOrAfter): no token of the family outlives it. */
  readonly notAfter: number;
  readonly revoked?: boolean | undefined;
}

/** What a refresh token's hash maps to while it is the family's current one. */
interface RefreshEntry {
  readonly family: string;
  readonly idleUntil: number;
}

export interface FamilyLifetimes {
  readonly idleMs: number;
  readonly absoluteMs: number;
  /** How long an access token lives (deny-list entries and the jti index outlive it by this). */
  readonly accessMs: number;
}

/** Where families, refresh-token hashes and indexes live in the bridge's namespace. */
const KEY = {
  family: (id: string) => `f:${id}`,
  refresh: (hash: string) => `r:${hash}`,
  used: (hash: string) => `u:${hash}`,
  jtis: (id: string) => `j:${id}`,
  bySaml: (issuer: string, nameId: string) => `s:${JSON.stringify([issuer, nameId])}`,
};

/** Tokens are stored hashed: a copy of the store gives no usable refresh token. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

export class Families {
  constructor(
    private readonly ns: StateNamespace,
    private readonly denyList: DenyList,
    private readonly issuer: string,
    private readonly lifetimes: FamilyLifetimes,
    private readonly now: () => number,
    private readonly logger: Logger,
  ) {}

  /** The same families, logging with `logger` (a flow's, whose lines carry its trace reference). */
  withLogger(logger: Logger): Families {
    return new Families(this.ns, this.denyList, this.issuer, this.lifetimes, this.now, logger);
  }

  /** A new family for a login, indexed by the SAML identity (for the IdP's LogoutRequest), and its first refresh token. */
  async create(input: Omit<Family, 'id' | 'createdAt' | 'notAfter'>): Promise<{ family: Family; refreshToken: string }> {
    const now = this.now();
    const sessionEnd = input.saml.sessionNotOnOrAfter === undefined ? Infinity : Date.parse(input.saml.sessionNotOnOrAfter);
    const notAfter = Math.min(now + this.lifetimes.absoluteMs, sessionEnd);
    if (!(notAfter > now)) fail('REFRESH_TOKEN_INVALID', 'the SAML session has already ended (SessionNotOnOrAfter)');
    const family: Family = { ...input, id: randomBytes(16).toString('base64url'), createdAt: now, notAfter };
    const ttl = notAfter - now + this.lifetimes.accessMs;
    await this.ns.set(KEY.family(family.id), family, ttl);
    if (input.saml.nameIdContent !== undefined) await this.ns.indexAdd(KEY.bySaml(input.saml.issuer, input.saml.nameIdContent), family.id, ttl);
    return { family, refreshToken: await this.issueRefreshToken(family) };
  }

  /**
   * The id of the family a refresh token belongs to (current or already used), without using it:
   * the CSRF check binds to it before anything changes.
   */
  async familyOf(refreshToken: string): Promise<string | undefined> {
    const hash = hashToken(refreshToken);
    const entry = await this.ns.get<RefreshEntry>(KEY.refresh(hash));
    return entry ? entry.family : this.ns.get<string>(KEY.used(hash));
  }

  async get(id: string): Promise<Family | undefined> {
    return this.ns.get<Family>(KEY.family(id));
  }

  /**
   * Uses a refresh token once (RFC 9700 §4.14.2): the first caller on any instance claims it (an
   * atomic set-if-absent of its "used" mark) and gets the next one; a token already used, by
   * anyone, revokes its whole family and is refused (REFRESH_TOKEN_REUSED).
   */
  async rotate(refreshToken: string, clientId: string): Promise<{ family: Family; refreshToken: string }> {
    const hash = hashToken(refreshToken);
    const now = this.now();
    const entry = await this.ns.get<RefreshEntry>(KEY.refresh(hash));
    if (!entry) {
      const usedBy = await this.ns.get<string>(KEY.used(hash));
      if (usedBy !== undefined) await this.reused(usedBy);
      fail('REFRESH_TOKEN_INVALID', 'unknown or expired refresh token');
    }
    const family = await this.ns.get<Family>(KEY.family(entry.family));
    if (!family || family.notAfter <= now) fail('REFRESH_TOKEN_INVALID', 'the family reached its absolute lifetime');
    if (family.revoked) fail('TOKEN_REVOKED', 'the family was revoked');
    if (family.clientId !== clientId) fail('REFRESH_TOKEN_INVALID', 'refresh token of another client');
    if (entry.idleUntil <= now) fail('REFRESH_TOKEN_INVALID', 'refresh token idle too long');
    if (!(await this.ns.setIfAbsent(KEY.used(hash), family.id, family.notAfter - now + this.lifetimes.accessMs))) await this.reused(family.id);
    await this.ns.delete(KEY.refresh(hash));
    return { family, refreshToken: await this.issueRefreshToken(family) };
  }

  /** Records an access token of the family, so that revoking the family denies it. */
  async recordAccessToken(familyId: string, jti: string, expiresAt: number): Promise<void> {
    await this.ns.indexAdd(KEY.jtis(familyId), JSON.stringify([jti, expiresAt]), Math.max(1, expiresAt - this.now() + this.lifetimes.accessMs));
  }

  /** Ends a family: its refresh tokens stop working and its live access tokens go on the deny list. */
  async revoke(id: string, reason: string): Promise<Family | undefined> {
    const family = await this.ns.get<Family>(KEY.family(id));
    if (!family) return undefined;
    const now = this.now();
    if (!family.revoked) await this.ns.set(KEY.family(id), { ...family, revoked: true }, Math.max(1, family.notAfter - now + this.lifetimes.accessMs));
    for (const member of await this.ns.indexMembers(KEY.jtis(id))) {
      const parsed: unknown = JSON.parse(member);
      if (Array.isArray(parsed) && typeof parsed[0] === 'string' && typeof parsed[1] === 'number') await this.denyList.deny(this.issuer, parsed[0], parsed[1]);
    }
    this.logger.info({ family: id, reason }, 'koa-mellon jwt: refresh family revoked');
    return family;
  }

  /**
   * The IdP's LogoutRequest (saml-profiles §4.4.4): revokes the families of that NameID, only those
   * of the given SessionIndexes when there are any. Returns how many.
   */
  async revokeBySaml(issuer: string, nameId: string, sessionIndexes: readonly string[]): Promise<number> {
    let revoked = 0;
    for (const id of await this.ns.indexMembers(KEY.bySaml(issuer, nameId))) {
      const family = await this.ns.get<Family>(KEY.family(id));
      if (!family || family.revoked) continue;
      const matches = sessionIndexes.length === 0 || (family.saml.sessionIndex !== undefined && sessionIndexes.includes(family.saml.sessionIndex));
      if (!matches) continue;
      await this.revoke(id, 'saml-logout');
      revoked++;
    }
    return revoked;
  }

  private async reused(familyId: string): Promise<never> {
    await this.revoke(familyId, 'refresh-token-reuse');
    // RFC 9700 §4.14.2: a reuse means two parties hold the token; the operator should see it.
    this.logger.warn({ family: familyId, code: 'REFRESH_TOKEN_REUSED' }, 'koa-mellon jwt: a used refresh token was presented again; family revoked');
    fail('REFRESH_TOKEN_REUSED', 'refresh token already used');
  }

  private async issueRefreshToken(family: Family): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    const now = this.now();
    const idleUntil = Math.min(now + this.lifetimes.idleMs, family.notAfter);
    const entry: RefreshEntry = { family: family.id, idleUntil };
    await this.ns.set(KEY.refresh(hashToken(token)), entry, Math.max(1, idleUntil - now));
    return token;
  }
}
