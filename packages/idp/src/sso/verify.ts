import { checkDestination, fail, failWithDetail, findSignature, verifyEnvelopedSignature, verifyRedirectSignature } from '@koa-mellon/saml';
import type { IdpUser } from '../settings/types.js';
import { need, type SsoState } from './context.js';

/** How old an AuthnRequest may be (its IssueInstant), beyond the clock skew. */
export const REQUEST_MAX_AGE_MS = 10 * 60 * 1000;

/** saml-profiles §4.1.4.1: the Issuer names the SP; only configured SPs are answered. */
export async function identifySp<U extends IdpUser>(state: SsoState<U>): Promise<void> {
  const issuer = need(state, 'request').issuer;
  if (issuer === undefined || issuer === '') fail('ENTITY_NOT_FOUND', 'AuthnRequest without Issuer');
  state.sp = await state.rt.spByEntityId(issuer);
  state.trace.peer(state.sp.entity.entityId);
}

/**
 * The request's signature, checked with the keys of the SP's metadata only. It is required when
 * the SP's metadata says AuthnRequestsSigned, or our settings want signed requests (per SP or
 * globally); a signature that is present is always checked, required or not.
 */
export function verifySignature<U extends IdpUser>(state: SsoState<U>): void {
  const { rt } = state;
  const { sp, descriptor } = need(state, 'sp');
  const required = sp.settings.wantAuthnRequestsSigned ?? ((rt.settings.wantAuthnRequestsSigned ?? false) || descriptor.authnRequestsSigned);
  const keys = descriptor.signingKeys;
  if (state.redirect) {
    // saml-bindings §3.4.4.1: the detached signature covers the query octets as sent.
    if (state.redirect.signature || required) verifyRedirectSignature(state.redirect, keys);
    return;
  }
  const parsed = need(state, 'parsed');
  const signature = findSignature(parsed.root);
  if (signature) verifyEnvelopedSignature(parsed.root, signature, { keys, ids: parsed.ids });
  else if (required) fail('SIGNATURE_MISSING', 'AuthnRequest is not signed');
}

/**
 * saml-bindings §3.4.5.2 / §3.5.5.2: Destination, when present (required when signed), is our SSO
 * URL; IssueInstant is recent (saml-core §3.2.1), so that the replay cache can forget it later.
 */
export function checkRequest<U extends IdpUser>(state: SsoState<U>): void {
  const { rt } = state;
  const request = need(state, 'request');
  const signed = state.redirect?.signature !== undefined || findSignature(request.element) !== undefined;
  checkDestination(request.element, signed, rt.urls.sso);
  const now = rt.clock();
  const issued = request.issueInstant.getTime();
  // The operator's detail: the instant received, our clock, and how far apart they are.
  const detail = () => ({ issueInstant: request.issueInstant.toISOString(), now: new Date(now).toISOString(), clockSkewSeconds: String(rt.clockSkew), maxAgeSeconds: String(REQUEST_MAX_AGE_MS / 1000), differenceSeconds: String(Math.round((now - issued) / 1000)) });
  if (issued > now + rt.clockSkew * 1000) failWithDetail('ASSERTION_NOT_YET_VALID', 'AuthnRequest issued in the future', detail());
  if (issued < now - rt.clockSkew * 1000 - REQUEST_MAX_AGE_MS) failWithDetail('ASSERTION_EXPIRED', 'AuthnRequest too old', detail());
}

/** A request ID is answered once per SP: a second copy is a replay (saml-core §1.3.4 IDs are unique). */
export async function refuseReplay<U extends IdpUser>(state: SsoState<U>): Promise<void> {
  const { rt } = state;
  const request = need(state, 'request');
  const key = `rq:${JSON.stringify([need(state, 'sp').entity.entityId, request.id])}`;
  const ttl = REQUEST_MAX_AGE_MS + 2 * rt.clockSkew * 1000;
  if (!(await rt.stores.replay.setIfAbsent(key, 1, ttl))) fail('REPLAYED_ASSERTION', 'AuthnRequest ID already answered');
}
