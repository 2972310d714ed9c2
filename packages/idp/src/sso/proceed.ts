import { STATUS } from '@koa-mellon/saml';
import type { Context } from 'koa';
import type { IdpRuntime } from '../runtime.js';
import type { IdpUser } from '../settings/types.js';
import { askConsent, consentFor } from './consent.js';
import { issueAssertion, sendStatus } from './issue.js';
import { loginRedirect, savePending, spOfPending, type PendingRequest } from './pending.js';

/** After this many trips to the login page without a user, the SP is told AuthnFailed. */
export const MAX_LOGIN_TRIPS = 3;

/**
 * A verified request meets the user. Every answer from here on goes to the verified ACS:
 * - an unsatisfiable NameIDPolicy: InvalidNameIDPolicy (saml-core §3.4.1.1);
 * - no user (or ForceAuthn before the login page ran): IsPassive gets NoPassive (§3.4.1),
 *   otherwise the app's login page, with `next` back to this request;
 * - consent: the app's hook, or the consent page (sso/consent.ts); refused: RequestDenied;
 * - else the assertion, from the IdP session (started, or renewed after a login page trip).
 */
export async function proceed<U extends IdpUser>(ctx: Context, rt: IdpRuntime<U>, pending: PendingRequest): Promise<void> {
  const sp = await spOfPending(rt, pending);
  if (pending.format === null) return sendStatus(ctx, rt, sp, pending, [STATUS.requester, STATUS.invalidNameIdPolicy]);

  const user = (await rt.settings.authenticate(ctx)) ?? undefined;
  // saml-core §3.4.1: ForceAuthn means a fresh authentication, which only the login page gives.
  if (!user || (pending.forceAuthn && pending.logins === 0)) {
    if (pending.isPassive) return sendStatus(ctx, rt, sp, pending, [STATUS.responder, STATUS.noPassive]);
    if (pending.logins >= MAX_LOGIN_TRIPS) return sendStatus(ctx, rt, sp, pending, [STATUS.responder, STATUS.authnFailed]);
    const key = await savePending(ctx, rt, { ...pending, logins: pending.logins + 1, loginSentAt: rt.clock() });
    ctx.set('Cache-Control', 'no-store');
    ctx.redirect(loginRedirect(rt, key, pending.forceAuthn));
    return;
  }

  let session = await rt.sessions.load(ctx);
  if (session && session.userId !== user.id) {
    rt.logger.warn({}, 'koa-mellon idp: another user logged in; the previous IdP session ends without single logout');
    await rt.sessions.end(session);
    session = undefined;
  }
  if (!session) session = await rt.sessions.start(ctx, user.id, rt.sessionLifetime);
  else if (pending.loginSentAt !== undefined && session.authnInstant < pending.loginSentAt) session = await rt.sessions.reauthenticated(session, rt.sessionLifetime);

  const consent = await consentFor(ctx, rt, sp, pending, user);
  if (consent === 'deny') return sendStatus(ctx, rt, sp, pending, [STATUS.responder, STATUS.requestDenied]);
  // saml-core §3.4.1: a passive request must not take over the user interface, not even to ask.
  if (consent === 'ask') return pending.isPassive ? sendStatus(ctx, rt, sp, pending, [STATUS.responder, STATUS.noPassive]) : askConsent(ctx, rt, sp, pending, user);
  await issueAssertion(ctx, rt, sp, pending, user, session);
}
