import { MellonError, STATUS, buildLogoutResponse, checkDestination, fail, parseSoapEnvelope, readMessageHeader, signElement, type StatusInput } from '@koa-mellon/saml';
import { logUnexpected, readBody, sendSoapFault, sendSoapMessage, soapErrorStatus } from '@koa-mellon/web';
import { signingOptions } from '../signing.js';
import type { IdpUser } from '../settings/types.js';
import { acceptLogoutRequest } from './accept-request.js';
import { need, type SloState } from './context.js';
import { logoutOverSoap } from './soap.js';

/** SOAP logout is opt-in (`soapLogout`): without it, every SOAP POST to slo/ is a fault. */
export function requireSoapLogout<U extends IdpUser>(state: SloState<U>): void {
  if (!state.rt.settings.soapLogout) fail('BINDING_INVALID', 'SOAP logout is off (soapLogout)');
}

/** saml-bindings §3.2.3: the size-limited envelope, one hardened parse; the LogoutRequest inside is what is verified and read. */
export async function readSoapRequest<U extends IdpUser>(state: SloState<U>): Promise<void> {
  const { ctx, rt } = state;
  const text = await readBody(ctx, rt.maxMessageBytes, { timeoutMs: rt.bodyTimeoutMs });
  state.trace.message('LogoutRequest (SOAP)', text);
  const { parsed, message: root } = parseSoapEnvelope(text, { maxBytes: rt.maxMessageBytes });
  // Its ID index is the document's.
  state.message = { kind: 'LogoutRequest', parsed: { ...parsed, root } };
}

/** From here on the SP is verified: a refusal is our LogoutResponse to this request, not a fault. */
export function holdVerifiedId<U extends IdpUser>(state: SloState<U>): void {
  state.verifiedId = readMessageHeader(need(state, 'message').parsed.root, 'LogoutRequest').id;
}

/** Destination is optional over SOAP (no browser to mislead), checked when present. */
export function checkSoapDestination<U extends IdpUser>(state: SloState<U>): void {
  checkDestination(need(state, 'message').parsed.root, false, state.rt.urls.slo);
}

/** Not expired, not replayed, and the IdP session it names (no browser: no session of our own). */
export async function acceptSoapRequest<U extends IdpUser>(state: SloState<U>): Promise<void> {
  const { session } = await acceptLogoutRequest(state.rt, spEntityIdOf(state), need(state, 'message').parsed.root, undefined);
  state.session = session;
}

/**
 * The IdP session ends, your own sessions of the user end (`backChannelLogout`: there is no
 * browser), and the other SPs that offer SOAP are told, all at once (each may take its timeout).
 * Any failure makes the logout partial, never stops it.
 */
export async function endSessionOverSoap<U extends IdpUser>(state: SloState<U>): Promise<void> {
  const { rt, session } = state;
  const entityId = spEntityIdOf(state);
  let partial = false;
  if (session) {
    const visits = await rt.sessions.visits(session);
    await rt.sessions.end(session);
    try {
      await rt.settings.backChannelLogout?.(session.userId);
    } catch (err) {
      // Your sessions may live on: say so, but still tell the other SPs.
      rt.logger.error({ err }, 'koa-mellon idp: backChannelLogout failed');
      partial = true;
    }
    const others = visits.filter((visit) => visit.entityId !== entityId);
    if ((await Promise.all(others.map((visit) => logoutOverSoap(rt, visit, session.sessionIndex, state.trace)))).includes(false)) partial = true;
  }
  rt.logger.info({ initiator: entityId, session: session !== undefined, partial }, 'koa-mellon idp: single logout over SOAP');
  state.partial = partial;
}

/** saml-core §3.2.2.2: Success, with PartialLogout under it when an SP could not be told. */
export function answerSoap<U extends IdpUser>(state: SloState<U>): void {
  answer(state, need(state, 'verifiedId'), state.partial ? { codes: [STATUS.success, STATUS.partialLogout] } : undefined);
}

/**
 * The one exit of a refused SOAP LogoutRequest: before the SP is verified, a SOAP fault; after,
 * our LogoutResponse with an error status (saml-bindings §3.2.3.3). The refusal joins the trace
 * (no page to show its reference on: the SP's admin finds it in our logs by time and SP).
 */
export async function refuseOverSoap<U extends IdpUser>(state: SloState<U>, err: unknown): Promise<void> {
  const { ctx, rt } = state;
  state.trace.refuse(err);
  await state.trace.flush();
  const code = err instanceof MellonError ? err.code : 'INTERNAL_ERROR';
  if (err instanceof MellonError) rt.logger.warn({ code, reason: err.message }, 'koa-mellon idp: SOAP LogoutRequest refused');
  else if (logUnexpected(rt.logger, err, 'koa-mellon idp')) return;
  if (state.verifiedId === undefined) return sendSoapFault(ctx, code);
  answer(state, state.verifiedId, soapErrorStatus(code));
}

/** Our signed LogoutResponse in the SOAP answer: Success, or the status given. */
function answer<U extends IdpUser>(state: SloState<U>, requestId: string, status: StatusInput | undefined): void {
  const { rt } = state;
  const { document } = buildLogoutResponse({ issuer: rt.urls.entityId, inResponseTo: requestId, status, clock: rt.clock });
  signElement(document.documentElement, signingOptions(rt));
  sendSoapMessage(state.ctx, document);
}

function spEntityIdOf<U extends IdpUser>(state: SloState<U>): string {
  const sp = need(state, 'message').sp;
  if (!sp) throw new Error('slo step ran before the SP was identified');
  return sp.entity.entityId;
}
