import type { Context, Middleware } from 'koa';
import { fail } from '@koa-mellon/saml';
import type { BridgeRuntime } from '../runtime.js';
import { verifyAccessToken, type AccessTokenClaims } from '../tokens/verify.js';
import { COOKIE } from './cookies.js';
import { checkCsrf } from './csrf.js';
import { answerRefusal } from './respond.js';

declare module 'koa' {
  interface DefaultState {
    /** The verified access-token claims (set by the bridge's `authenticate()` middleware). */
    jwt?: AccessTokenClaims;
  }
}

/** Where the token came from: a header is not ambient (no CSRF check), a cookie is. */
export interface FoundToken {
  readonly token: string;
  readonly fromCookie: boolean;
}

/** RFC 6750 §2.1 `Authorization: Bearer`, else the access cookie. */
export function findAccessToken(ctx: Context): FoundToken | undefined {
  const authorization = ctx.get('authorization');
  const bearer = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i.exec(authorization);
  if (bearer?.[1]) return { token: bearer[1], fromCookie: false };
  if (authorization !== '') fail('TOKEN_MALFORMED', 'Authorization is not a Bearer token');
  const cookie = ctx.cookies.get(COOKIE.access);
  return cookie ? { token: cookie, fromCookie: true } : undefined;
}

/** Verifies the request's access token (and CSRF when it came in a cookie); the claims, or a MellonError. */
export async function authenticateRequest(ctx: Context, rt: BridgeRuntime): Promise<AccessTokenClaims> {
  const found = findAccessToken(ctx);
  if (!found) fail('TOKEN_MISSING', 'no bearer token and no access cookie');
  const claims = await verifyAccessToken(rt.keys, found.token, {
    issuer: rt.issuer,
    audience: rt.audience,
    clockSkewSeconds: rt.skewMs / 1000,
    now: rt.clock,
    isDenied: (iss, jti) => rt.denyList.has(iss, jti),
  });
  if (found.fromCookie) checkCsrf(ctx, { secret: rt.settings.secret, sessionId: claims.sid, allowedOrigins: rt.allowedOrigins });
  return claims;
}

/**
 * The API middleware: a valid access token sets `ctx.state.jwt` (the claims) and `ctx.state.user`
 * (`{ id: sub, ...claims }`); anything else is a 401 with `WWW-Authenticate: Bearer` (403 for CSRF).
 * No store call: keys and the deny list are in memory.
 */
export function createAuthenticate(rt: BridgeRuntime, realm: string): Middleware {
  return async (ctx, next) => {
    let claims: AccessTokenClaims;
    try {
      claims = await authenticateRequest(ctx, rt);
    } catch (err) {
      answerRefusal(ctx, rt.logger, err, { realm });
      return;
    }
    ctx.state.jwt = claims;
    // The app owns the type of ctx.state.user (koa-mellon declares its own User there); the bridge
    // only promises `{ id, ...claims }`, so it is assigned without claiming any declared type.
    Object.assign(ctx.state, { user: { ...claims, id: claims.sub } });
    await next();
  };
}
