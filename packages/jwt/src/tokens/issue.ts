import { fail } from '@koa-mellon/saml';
import type { BridgeRuntime } from '../runtime.js';
import type { Family } from '../revoke/families.js';
import { mintAccessToken } from './mint.js';

/** What a login, a code exchange or a refresh gives the client. */
export interface IssuedTokens {
  readonly accessToken: string;
  readonly accessExpiresAt: number;
  readonly refreshToken: string;
  /** The family's hard end: the refresh token never works past it. */
  readonly refreshExpiresAt: number;
  readonly family: Family;
}

/** Mints the family's next access token and records its jti (so that revoking the family denies it). */
export async function issueTokens(rt: BridgeRuntime, family: Family, refreshToken: string): Promise<IssuedTokens> {
  const now = rt.clock();
  const authTime = Date.parse(family.saml.authnInstant);
  const minted = await mintAccessToken(rt.keys, { issuer: rt.issuer, audience: rt.audience, lifetimeMs: rt.accessMs }, {
    subject: family.subject,
    clientId: family.clientId,
    sessionId: family.id,
    authTime: Number.isFinite(authTime) ? authTime : undefined,
    now,
    notAfter: family.notAfter,
    claims: family.claims,
  });
  await rt.families.recordAccessToken(family.id, minted.jti, minted.expiresAt);
  // A revocation that ran between our read of the family and the jti record above could not see
  // this jti: look again, and deny it ourselves if so.
  if ((await rt.families.get(family.id))?.revoked) {
    await rt.denyList.deny(rt.issuer, minted.jti, minted.expiresAt);
    fail('TOKEN_REVOKED', 'the family was revoked while the token was minted');
  }
  return { accessToken: minted.token, accessExpiresAt: minted.expiresAt, refreshToken, refreshExpiresAt: family.notAfter, family };
}

/** The token route's JSON (RFC 6749 §5.1); `no-store` is set by the caller. */
export function tokenResponse(rt: BridgeRuntime, tokens: IssuedTokens): Record<string, string | number> {
  return {
    access_token: tokens.accessToken,
    token_type: 'Bearer',
    expires_in: Math.max(0, Math.round((tokens.accessExpiresAt - rt.clock()) / 1000)),
    refresh_token: tokens.refreshToken,
  };
}
