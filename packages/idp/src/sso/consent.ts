import { createHash } from 'node:crypto';
import { STATUS, type ResponseAttribute } from '@koa-mellon/saml';
import { englishFirst, sendPage } from '@koa-mellon/web';
import type { Context } from 'koa';
import { releaseAttributes } from '../attributes.js';
import type { IdpRuntime, SpMetadata } from '../runtime.js';
import type { ConsentPage, IdpUser } from '../settings/types.js';
import { builtInConsentPage } from './consent-page.js';
import { need, type SsoState } from './context.js';
import { ANSWERED, refuse, type Exit } from './exit.js';
import { savePending, type PendingRequest } from './pending.js';

/** Default lifetime of a remembered consent (djangosaml2idp's default too). */
export const CONSENT_LIFETIME_SECONDS = 365 * 24 * 3600;

/** A consent the user asked to remember: for these attribute names, to this SP. */
export interface RememberedConsent {
  readonly names: readonly string[];
  readonly at: number;
}

/**
 * The step: release, or RequestDenied when refused, or the consent page. saml-core §3.4.1: a
 * passive request must not take over the user interface, not even to ask: NoPassive.
 */
export async function checkConsent<U extends IdpUser>(state: SsoState<U>): Promise<Exit> {
  const { ctx, rt } = state;
  const sp = need(state, 'sp');
  const pending = need(state, 'pending');
  const user = need(state, 'user');
  const consent = await consentFor(ctx, rt, sp, pending, user);
  if (consent === 'deny') return refuse(STATUS.responder, STATUS.requestDenied);
  if (consent === 'release') return undefined;
  if (pending.isPassive) return refuse(STATUS.responder, STATUS.noPassive);
  await askConsent(ctx, rt, sp, pending, user);
  return ANSWERED;
}

/**
 * Whether this release may go ahead: the app's `consent` hook decides (true, false or 'ask');
 * without one, SPs with `askConsent` ask. 'ask' is answered by a remembered consent that covers
 * every attribute name released now: a new attribute asks again, new values of the same do not.
 */
async function consentFor<U extends IdpUser>(ctx: Context, rt: IdpRuntime<U>, sp: SpMetadata<U>, pending: PendingRequest, user: U): Promise<'release' | 'deny' | 'ask'> {
  // The hook is asked every time (access may have been revoked while the page was open).
  const answer = rt.settings.consent ? await rt.settings.consent(ctx, sp.info, user) : (sp.sp.settings.askConsent ?? rt.settings.askConsent ?? false) ? 'ask' : true;
  if (answer === true) return 'release';
  if (answer === false) return 'deny';
  if (pending.consentedBy === user.id) return 'release';
  const names = (await releaseAttributes(sp.sp.settings.attributes, user, sp.info)).map((attribute) => attribute.name);
  // Written only by acceptConsent (consent-answer.ts), under this key.
  const remembered = await rt.stores.consents.get<RememberedConsent>(consentKey(user.id, sp.entity.entityId));
  return remembered && names.every((name) => remembered.names.includes(name)) ? 'release' : 'ask';
}

/**
 * Shows the consent page: what exactly the SP would receive, Accept / Decline, and "remember".
 * The verified request waits under a fresh single-use key, bound to this browser, that the form
 * posts back (no other token is needed: the key is unguessable and the cookie SameSite).
 */
export async function askConsent<U extends IdpUser>(ctx: Context, rt: IdpRuntime<U>, sp: SpMetadata<U>, pending: PendingRequest, user: U): Promise<void> {
  const attributes = await releaseAttributes(sp.sp.settings.attributes, user, sp.info);
  const key = await savePending(ctx, rt, { ...pending, consentAskedOf: user.id, consentShown: digestOf(attributes), consentedBy: undefined });
  const page: ConsentPage<U> = {
    kind: 'consent',
    sp: sp.info,
    spName: spDisplayName(sp),
    user,
    attributes: attributes.map(({ name, friendlyName, values }) => ({ name, friendlyName, values })),
    action: rt.urls.consent,
    key,
  };
  // Never framed, the app's page or ours (clickjacking would accept on the user's behalf): sendPage.
  await sendPage(ctx, page, {
    status: 200,
    pages: rt.settings.pages,
    logger: rt.logger,
    builtIn: (theme) => builtInConsentPage(page, theme),
    csp: "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'",
  });
  rt.logger.info({ sp: sp.entity.entityId, requestId: pending.requestId }, 'koa-mellon idp: consent asked');
}

/** What the page showed, to compare with what would be released when the user answers. */
export function digestOf(attributes: readonly ResponseAttribute[]): string {
  return createHash('sha256').update(JSON.stringify(attributes.map(({ name, values }) => [name, values]))).digest('hex');
}

export function consentKey(userId: string, spEntityId: string): string {
  return `c:${JSON.stringify([userId, spEntityId])}`;
}

/** mdui:DisplayName, else the Organization's display name (English first), else the entityID. */
function spDisplayName<U extends IdpUser>(sp: SpMetadata<U>): string {
  return englishFirst(sp.descriptor.ui?.displayNames)?.value ?? englishFirst(sp.entity.organization?.displayNames)?.value ?? sp.entity.entityId;
}
