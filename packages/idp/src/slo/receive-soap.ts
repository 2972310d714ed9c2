import type { Context } from 'koa';
import {
  MellonError,
  STATUS,
  buildLogoutResponse,
  checkDestination,
  fail,
  parseSoapEnvelope,
  readMessageHeader,
  signElement,
  type StatusInput,
} from '@koa-mellon/saml';
import type { IdpRuntime, SpMetadata } from '../runtime.js';
import type { IdpUser } from '../settings/types.js';
import { signingOptions } from '../sso/issue.js';
import { acceptLogoutRequest } from './index.js';
import { identifyLogoutSp, verifyLogoutSignature, type ReceivedLogout } from './receive.js';
import { logoutOverSoap } from './soap.js';
import { logUnexpected, readBody, sendSoapFault, sendSoapMessage, soapErrorStatus } from '@koa-mellon/web';

/**
 * POST slo/ with a SOAP envelope (with `soapLogout`): an SP's LogoutRequest over the back-channel
 * (saml-profiles §4.4.3.4, saml-bindings §3.2). Signed with a key of its metadata, as every logout
 * message. The IdP session ends, your own sessions of the user end (`backChannelLogout`: there is
 * no browser), the other SPs that offer SOAP are told, and the answer is our signed LogoutResponse,
 * PartialLogout when an SP could not be told. Before the SP is verified, refusals are SOAP faults;
 * after, a LogoutResponse with an error status (saml-bindings §3.2.3.3).
 */
export async function soapSingleLogout<U extends IdpUser>(ctx: Context, rt: IdpRuntime<U>): Promise<void> {
  let verified: { sp: SpMetadata<U>; requestId: string } | undefined;
  try {
    if (!rt.settings.soapLogout) fail('BINDING_INVALID', 'SOAP logout is off (soapLogout)');
    const { parsed, message: root } = parseSoapEnvelope(await readBody(ctx, rt.maxMessageBytes, { timeoutMs: rt.bodyTimeoutMs }), { maxBytes: rt.maxMessageBytes });
    // The LogoutRequest inside the envelope is what is verified and read; its ID index is the document's.
    const message: ReceivedLogout<U> = { kind: 'LogoutRequest', parsed: { ...parsed, root } };
    await identifyLogoutSp(rt, message);
    verifyLogoutSignature(message);
    const sp = message.sp as SpMetadata<U>;
    const header = readMessageHeader(root, 'LogoutRequest');
    verified = { sp, requestId: header.id };
    // Optional over SOAP (no browser to mislead), checked when present.
    checkDestination(root, false, rt.urls.slo);
    const { session } = await acceptLogoutRequest(rt, sp.entity.entityId, root, undefined);
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
      // All at once: each may take up to its timeout.
      const others = visits.filter((visit) => visit.entityId !== sp.entity.entityId);
      if ((await Promise.all(others.map((visit) => logoutOverSoap(rt, visit, session.sessionIndex)))).includes(false)) partial = true;
    }
    rt.logger.info({ initiator: sp.entity.entityId, session: session !== undefined, partial }, 'koa-mellon idp: single logout over SOAP');
    answer(ctx, rt, verified.requestId, partial ? { codes: [STATUS.success, STATUS.partialLogout] } : undefined);
  } catch (err) {
    const code = err instanceof MellonError ? err.code : 'INTERNAL_ERROR';
    if (err instanceof MellonError) rt.logger.warn({ code, reason: err.message }, 'koa-mellon idp: SOAP LogoutRequest refused');
    else if (logUnexpected(rt.logger, err, 'koa-mellon idp')) return;
    if (!verified) return sendSoapFault(ctx, code);
    answer(ctx, rt, verified.requestId, soapErrorStatus(code));
  }
}

/** Our signed LogoutResponse in the SOAP answer: Success, or the status given. */
function answer<U extends IdpUser>(ctx: Context, rt: IdpRuntime<U>, requestId: string, status: StatusInput | undefined): void {
  const { document } = buildLogoutResponse({ issuer: rt.urls.entityId, inResponseTo: requestId, status, clock: rt.clock });
  signElement(document.documentElement, signingOptions(rt));
  sendSoapMessage(ctx, document);
}
