import { randomBytes } from 'node:crypto';
import type { Context } from 'koa';
import { fail } from '@koa-mellon/saml';
import { readForm, readQuery, safeNext } from '@koa-mellon/web';
import { COOKIE_CLIENT_ID, type BridgeRuntime } from '../runtime.js';
import type { Family } from '../revoke/families.js';
import { requireTrace } from '../web/flow-trace.js';
import type { SamlSession } from '../settings.js';
import { verifyAccessToken } from '../tokens/verify.js';
import { findAccessToken } from '../web/authenticate.js';
import { clearTokenCookies, COOKIE, requireSecure } from '../web/cookies.js';
import { checkCsrf } from '../web/csrf.js';
import { applyCors } from './cors.js';

interface LogoutTicket {
  readonly saml: SamlSession;
  readonly next: string;
  /** The logout's trace reference: the SAML logout joins it. */
  readonly trace?: string | undefined;
}

const TICKET_TTL_MS = 2 * 60_000;

/**
 * POST logout/: ends the caller's family at once (refresh tokens dead, live access tokens denied on
 * every instance), clears the cookies, and answers `{ logout_url }`: a one-time URL the front end
 * navigates to, where the SP sends the IdP a LogoutRequest built from the family's saved SAML
 * session (saml-profiles §4.4), or null when there is nobody to tell. A bearer token authenticates
 * a code-mode client; the cookies authenticate the app's own front end, behind the CSRF check.
 */
export async function logout(ctx: Context, rt: BridgeRuntime): Promise<void> {
  if (applyCors(ctx, rt)) return;
  const trace = requireTrace(ctx);
  const form = ctx.is('application/x-www-form-urlencoded') ? await readForm(ctx, 16 * 1024, { timeoutMs: 10_000 }) : new Map<string, string>();
  const found = findAccessToken(ctx);
  let familyId: string | undefined;
  // The SP follows only same-site paths after a logout (its safeNext); so does the ticket.
  const next = safeNext(form.get('next'), '/');
  await trace.run('authenticate the caller: a bearer access token, or the refresh cookie behind the CSRF check', async () => {
    if (found && !found.fromCookie) {
      const claims = await verifyAccessToken(rt.keys, found.token, { issuer: rt.issuer, audience: rt.audience, clockSkewSeconds: rt.skewMs / 1000, now: rt.clock, isDenied: (iss, jti) => rt.denyList.has(iss, jti) });
      trace.peer(claims.client_id);
      familyId = claims.sid;
    } else {
      trace.peer(COOKIE_CLIENT_ID);
      requireSecure(ctx);
      const refreshToken = ctx.cookies.get(COOKIE.refresh);
      familyId = refreshToken === undefined ? undefined : await rt.families.familyOf(refreshToken);
      if (familyId === undefined) fail('TOKEN_MISSING', 'no bearer token and no current refresh cookie');
      checkCsrf(ctx, { secret: rt.settings.secret, sessionId: familyId, allowedOrigins: rt.allowedOrigins });
      clearTokenCookies(ctx, rt.basePath);
    }
  });
  let family: Family | undefined;
  await trace.run('revoke the family: refresh tokens dead, live access tokens denied everywhere', async () => {
    family = await rt.families.revoke(familyId as string, 'logout'); // set by the step above
  });
  trace.complete();
  ctx.set('Cache-Control', 'no-store');
  if (!family || family.revoked || !rt.settings.startSamlLogout || family.saml.nameIdContent === undefined) {
    trace.step('no SAML logout to start (already revoked, no SAML logout configured, or no NameID)');
    ctx.body = { logout_url: null };
    return;
  }
  const saml = family.saml;
  await trace.run('a one-time ticket for the SAML logout at the IdP', async () => {
    const ticket = randomBytes(16).toString('hex');
    const saved: LogoutTicket = { saml, next, trace: trace.reference };
    await rt.ns.set(`lo:${ticket}`, saved, TICKET_TTL_MS);
    ctx.body = { logout_url: new URL(`${rt.basePath}/logout/saml?t=${ticket}`, rt.issuer).href };
  });
}

/** GET logout/saml?t=…: the SP's LogoutRequest for a family already revoked; the ticket works once. */
export async function samlLogout(ctx: Context, rt: BridgeRuntime): Promise<void> {
  const trace = requireTrace(ctx);
  let saved: LogoutTicket | undefined;
  await trace.run('take the logout ticket (once)', async () => {
    const ticket = readQuery(ctx).get('t') ?? '';
    saved = /^[0-9a-f]{32}$/.test(ticket) ? await rt.ns.take<LogoutTicket>(`lo:${ticket}`) : undefined;
    trace.adopt(saved?.trace);
    if (!saved || !rt.settings.startSamlLogout) fail('CODE_INVALID', 'unknown, expired or used logout ticket');
  });
  const { saml, next } = saved as LogoutTicket; // set by the step above, which threw otherwise
  await trace.run('start the SAML logout at the SP (its LogoutRequest to the IdP)', async () => {
    await rt.settings.startSamlLogout?.(ctx, saml, next);
  });
}
