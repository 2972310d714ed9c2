import { fail, parseLogoutRequest, type LogoutRequest } from '@koa-mellon/saml';
import type { IdpRuntime } from '../runtime.js';
import type { IdpSessionRecord } from '../state/sessions.js';
import type { IdpUser } from '../settings/types.js';
import { LOGOUT_TTL_MS } from './propagate.js';

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
  if (!(await rt.stores.replay.setIfAbsent(`lq:${JSON.stringify([entityId, request.id])}`, 1, LOGOUT_TTL_MS + 2 * skew))) fail('REPLAYED_ASSERTION', 'LogoutRequest ID already seen');
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
