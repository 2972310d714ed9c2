import { STATUS, fail } from '@koa-mellon/saml';
import { readForm } from '@koa-mellon/web';
import { releaseAttributes } from '../attributes.js';
import type { IdpUser } from '../settings/types.js';
import { CONSENT_LIFETIME_SECONDS, askConsent, consentKey, digestOf, type RememberedConsent } from './consent.js';
import { need, type SsoState } from './context.js';
import { ANSWERED, refuse, type Exit } from './exit.js';
import { takePending } from './pending.js';

/**
 * POST sso/consent/: the form's single-use key names the request the page was shown for, and
 * only the browser that was asked may answer (no other token: the key is unguessable and the
 * cookie SameSite).
 */
export async function takeConsentAnswer<U extends IdpUser>(state: SsoState<U>): Promise<void> {
  const { ctx, rt } = state;
  const form = await readForm(ctx, 16 * 1024, { timeoutMs: rt.bodyTimeoutMs });
  const pending = await takePending(rt, form.get('k'));
  state.trace.adopt(pending?.trace);
  if (!pending || pending.consentAskedOf === undefined) fail('IN_RESPONSE_TO_MISMATCH', 'no consent pending under this key (expired or already answered)');
  if (!pending.browser || !rt.sessions.isSameBrowser(ctx, pending.browser)) fail('LOGIN_BROWSER_MISMATCH', 'consent answered from another browser');
  state.pending = pending;
  state.consentAnswer = { accept: form.get('decision') === 'accept', remember: form.get('remember') === '1' };
}

/** saml-core §3.2.2.2: the user declined, the SP is told RequestDenied. */
export function refuseDeclined<U extends IdpUser>(state: SsoState<U>): Exit {
  if (need(state, 'consentAnswer').accept) return undefined;
  state.rt.logger.info({ sp: need(state, 'sp').entity.entityId, requestId: need(state, 'pending').requestId }, 'koa-mellon idp: consent declined');
  return refuse(STATUS.responder, STATUS.requestDenied);
}

/**
 * Accept, by the user who was asked: the login goes on with their consent, and "remember" keeps
 * it for these attribute names. Another user logged in meanwhile: the login goes on without it
 * (their own consent, or login, is needed). What would be released changed since the page was
 * shown (values, settings): the page is shown again.
 */
export async function acceptConsent<U extends IdpUser>(state: SsoState<U>): Promise<Exit> {
  const { ctx, rt } = state;
  const sp = need(state, 'sp');
  const pending = need(state, 'pending');
  const { remember } = need(state, 'consentAnswer');
  const user = (await rt.settings.authenticate(ctx)) ?? undefined;
  if (!user || user.id !== pending.consentAskedOf) {
    state.pending = { ...pending, consentAskedOf: undefined };
    return undefined;
  }
  const attributes = await releaseAttributes(sp.sp.settings.attributes, user, sp.info);
  if (digestOf(attributes) !== pending.consentShown) {
    await askConsent(ctx, rt, sp, { ...pending, consentAskedOf: undefined }, user);
    return ANSWERED;
  }
  if (remember) {
    const remembered: RememberedConsent = { names: attributes.map((attribute) => attribute.name), at: rt.clock() };
    const lifetime = (rt.settings.consentLifetime ?? CONSENT_LIFETIME_SECONDS) * 1000;
    await rt.stores.consents.set(consentKey(user.id, sp.entity.entityId), remembered, lifetime);
  }
  rt.logger.info({ sp: sp.entity.entityId, requestId: pending.requestId, remember }, 'koa-mellon idp: consent given');
  state.pending = { ...pending, consentAskedOf: undefined, consentedBy: user.id };
  return undefined;
}
