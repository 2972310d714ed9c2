import { createHash } from 'node:crypto';
import { STATUS, escapeHtml, type LocalizedString, type ResponseAttribute } from '@koa-mellon/saml';
import type { Context } from 'koa';
import { releaseAttributes } from '../attributes.js';
import type { IdpRuntime, SpMetadata } from '../runtime.js';
import type { ConsentView, IdpUser } from '../settings/types.js';
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
  const view: ConsentView<U> = {
    sp: sp.info,
    spName: spDisplayName(sp),
    user,
    attributes: attributes.map(({ name, friendlyName, values }) => ({ name, friendlyName, values })),
    action: rt.urls.consent,
    key,
  };
  const html = rt.settings.renderConsent ? await rt.settings.renderConsent(view) : defaultConsentPage(view);
  ctx.status = 200;
  ctx.type = 'html';
  ctx.set('Cache-Control', 'no-store');
  ctx.set('X-Content-Type-Options', 'nosniff');
  // A consent page must never be framed (clickjacking would accept on the user's behalf).
  ctx.set('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'");
  ctx.set('X-Frame-Options', 'DENY');
  ctx.body = html;
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
  const pick = (names: readonly LocalizedString[] | undefined) => names?.find((name) => name.lang.startsWith('en'))?.value ?? names?.[0]?.value;
  return pick(sp.descriptor.ui?.displayNames) ?? pick(sp.entity.organization?.displayNames) ?? sp.entity.entityId;
}

/** The built-in page: plain HTML, every value escaped, no script. */
function defaultConsentPage<U extends IdpUser>(view: ConsentView<U>): string {
  const rows = view.attributes
    .map((attribute) => `<tr><th scope="row">${escapeHtml(attribute.friendlyName ?? attribute.name)}</th><td>${attribute.values.map(escapeHtml).join('<br>')}</td></tr>`)
    .join('');
  const released = view.attributes.length > 0 ? `<table>${rows}</table>` : '<p>Only an identifier for your account, no other information.</p>';
  return (
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Share your information?</title>' +
    '<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#222}' +
    'table{border-collapse:collapse;margin:1rem 0}th,td{text-align:left;padding:.3rem .8rem .3rem 0;vertical-align:top}button{margin-right:.5rem}</style></head>' +
    `<body><h1>Share your information?</h1><p><strong>${escapeHtml(view.spName)}</strong> will receive:</p>${released}` +
    `<form method="post" action="${escapeHtml(view.action)}"><input type="hidden" name="k" value="${escapeHtml(view.key)}">` +
    '<p><label><input type="checkbox" name="remember" value="1"> Remember my choice for this application</label></p>' +
    '<p><button type="submit" name="decision" value="accept">Accept</button><button type="submit" name="decision" value="decline">Decline</button></p>' +
    '</form></body></html>'
  );
}
