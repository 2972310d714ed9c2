import type { Context } from 'koa';
import { BINDING, fail, parseLogoutRequest, parseLogoutResponse, type LogoutRequest } from '@koa-mellon/saml';
import type { IdpSessionRecord } from '../state/sessions.js';
import type { IdpRuntime } from '../runtime.js';
import type { IdpUser } from '../settings/types.js';
import { continueLogout, LOGOUT_TTL_MS, startLogout } from './propagate.js';
import { soapSingleLogout } from './receive-soap.js';
import { checkLogoutDestination, identifyLogoutSp, readLogoutMessage, verifyLogoutSignature, type ReceivedLogout } from './receive.js';
import { safeNext, isSoapRequest, readForm, readQuery } from '@koa-mellon/web';

type Step = <U extends IdpUser>(ctx: Context, rt: IdpRuntime<U>, message: ReceivedLogout<U>) => Promise<void> | void;

/**
 * slo/ for messages from SPs (saml-profiles §4.4), step by step: nothing is acted on before the
 * signature of the SP named by the Issuer has been verified with its metadata keys.
 */
const SLO_STEPS: ReadonlyArray<readonly [string, Step]> = [
  ['identify the SP by its Issuer among the configured ones', (_ctx, rt, message) => identifyLogoutSp(rt, message)],
  ['verify the signature with the SP metadata keys (always required)', (_ctx, _rt, message) => verifyLogoutSignature(message)],
  ['check Destination', (_ctx, rt, message) => checkLogoutDestination(rt, message)],
  ['LogoutRequest: end the IdP session, tell the other SPs; LogoutResponse: go on to the next SP', act],
];

/**
 * GET|POST slo/: an SP's LogoutRequest (it starts single logout) or LogoutResponse (it answers
 * ours); without a SAML message, the user logs out at the IdP and ends at `next`. A SOAP POST is
 * the back-channel (receive-soap.ts).
 */
export async function singleLogout<U extends IdpUser>(ctx: Context, rt: IdpRuntime<U>): Promise<void> {
  if (isSoapRequest(ctx)) return soapSingleLogout(ctx, rt);
  const query = readQuery(ctx);
  const form = ctx.method === 'POST' ? await readForm(ctx, rt.maxMessageBytes, { timeoutMs: rt.bodyTimeoutMs }) : new Map<string, string>();
  if (!['SAMLRequest', 'SAMLResponse'].some((name) => query.has(name) || form.has(name))) {
    if (ctx.method === 'POST') fail('BINDING_INVALID', 'POST slo/ without a SAML message');
    await startLogout(ctx, rt, await rt.sessions.load(ctx), undefined, safeNext(query.get('next'), '/'));
    return;
  }
  const message = readLogoutMessage(ctx, rt, form);
  for (const [, step] of SLO_STEPS) await step(ctx, rt, message);
}

async function act<U extends IdpUser>(ctx: Context, rt: IdpRuntime<U>, message: ReceivedLogout<U>): Promise<void> {
  const sp = message.sp;
  if (!sp) throw new Error('slo step ran before the SP was identified');
  const entityId = sp.entity.entityId;
  if (message.kind === 'LogoutResponse') {
    const response = parseLogoutResponse(message.parsed.root);
    await continueLogout(ctx, rt, entityId, response.inResponseTo, response.success);
    return;
  }
  const { request, session } = await acceptLogoutRequest(rt, entityId, message.parsed.root, await rt.sessions.load(ctx));
  await startLogout(ctx, rt, session, {
    entityId,
    requestId: request.id,
    relayState: message.relayState,
    binding: message.redirect ? BINDING.redirect : BINDING.post,
  });
}

/**
 * A verified SP's LogoutRequest: not expired, not seen before, and the IdP session it names, if
 * still open and the SP was given that NameID in it: with SessionIndexes, the first session among
 * them (saml-core §3.7.1); without, `own` (this browser's), else the latest the (SP, NameID) index
 * knows.
 */
export async function acceptLogoutRequest<U extends IdpUser>(rt: IdpRuntime<U>, entityId: string, root: Element, own: IdpSessionRecord | undefined): Promise<{ request: LogoutRequest; session: IdpSessionRecord | undefined }> {
  const request = parseLogoutRequest(root, { keys: rt.keys.decryptionKeys });
  const now = rt.clock();
  const skew = rt.clockSkew * 1000;
  if (request.notOnOrAfter && now - skew >= request.notOnOrAfter.getTime()) fail('ASSERTION_EXPIRED', 'LogoutRequest expired');
  // NotOnOrAfter is optional: IssueInstant bounds the request's age, so the replay cache below
  // (kept as long) cannot be outlived by a copy.
  const issued = request.issueInstant.getTime();
  if (issued > now + skew) fail('ASSERTION_NOT_YET_VALID', 'LogoutRequest issued in the future');
  if (issued < now - skew - LOGOUT_TTL_MS) fail('ASSERTION_EXPIRED', 'LogoutRequest too old');
  if (!(await rt.stores.atomic.setIfAbsent(`lq:${JSON.stringify([entityId, request.id])}`, 1, LOGOUT_TTL_MS + 2 * skew))) fail('REPLAYED_ASSERTION', 'LogoutRequest ID already seen');
  const named = async (session: IdpSessionRecord | undefined) => session !== undefined && (await rt.sessions.visits(session)).some((visit) => visit.entityId === entityId && visit.nameId.value === request.nameId.value);
  if (request.sessionIndexes.length === 0) {
    return { request, session: (await named(own)) ? own : await rt.sessions.findByNameId(entityId, request.nameId.value) };
  }
  // A persistent NameID is the same in all the user's sessions: the SessionIndex names the one meant,
  // and it must be one in which this SP was given this NameID.
  for (const index of request.sessionIndexes) {
    const candidate = own?.sessionIndex === index ? own : await rt.sessions.findBySessionIndex(index);
    if (await named(candidate)) return { request, session: candidate };
  }
  return { request, session: undefined };
}
