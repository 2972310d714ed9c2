import type { Context } from 'koa';
import { MellonError } from '@koa-mellon/saml';
import type { BridgeRuntime } from '../runtime.js';
import { verifyAccessToken, type AccessTokenClaims } from '../tokens/verify.js';
import { clearTokenCookies, COOKIE } from '../web/cookies.js';
import { findAccessToken } from '../web/authenticate.js';

/**
 * For @koa-mellon/idp's `authenticate` hook: the claims of a valid access token on this request,
 * or undefined. The IdP's routes are SAML protocol endpoints reached by navigation (sso/init/,
 * sso/, slo/) and guard themselves (signed requests, browser binding), so no CSRF check here; a
 * SameSite=Strict access cookie is only sent on same-site navigations anyway.
 */
export async function identify(ctx: Context, rt: BridgeRuntime): Promise<AccessTokenClaims | undefined> {
  try {
    const found = findAccessToken(ctx);
    if (!found) return undefined;
    return await verifyAccessToken(rt.keys, found.token, { issuer: rt.issuer, audience: rt.audience, clockSkewSeconds: rt.skewMs / 1000, now: rt.clock, isDenied: (iss, jti) => rt.denyList.has(iss, jti) });
  } catch (err) {
    if (err instanceof MellonError) return undefined;
    throw err;
  }
}

/**
 * For @koa-mellon/idp's `logout` hook (single logout run at the IdP): revokes the family of this
 * request's token (or refresh cookie) and clears the cookies.
 */
export async function endRequestSession(ctx: Context, rt: BridgeRuntime): Promise<void> {
  const claims = await identify(ctx, rt);
  const refreshToken = ctx.cookies.get(COOKIE.refresh);
  const familyId = claims?.sid ?? (refreshToken === undefined ? undefined : await rt.families.familyOf(refreshToken));
  if (familyId !== undefined) await rt.families.revoke(familyId, 'idp-single-logout');
  clearTokenCookies(ctx, rt.basePath);
}
