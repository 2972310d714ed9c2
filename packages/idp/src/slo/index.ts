import type { Context } from 'koa';
import { isSoapRequest } from '@koa-mellon/web';
import type { IdpRuntime } from '../runtime.js';
import type { IdpUser } from '../settings/types.js';
import { acceptRequest, continueFromResponse, logoutFromIdp, startFromRequest } from './act.js';
import { ANSWERED, type SloState, type SloSteps } from './context.js';
import { startIdpTrace, tracedRuntime } from '../web/flow-trace.js';
import { checkLogoutDestination, identifyLogoutSp, readLogoutForm, readLogoutMessage, verifyLogoutSignature } from './receive.js';
import { acceptSoapRequest, answerSoap, checkSoapDestination, endSessionOverSoap, holdVerifiedId, readSoapRequest, refuseOverSoap, requireSoapLogout } from './receive-soap.js';

/**
 * slo/ through the browser (saml-profiles §4.4), step by step: nothing is acted on before the
 * signature of the SP named by the Issuer has been verified with its metadata keys. Every
 * refusal is thrown and becomes an error page (routes.ts).
 */
const SLO_STEPS: SloSteps = [
  ['read the query, and the size-limited form of a POST', readLogoutForm],
  ['no SAML message: the user logs out at the IdP and every SP, then goes to next', logoutFromIdp],
  ['read the LogoutRequest or LogoutResponse (HTTP-Redirect or HTTP-POST, one hardened parse)', readLogoutMessage],
  ['identify the SP by its Issuer among the configured ones', identifyLogoutSp],
  ['verify the signature with the SP metadata keys (always required)', verifyLogoutSignature],
  ['check Destination', checkLogoutDestination],
  ['LogoutRequest: not expired, not replayed; the IdP session it names (saml-core §3.7.1)', acceptRequest],
  ['LogoutRequest: end the IdP session, tell the other SPs one by one through the browser', startFromRequest],
  ["LogoutResponse: the run it answers goes on (next SP, or the initiator's LogoutResponse)", continueFromResponse],
];

/**
 * POST slo/ with a SOAP envelope (with `soapLogout`): an SP's LogoutRequest over the back-channel
 * (saml-profiles §4.4.3.4, saml-bindings §3.2), answered with our signed LogoutResponse,
 * PartialLogout when an SP could not be told. Refusals leave by refuseOverSoap: a SOAP fault
 * before the SP is verified, a LogoutResponse with an error status after.
 */
const SOAP_SLO_STEPS: SloSteps = [
  ['refuse unless soapLogout is on', requireSoapLogout],
  ['read the envelope (size-limited, one hardened parse) and the LogoutRequest in it', readSoapRequest],
  ['identify the SP by its Issuer among the configured ones', identifyLogoutSp],
  ['verify the signature with the SP metadata keys (always required)', verifyLogoutSignature],
  ['from here, refusals are a LogoutResponse to this request ID', holdVerifiedId],
  ['check Destination, when present', checkSoapDestination],
  ['not expired, not replayed; the IdP session it names (saml-core §3.7.1)', acceptSoapRequest],
  ['end the IdP session and your sessions (backChannelLogout); tell the other SPs over SOAP', endSessionOverSoap],
  ['answer Success, or PartialLogout', answerSoap],
];

/**
 * GET|POST slo/: an SP's LogoutRequest (it starts single logout) or LogoutResponse (it answers
 * ours); without a SAML message, the user logs out at the IdP and ends at `next`. A SOAP POST is
 * the back-channel.
 */
export async function singleLogout<U extends IdpUser>(ctx: Context, rt: IdpRuntime<U>): Promise<void> {
  const trace = startIdpTrace(ctx, rt, 'logout');
  const state: SloState<U> = { ctx, rt: tracedRuntime(rt, trace), trace };
  if (!isSoapRequest(ctx)) return runSteps(state, SLO_STEPS);
  try {
    await runSteps(state, SOAP_SLO_STEPS);
    trace.complete();
  } catch (err) {
    await refuseOverSoap(state, err);
  }
}

/** Each step is a step of the trace; a refusal is recorded by the route's error page or refuseOverSoap. */
async function runSteps<U extends IdpUser>(state: SloState<U>, steps: SloSteps): Promise<void> {
  for (const [name, step] of steps) {
    let answered = false;
    await state.trace.run(name, async () => {
      answered = (await step(state)) === ANSWERED;
    });
    if (answered) break;
  }
  await state.trace.flush();
}
