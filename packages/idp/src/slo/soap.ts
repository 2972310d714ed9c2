import { BINDING, LOGOUT_REASON, MellonError, buildLogoutRequest, exchangeSoap, fail, parseLogoutResponse } from '@koa-mellon/saml';
import type { FlowTrace } from '@koa-mellon/web';
import type { IdpRuntime } from '../runtime.js';
import type { IdpUser } from '../settings/types.js';
import type { VisitedSp } from '../state/sessions.js';
import { signingOptions } from '../signing.js';
import { sloEndpointOf } from './endpoint.js';

/** How long an SP may take to answer a back-channel LogoutRequest. */
export const SOAP_LOGOUT_TIMEOUT_MS = 5000;

/**
 * Tells one SP over the SOAP back-channel, when its metadata offers it (saml-bindings §3.2,
 * saml-profiles §4.4.3.4): our signed
 * LogoutRequest, and its LogoutResponse back, which must be signed with a key of its metadata,
 * from it, to this request, and Success, within SOAP_LOGOUT_TIMEOUT_MS. Any failure is logged and
 * reported as false (the logout becomes partial); it never stops the logout of the other SPs.
 */
export async function logoutOverSoap<U extends IdpUser>(rt: IdpRuntime<U>, target: VisitedSp, sessionIndex: string | undefined, trace: FlowTrace | undefined): Promise<boolean> {
  const endpoint = await sloEndpointOf(rt, target.entityId, [BINDING.soap]);
  if (!endpoint) {
    trace?.step(`${target.entityId}: no SOAP SingleLogoutService, not told (partial logout)`);
    return false;
  }
  try {
    const sp = await rt.spByEntityId(target.entityId);
    const { id, document } = buildLogoutRequest({
      issuer: rt.urls.entityId,
      destination: endpoint.location,
      nameId: target.nameId,
      sessionIndexes: sessionIndex === undefined ? [] : [sessionIndex],
      reason: LOGOUT_REASON.user,
      clock: rt.clock,
    });
    const { message } = await exchangeSoap(endpoint.location, document, {
      signing: signingOptions(rt),
      keys: sp.descriptor.signingKeys,
      requireSignature: true,
      timeoutMs: SOAP_LOGOUT_TIMEOUT_MS,
      maxBytes: rt.maxMessageBytes,
      verifyTls: sp.sp.settings.verifySslCertificate,
      errorCode: 'LOGOUT_FAILED',
    });
    const response = parseLogoutResponse(message);
    if (response.issuer !== target.entityId) fail('ISSUER_MISMATCH', 'back-channel LogoutResponse from another issuer');
    if (response.inResponseTo !== id) fail('IN_RESPONSE_TO_MISMATCH', 'back-channel LogoutResponse to another request');
    if (!response.success) fail('LOGOUT_FAILED', 'the SP did not log out');
    rt.logger.info({ sp: target.entityId }, 'koa-mellon idp: SP logged out over SOAP');
    trace?.step(`${target.entityId}: logged out over SOAP`);
    return true;
  } catch (err) {
    // One SP never stops the logout of the others; a failure makes this one partial (a step of
    // the trace, not its refusal: the logout goes on).
    trace?.step(`${target.entityId}: back-channel logout failed (${err instanceof MellonError ? err.code : 'INTERNAL_ERROR'}), partial logout`);
    if (err instanceof MellonError) rt.logger.warn({ sp: target.entityId, code: err.code, reason: err.message }, 'koa-mellon idp: back-channel logout failed');
    else rt.logger.error({ sp: target.entityId, err }, 'koa-mellon idp: back-channel logout failed unexpectedly');
    return false;
  }
}
