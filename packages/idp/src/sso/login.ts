import { STATUS } from '@koa-mellon/saml';
import type { IdpRuntime } from '../runtime.js';
import type { IdpUser } from '../settings/types.js';
import { need, type SsoState } from './context.js';
import { ANSWERED, refuse, type Exit } from './exit.js';
import { savePending, spOfPending } from './pending.js';

/** After this many trips to the login page without a user, the SP is told AuthnFailed. */
export const MAX_LOGIN_TRIPS = 3;

/** The SP of the pending request, from its current metadata (which must still name the same entity). */
export async function findPendingSp<U extends IdpUser>(state: SsoState<U>): Promise<void> {
  const pending = need(state, 'pending');
  state.trace.peer(pending.spEntityId);
  state.sp = await spOfPending(state.rt, pending);
}

/** saml-core §3.4.1.1: a NameIDPolicy whose format we cannot issue is InvalidNameIDPolicy. */
export function refuseNameIdPolicy<U extends IdpUser>(state: SsoState<U>): Exit {
  return need(state, 'pending').format === null ? refuse(STATUS.requester, STATUS.invalidNameIdPolicy) : undefined;
}

/**
 * The app's user. None (or ForceAuthn before the login page ran: saml-core §3.4.1, a fresh
 * authentication is only the login page's): IsPassive gets NoPassive, too many trips AuthnFailed,
 * else the app's login page, with `next` back to this request under a fresh single-use key.
 */
export async function requireUser<U extends IdpUser>(state: SsoState<U>): Promise<Exit> {
  const { ctx, rt } = state;
  const pending = need(state, 'pending');
  const user = (await rt.settings.authenticate(ctx)) ?? undefined;
  if (user && !(pending.forceAuthn && pending.logins === 0)) {
    state.user = user;
    return undefined;
  }
  if (pending.isPassive) return refuse(STATUS.responder, STATUS.noPassive);
  if (pending.logins >= MAX_LOGIN_TRIPS) return refuse(STATUS.responder, STATUS.authnFailed);
  const key = await savePending(ctx, rt, { ...pending, logins: pending.logins + 1, loginSentAt: rt.clock() });
  ctx.set('Cache-Control', 'no-store');
  ctx.redirect(loginRedirect(rt, key, pending.forceAuthn));
  return ANSWERED;
}

/** The URL the app's login page sends the user back to: a path when both share an origin. */
function resumeUrl<U extends IdpUser>(rt: IdpRuntime<U>, key: string): string {
  const url = new URL(rt.urls.resume);
  url.searchParams.set('k', key);
  const login = new URL(rt.settings.loginUrl, rt.urls.base);
  return login.origin === url.origin ? `${url.pathname}${url.search}` : url.href;
}

/** The app's login page with `next` (and `forceAuthn=1` when the SP demands a fresh login). */
function loginRedirect<U extends IdpUser>(rt: IdpRuntime<U>, key: string, forceAuthn: boolean): string {
  const relative = !/^[a-z][a-z0-9+.-]*:/i.test(rt.settings.loginUrl);
  const url = new URL(rt.settings.loginUrl, rt.urls.base.origin);
  url.searchParams.set('next', resumeUrl(rt, key));
  if (forceAuthn) url.searchParams.set('forceAuthn', '1');
  return relative ? `${url.pathname}${url.search}` : url.href;
}

/**
 * The IdP session of this user: started, or renewed when the login page ran since it began
 * (its AuthnInstant must be the fresh one); another user's session ends first.
 */
export async function openSession<U extends IdpUser>(state: SsoState<U>): Promise<void> {
  const { ctx, rt } = state;
  const pending = need(state, 'pending');
  const user = need(state, 'user');
  let session = await rt.sessions.load(ctx);
  if (session && session.userId !== user.id) {
    rt.logger.warn({}, 'koa-mellon idp: another user logged in; the previous IdP session ends without single logout');
    await rt.sessions.end(session);
    session = undefined;
  }
  if (!session) session = await rt.sessions.start(ctx, user.id, rt.sessionLifetime);
  else if (pending.loginSentAt !== undefined && session.authnInstant < pending.loginSentAt) session = await rt.sessions.reauthenticated(session, rt.sessionLifetime);
  state.session = session;
}
