import type { Context } from 'koa';
import { fail } from '@koa-mellon/saml';
import { COOKIE_CLIENT_ID, type BridgeRuntime } from '../runtime.js';
import { issueTokens } from '../tokens/issue.js';
import { clearTokenCookies, COOKIE, requireSecure, setTokenCookies } from '../web/cookies.js';
import { checkCsrf } from '../web/csrf.js';
import { requireTrace } from '../web/flow-trace.js';

/**
 * POST refresh/ (cookie mode): the refresh cookie, CSRF-checked against its family, is rotated once
 * (RFC 9700 §4.14.2) and new cookies are set. A refused refresh clears the cookies: the front end
 * signs in again.
 */
export async function refresh(ctx: Context, rt: BridgeRuntime): Promise<void> {
  const trace = requireTrace(ctx);
  trace.peer(COOKIE_CLIENT_ID);
  let token: string | undefined;
  let familyId: string | undefined;
  await trace.run('find the family of the refresh cookie (https only)', async () => {
    // Before anything is used up: the new cookies could not be set over plain http.
    requireSecure(ctx);
    token = ctx.cookies.get(COOKIE.refresh);
    if (!token) fail('REFRESH_TOKEN_INVALID', 'no refresh cookie');
    familyId = await rt.families.familyOf(token);
    if (familyId === undefined) fail('REFRESH_TOKEN_INVALID', 'unknown or expired refresh token');
  });
  // Every state change (a rotation, or the revocation a reuse triggers) is behind the CSRF check.
  await trace.run('check the CSRF header against the family', async () => {
    checkCsrf(ctx, { secret: rt.settings.secret, sessionId: familyId as string, allowedOrigins: rt.allowedOrigins }); // set by the step above
  });
  try {
    await trace.run('rotate the refresh token (a reused one revokes its family), set the new cookies', async () => {
      const rotated = await rt.families.rotate(token as string, COOKIE_CLIENT_ID); // set by the first step
      const issued = await issueTokens(rt, rotated.family, rotated.refreshToken);
      rt.logger.info({ client: COOKIE_CLIENT_ID, family: rotated.family.id }, 'koa-mellon jwt: refresh token rotated');
      setTokenCookies(ctx, rt.basePath, rt.clock(), { accessToken: issued.accessToken, accessExpiresAt: issued.accessExpiresAt, refreshToken: issued.refreshToken, refreshExpiresAt: issued.refreshExpiresAt });
      ctx.set('Cache-Control', 'no-store');
      ctx.body = { expires_in: Math.round((issued.accessExpiresAt - rt.clock()) / 1000) };
    });
  } catch (err) {
    clearTokenCookies(ctx, rt.basePath);
    throw err;
  }
}
