import type { Context } from 'koa';
import type { IdpRuntime } from '../runtime.js';
import type { IdpUser } from '../settings/types.js';
import { chooseAcs } from './acs.js';
import { acceptConsent, refuseDeclined, takeConsentAnswer } from './consent-answer.js';
import { checkConsent } from './consent.js';
import type { SsoState } from './context.js';
import { deliverResponse } from './deliver.js';
import { holdRequest, hopToSameSite, refuseAuthnContext } from './hold-request.js';
import { holdInitiated } from './initiate.js';
import { buildAssertion, chooseNameId, recordVisit } from './issue.js';
import { findPendingSp, openSession, refuseNameIdPolicy, requireUser } from './login.js';
import { readRequest } from './receive.js';
import { takeResumed } from './resume.js';
import { runSteps, type Steps } from './run.js';
import { checkRequest, identifySp, refuseReplay, verifySignature } from './verify.js';
import { startIdpTrace, tracedRuntime } from '../web/flow-trace.js';

/**
 * A pending request meets the user, and the SP gets its answer (saml-profiles §4.1.4.2). Every
 * step may refuse with a status that goes to the verified ACS (run.ts, the one exit); the login
 * and consent pages end the run and come back through sso/resume/ or sso/consent/.
 */
const LOGIN_STEPS: Steps = [
  ['find the SP of the pending request (its current metadata must name the same entity)', findPendingSp],
  ['refuse a NameIDPolicy we cannot satisfy: InvalidNameIDPolicy (saml-core §3.4.1.1)', refuseNameIdPolicy],
  ["take the app's user; none, or ForceAuthn: NoPassive, AuthnFailed after 3 trips, else the login page", requireUser],
  ['open the IdP session: start it, renew it after the login page, end another user\'s', openSession],
  ["consent: the app's hook, a remembered one, else the consent page; RequestDenied, NoPassive", checkConsent],
  ['choose the NameID (no value for the format: InvalidNameIDPolicy)', chooseNameId],
  ['record the SP in the IdP session for single logout (session ended meanwhile: AuthnFailed)', recordVisit],
  ['build the Response: attributes, AuthnStatement; sign, encrypt to the SP metadata key', buildAssertion],
  ['deliver it to the verified ACS (HTTP-POST form, or HTTP-Artifact)', deliverResponse],
];

/**
 * sso/ (saml-profiles §4.1.4), step by step. Until the ACS is chosen from the SP's metadata, every
 * refusal is thrown and becomes an error page (routes.ts); from `holdRequest` on, refusals
 * (NoAuthnContext, NoPassive, RequestDenied...) go to that verified ACS only.
 */
const SSO_STEPS: Steps = [
  ['read the AuthnRequest (HTTP-Redirect or HTTP-POST, size-limited, one hardened parse)', readRequest],
  ['identify the SP by its Issuer among the configured ones', identifySp],
  ['verify the signature with the SP metadata keys (required when AuthnRequestsSigned or wanted)', verifySignature],
  ['check Destination and IssueInstant', checkRequest],
  ['choose the ACS from the SP metadata only (index, exact URL, or default)', chooseAcs],
  ['refuse a replayed request ID (atomic set-if-absent)', refuseReplay],
  ['hold the verified request as pending (NameID format negotiated)', holdRequest],
  ['refuse an exact RequestedAuthnContext we do not satisfy: NoAuthnContext', refuseAuthnContext],
  ['HTTP-POST: 303 to sso/resume/ (a same-site GET brings the SameSite=Lax cookies)', hopToSameSite],
  ...LOGIN_STEPS,
];

/** GET sso/resume/?k=…: back from the login page (or the POST hop), in the same browser. */
const RESUME_STEPS: Steps = [
  ['take the pending request by its single-use key, in the browser it was bound to', takeResumed],
  ...LOGIN_STEPS,
];

/** GET sso/init/?sp=<entityID>&next=<url>: IdP-initiated login (saml-profiles §4.1.5). */
const INIT_STEPS: Steps = [
  ["hold an unsolicited request to the SP's default ACS, RelayState = next (allowIdpInitiated)", holdInitiated],
  ...LOGIN_STEPS,
];

/** POST sso/consent/: the user's answer to the consent page. */
const CONSENT_ANSWER_STEPS: Steps = [
  ['take the pending consent by its single-use key, in the browser that was asked', takeConsentAnswer],
  ['find the SP of the pending request', findPendingSp],
  ['Decline: RequestDenied (saml-core §3.2.2.2)', refuseDeclined],
  ['Accept by the user asked: remember if asked, go on with consent (what changed: ask again)', acceptConsent],
  ...LOGIN_STEPS,
];

export async function singleSignOn<U extends IdpUser>(ctx: Context, rt: IdpRuntime<U>): Promise<void> {
  await runSteps(start(ctx, rt), SSO_STEPS);
}

export async function resumeLogin<U extends IdpUser>(ctx: Context, rt: IdpRuntime<U>): Promise<void> {
  await runSteps(start(ctx, rt), RESUME_STEPS);
}

export async function initiateLogin<U extends IdpUser>(ctx: Context, rt: IdpRuntime<U>): Promise<void> {
  await runSteps(start(ctx, rt), INIT_STEPS);
}

export async function answerConsent<U extends IdpUser>(ctx: Context, rt: IdpRuntime<U>): Promise<void> {
  await runSteps(start(ctx, rt), CONSENT_ANSWER_STEPS);
}

/** A new login trace; resume and consent adopt the one kept with the pending request. */
function start<U extends IdpUser>(ctx: Context, rt: IdpRuntime<U>): SsoState<U> {
  const trace = startIdpTrace(ctx, rt, 'login');
  return { ctx, rt: tracedRuntime(rt, trace), trace };
}
