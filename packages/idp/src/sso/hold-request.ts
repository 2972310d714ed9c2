import { STATUS } from '@koa-mellon/saml';
import { negotiateFormat } from '../nameid.js';
import type { IdpUser } from '../settings/types.js';
import { need, type SsoState } from './context.js';
import { ANSWERED, refuse, type Exit } from './exit.js';
import { authnContextOf } from './issue.js';
import { savePending } from './pending.js';

/**
 * The verified AuthnRequest becomes a pending request: what the rest of the login needs, and
 * only that. An unsatisfiable NameIDPolicy is kept as format null (answered later, at the ACS).
 */
export function holdRequest<U extends IdpUser>(state: SsoState<U>): void {
  const { rt } = state;
  const sp = need(state, 'sp');
  const request = need(state, 'request');
  state.pending = {
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
    trace: state.trace.reference,
  };
}

/** saml-core §3.3.2.2.1: an exact RequestedAuthnContext we do not satisfy is NoAuthnContext. */
export function refuseAuthnContext<U extends IdpUser>(state: SsoState<U>): Exit {
  const requested = need(state, 'request').requestedAuthnContext;
  if (requested && requested.comparison === 'exact' && requested.classRefs.length > 0 && !requested.classRefs.includes(authnContextOf(state.rt, need(state, 'sp')))) {
    return refuse(STATUS.responder, STATUS.noAuthnContext);
  }
  return undefined;
}

/**
 * The SP's form post is cross-site: SameSite=Lax cookies (the app's session, ours) are not sent
 * with it. A 303 to a GET of this site (sso/resume/) brings them; a GET goes straight on.
 */
export async function hopToSameSite<U extends IdpUser>(state: SsoState<U>): Promise<Exit> {
  const { ctx, rt } = state;
  if (ctx.method !== 'POST') return undefined;
  const key = await savePending(ctx, rt, need(state, 'pending'));
  ctx.status = 303;
  ctx.redirect(`${rt.urls.resume}?k=${key}`);
  return ANSWERED;
}
