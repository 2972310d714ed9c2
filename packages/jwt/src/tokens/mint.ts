import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import type { KeySet } from '../keys/key-set.js';
import type { ClaimValue } from '../settings.js';

/** RFC 9068 §2.1: the media type of a JWT access token, in its short form. */
export const ACCESS_TOKEN_TYPE = 'at+jwt';

export interface AccessTokenInput {
  readonly subject: string;
  readonly clientId: string;
  /** The refresh family (the session) the token belongs to. */
  readonly sessionId: string;
  /** When the user authenticated at the IdP (ms), RFC 9068 §2.2.1 `auth_time`. */
  readonly authTime?: number | undefined;
  /** Milliseconds since the epoch; the token expires at `min(now + lifetime, notAfter)`. */
  readonly now: number;
  readonly notAfter: number;
  readonly claims: Readonly<Record<string, ClaimValue>>;
}

export interface MintedAccessToken {
  readonly token: string;
  readonly jti: string;
  /** Expiry in ms since the epoch. */
  readonly expiresAt: number;
}

/**
 * An RFC 9068 access token: header `typ: at+jwt` with the signing key's `kid` and pinned `alg`;
 * iss, aud, sub, iat, exp, jti, client_id, sid. The app's claims go first, so a registered claim
 * is always the bridge's own.
 */
export async function mintAccessToken(keys: KeySet, settings: { issuer: string; audience: string; lifetimeMs: number }, input: AccessTokenInput): Promise<MintedAccessToken> {
  const jti = randomBytes(16).toString('base64url');
  const expiresAt = Math.min(input.now + settings.lifetimeMs, input.notAfter);
  const payload: Record<string, unknown> = { ...input.claims, client_id: input.clientId, sid: input.sessionId };
  delete payload['auth_time'];
  if (input.authTime !== undefined) payload['auth_time'] = Math.floor(input.authTime / 1000);
  const token = await new SignJWT(payload)
    .setProtectedHeader({ alg: keys.signing.alg, kid: keys.signing.kid, typ: ACCESS_TOKEN_TYPE })
    .setIssuer(settings.issuer)
    .setAudience(settings.audience)
    .setSubject(input.subject)
    .setIssuedAt(Math.floor(input.now / 1000))
    .setExpirationTime(Math.floor(expiresAt / 1000))
    .setJti(jti)
    .sign(keys.signing.signKey);
  return { token, jti, expiresAt };
}
