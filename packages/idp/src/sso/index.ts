import { STATUS, fail, findDefaultEndpoint } from '@koa-mellon/saml';
import type { Context } from 'koa';
import { negotiateFormat } from '../nameid.js';
import type { IdpRuntime } from '../runtime.js';
import type { IdpUser } from '../settings/types.js';
import { chooseAcs, responseBindings } from './acs.js';
import { need, type SsoState } from './context.js';
import { authnContextOf, sendStatus } from './issue.js';
import { savePending, takePending, type PendingRequest } from './pending.js';
import { proceed } from './proceed.js';
import { readRequest } from './receive.js';
import { checkRequest, identifySp, refuseReplay, verifySignature } from './verify.js';
import { readQuery } from '@koa-mellon/web';

type Step = <U extends IdpUser>(state: SsoState<U>) => Promise<void> | void;

/**
 * sso/ (saml-profiles §4.1.4), step by step. Until the ACS is chosen from the SP's metadata, every
 * refusal is an error page; from `continueLogin` on, answers (NoPassive, RequestDenied...) go to
 * that verified ACS only.
 */
const SSO_STEPS: ReadonlyArray<readonly [string, Step]> = [
  ['read the AuthnRequest (HTTP-Redirect or HTTP-POST, size-limited, one hardened parse)', readRequest],
  ['identify the SP by its Issuer among the configured ones', identifySp],
  ['verify the signature with the SP metadata keys (required when AuthnRequestsSigned or wanted)', verifySignature],
  ['check Destination and IssueInstant', checkRequest],
  ['choose the ACS from the SP metadata only (index, exact URL, or default)', chooseAcs],
  ['refuse a replayed request ID (atomic set-if-absent)', refuseReplay],
  ['answer at the verified ACS: login page, NoPassive, consent, assertion', continueLogin],
];

export async function singleSignOn<U extends IdpUser>(ctx: Context, rt: IdpRuntime<U>): Promise<void> {
  const state: SsoState<U> = { ctx, rt };
  for (const [, step] of SSO_STEPS) await step(state);
}

/** The verified request becomes a pending one; a cross-site POST first hops to a same-site GET. */
async function continueLogin<U extends IdpUser>(state: SsoState<U>): Promise<void> {
  const { ctx, rt } = state;
  const sp = need(state, 'sp');
  const request = need(state, 'request');
  const pending: PendingRequest = {
    sp: sp.sp.index,
    spEntityId: sp.entity.entityId,
    requestId: request.id,
    acs: need(state, 'acs'),
    relayState: state.relayState,
    forceAuthn: request.forceAuthn,
    isPassive: request.isPassive,
    format: negotiateFormat(sp.sp.settings.nameIdFormat ?? 'persistent', request.nameIdPolicy?.format) ?? null,
    createdAt: rt.clock(),
    logins: 0,
  };
  // saml-core §3.3.2.2.1: an exact RequestedAuthnContext we do not satisfy is NoAuthnContext.
  const requested = request.requestedAuthnContext;
  if (requested && requested.comparison === 'exact' && requested.classRefs.length > 0 && !requested.classRefs.includes(authnContextOf(rt, sp))) {
    return sendStatus(ctx, rt, sp, pending, [STATUS.responder, STATUS.noAuthnContext]);
  }
  if (ctx.method === 'POST') {
    // The SP's form post is cross-site: SameSite=Lax cookies (the app's session, ours) are not
    // sent with it. A 303 to a GET of this site brings them.
    const key = await savePending(ctx, rt, pending);
    ctx.status = 303;
    ctx.redirect(`${rt.urls.resume}?k=${key}`);
    return;
  }
  await proceed(ctx, rt, pending);
}

/** GET sso/resume/?k=…: back from the login page (or the POST hop), in the same browser. */
export async function resumeLogin<U extends IdpUser>(ctx: Context, rt: IdpRuntime<U>): Promise<void> {
  const pending = await takePending(rt, readQuery(ctx).get('k'));
  if (!pending) fail('IN_RESPONSE_TO_MISMATCH', 'no pending request under this key (expired or already used)');
  if (!pending.browser || !rt.sessions.isSameBrowser(ctx, pending.browser)) fail('LOGIN_BROWSER_MISMATCH', 'pending request resumed in another browser');
  await proceed(ctx, rt, pending);
}

/**
 * GET sso/init/?sp=<entityID>&next=<url>: IdP-initiated login (saml-profiles §4.1.5), an
 * unsolicited Response to the SP's default ACS with RelayState = next.
 */
export async function initiateLogin<U extends IdpUser>(ctx: Context, rt: IdpRuntime<U>): Promise<void> {
  const query = readQuery(ctx);
  const sp = await rt.spByEntityId(query.get('sp') ?? '');
  if (sp.sp.settings.allowIdpInitiated === false) fail('UNSOLICITED_RESPONSE', 'IdP-initiated login is off for this SP');
  const acs = findDefaultEndpoint(sp.descriptor.assertionConsumerServices, responseBindings(rt.settings.artifactResolution ?? false));
  if (!acs) fail('METADATA_INVALID', 'SP metadata has no AssertionConsumerService we can answer on');
  const next = query.get('next');
  if (next !== undefined && next.length > 2048) fail('BINDING_INVALID', 'next too long');
  await proceed(ctx, rt, {
    sp: sp.sp.index,
    spEntityId: sp.entity.entityId,
    acs: { binding: acs.binding, location: acs.location },
    relayState: next,
    forceAuthn: false,
    isPassive: false,
    format: sp.sp.settings.nameIdFormat ?? 'persistent',
    createdAt: rt.clock(),
    logins: 0,
  });
}
