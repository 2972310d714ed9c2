import { randomBytes } from 'node:crypto';
import type { Context } from 'koa';
import { fail } from '@koa-mellon/saml';
import { readForm, readQuery, safeNext } from '@koa-mellon/web';
import { applyCors } from '../routes/cors.js';
import type { BridgeRuntime } from '../runtime.js';
import type { AccessTokenClaims } from '../tokens/verify.js';
import { authenticateRequest } from '../web/authenticate.js';
import { identify } from '../idp/identify.js';
import { requireTrace, startBridgeTrace, traced, tracedRuntime } from '../web/flow-trace.js';

/** The query parameter of sso/init/ that carries a launch link's key. */
export const LAUNCH_PARAMETER = 'launch';

/** A launch link lives this long: the browser follows it at once. */
export const LAUNCH_TTL_MS = 60_000;

interface LaunchRecord {
  readonly claims: AccessTokenClaims;
  readonly sp: string;
  readonly next: string | undefined;
  readonly expiresAt: number;
  /** The launch's trace reference: its redemption at the IdP joins it. */
  readonly trace?: string | undefined;
}

/**
 * POST launch/ (`sp`, optional `next`): the token-authenticated caller (bearer; cookies behind the
 * CSRF check) gets `{ launch_url }`, the IdP's sso/init/ for that SP with a random single-use key
 * bound to the token's claims, the SP and next. The token itself never goes into a URL (RFC 9700
 * §4.3.2, browser-based apps BCP): a navigation cannot carry an in-memory bearer token.
 */
export async function createLaunch(ctx: Context, rt: BridgeRuntime, initiateUrl: string): Promise<void> {
  if (applyCors(ctx, rt)) return;
  const trace = requireTrace(ctx);
  let claims: AccessTokenClaims | undefined;
  await trace.run('authenticate the caller (bearer token, or cookies behind the CSRF check)', async () => {
    claims = await authenticateRequest(ctx, rt);
    trace.peer(claims.client_id);
  });
  const form = ctx.is('application/x-www-form-urlencoded') ? await readForm(ctx, 16 * 1024, { timeoutMs: 10_000 }) : new Map<string, string>();
  const sp = form.get('sp') ?? '';
  await trace.run('read the SP and next', async () => {
    if (sp === '' || sp.length > 1024) fail('BINDING_INVALID', 'launch: sp missing or too long');
  });
  const next = form.has('next') ? safeNext(form.get('next'), '/') : undefined;
  const key = randomBytes(32).toString('base64url');
  // Checked by the first step, which threw otherwise.
  const record: LaunchRecord = { claims: claims as AccessTokenClaims, sp, next, expiresAt: rt.clock() + LAUNCH_TTL_MS, trace: trace.reference };
  await rt.ns.set(`launch:${key}`, record, LAUNCH_TTL_MS);
  trace.step('launch link made (single use, for this SP and next)');
  rt.logger.info({ client: record.claims.client_id }, 'koa-mellon jwt: launch link made');
  const url = new URL(initiateUrl);
  url.searchParams.set('sp', sp);
  if (next !== undefined) url.searchParams.set('next', next);
  url.searchParams.set(LAUNCH_PARAMETER, key);
  ctx.set('Cache-Control', 'no-store');
  ctx.body = { launch_url: url.href, expires_in: LAUNCH_TTL_MS / 1000 };
}

/**
 * For @koa-mellon/idp's `authenticate` on sso/init/: the claims a launch link was made with, taken
 * once (a second use finds nothing), or undefined when the request carries no link. Refused with
 * LAUNCH_LINK_INVALID when unknown, used, expired, made for another SP or next, or its token has
 * been revoked since; LAUNCH_SUBJECT_MISMATCH when the request also carries a valid access token
 * of someone else (a link made by one user must not switch another's browser to them).
 */
export async function redeemLaunch(ctx: Context, untraced: BridgeRuntime): Promise<AccessTokenClaims | undefined> {
  const query = readQuery(ctx);
  const key = query.get(LAUNCH_PARAMETER);
  if (key === undefined) return undefined;
  // The launch's trace (joined once the link is found); a refusal is recorded before the IdP shows its page.
  const trace = startBridgeTrace(undefined, untraced, 'launch');
  const rt = tracedRuntime(untraced, trace);
  return traced(trace, async () => {
    let redeemed: AccessTokenClaims | undefined;
    await trace.run('redeem the launch link at the IdP (once, unexpired, same SP and next, token not revoked, same user)', async () => {
      const record = /^[A-Za-z0-9_-]{43}$/.test(key) ? await rt.ns.take<LaunchRecord>(`launch:${key}`) : undefined;
      trace.adopt(record?.trace);
      if (!record) fail('LAUNCH_LINK_INVALID', 'unknown, expired or used launch link');
      if (record.expiresAt <= rt.clock()) fail('LAUNCH_LINK_INVALID', 'launch link expired');
      if (record.sp !== query.get('sp') || record.next !== query.get('next')) fail('LAUNCH_LINK_INVALID', 'launch link used for another SP or next');
      const family = await rt.families.get(record.claims.sid);
      if (rt.denyList.has(record.claims.iss, record.claims.jti) || !family || family.revoked === true || family.notAfter <= rt.clock()) fail('LAUNCH_LINK_INVALID', 'the token of this launch link was revoked');
      const present = await identify(ctx, rt);
      if (present && present.sub !== record.claims.sub) fail('LAUNCH_SUBJECT_MISMATCH', 'launch link of another user than the access token');
      redeemed = record.claims;
    });
    rt.logger.info({}, 'koa-mellon jwt: launch link redeemed');
    return redeemed;
  });
}
