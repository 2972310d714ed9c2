import { randomBytes } from 'node:crypto';
import type { Context } from 'koa';
import { BINDING, LOGOUT_REASON, STATUS, buildLogoutRequest, buildLogoutResponse, fail } from '@koa-mellon/saml';
import type { IdpRuntime } from '../runtime.js';
import type { IdpSessionRecord, VisitedSp } from '../state/sessions.js';
import type { IdpUser } from '../settings/types.js';
import { signingOptions } from '../signing.js';
import { sloEndpointOf } from './endpoint.js';
import { logoutOverSoap } from './soap.js';
import { sendSaml } from '@koa-mellon/web';
import { idpTraceOf } from '../web/flow-trace.js';

/** The SP whose LogoutRequest started the logout: it gets the final LogoutResponse. */
export interface LogoutInitiator {
  readonly entityId: string;
  readonly requestId: string;
  readonly relayState?: string | undefined;
  /** The binding its request came on: the answer prefers it (Lasso insists). */
  readonly binding: string;
}

/** One front-channel single logout in progress (saml-profiles §4.4.3.3): the SPs still to tell. */
export interface LogoutRun {
  readonly id: string;
  readonly sessionIndex?: string | undefined;
  readonly remaining: readonly VisitedSp[];
  readonly partial: boolean;
  readonly initiator?: LogoutInitiator | undefined;
  /** IdP-initiated: where the browser goes at the end. */
  readonly next?: string | undefined;
  /** The logout's trace reference: each SP's LogoutResponse joins it. */
  readonly trace?: string | undefined;
}

const FRONT_CHANNEL = [BINDING.redirect, BINDING.post];

/** How long each SP may take to answer, and the run to finish. */
export const LOGOUT_TTL_MS = 10 * 60 * 1000;

/**
 * Ends the IdP session at once (no SSO during logout; the app's own session too, by `logout`),
 * then tells every other SP of the session, one after the other, through the browser.
 */
export async function startLogout<U extends IdpUser>(ctx: Context, rt: IdpRuntime<U>, session: IdpSessionRecord | undefined, initiator: LogoutInitiator | undefined, next?: string): Promise<void> {
  const visits = session ? await rt.sessions.visits(session) : [];
  if (session) await rt.sessions.end(session, ctx);
  await rt.settings.logout?.(ctx);
  rt.logger.info({ initiator: initiator?.entityId ?? 'idp', sps: visits.length }, 'koa-mellon idp: single logout started');
  // SPs that offer only the SOAP back-channel are told now, all at once; the browser visits the others.
  const throughBrowser: VisitedSp[] = [];
  const overSoap: VisitedSp[] = [];
  for (const visit of visits) {
    if (visit.entityId === initiator?.entityId) continue;
    ((await sloEndpointOf(rt, visit.entityId, FRONT_CHANNEL)) ? throughBrowser : overSoap).push(visit);
  }
  const trace = idpTraceOf(ctx);
  const told = await Promise.all(overSoap.map((visit) => logoutOverSoap(rt, visit, session?.sessionIndex, trace)));
  await advanceLogout(ctx, rt, {
    id: randomBytes(16).toString('hex'),
    sessionIndex: session?.sessionIndex,
    remaining: throughBrowser,
    partial: told.includes(false),
    initiator,
    next,
    trace: trace?.reference,
  });
}

/** Sends the next SP its LogoutRequest through the browser; when none is left, finishes. */
async function advanceLogout<U extends IdpUser>(ctx: Context, rt: IdpRuntime<U>, run: LogoutRun): Promise<void> {
  let current = run;
  for (const target of run.remaining) {
    current = { ...current, remaining: current.remaining.slice(1) };
    const endpoint = await sloEndpointOf(rt, target.entityId, FRONT_CHANNEL);
    if (!endpoint) {
      // saml-profiles §4.4.3.3: an SP we cannot reach (its metadata changed meanwhile) makes the logout partial.
      current = { ...current, partial: true };
      continue;
    }
    const { id, document } = buildLogoutRequest({
      issuer: rt.urls.entityId,
      destination: endpoint.location,
      nameId: target.nameId,
      sessionIndexes: current.sessionIndex === undefined ? [] : [current.sessionIndex],
      reason: LOGOUT_REASON.user,
      clock: rt.clock,
    });
    await rt.stores.requests.setIfAbsent(`lr:${id}`, { run: current.id, sp: target.entityId }, LOGOUT_TTL_MS);
    await rt.stores.requests.set(`run:${current.id}`, current, LOGOUT_TTL_MS);
    const signing = signingOptions(rt);
    idpTraceOf(ctx)?.step(`LogoutRequest sent to ${target.entityId} through the browser`);
    rt.logger.info({ sp: target.entityId, requestId: id }, 'koa-mellon idp: LogoutRequest sent');
    sendSaml(ctx, { endpoint, parameter: 'SAMLRequest', document, signingKey: signing.privateKey, signatureAlgorithm: signing.signatureAlgorithm });
    return;
  }
  await finishLogout(ctx, rt, current);
}

/** An SP answered the LogoutRequest `inResponseTo` (which we sent, once): continue the run. */
export async function continueLogout<U extends IdpUser>(ctx: Context, rt: IdpRuntime<U>, spEntityId: string, inResponseTo: string | undefined, success: boolean): Promise<void> {
  const sent = inResponseTo === undefined ? undefined : await rt.stores.requests.take<{ run: string; sp: string }>(`lr:${inResponseTo}`);
  if (!sent || sent.sp !== spEntityId) fail('IN_RESPONSE_TO_MISMATCH', 'LogoutResponse to a request we did not send');
  // Written by advanceLogout under this key.
  const run = await rt.stores.requests.get<LogoutRun>(`run:${sent.run}`);
  if (!run) fail('IN_RESPONSE_TO_MISMATCH', 'the logout this answers has expired');
  idpTraceOf(ctx)?.adopt(run.trace);
  if (!success) rt.logger.warn({ sp: spEntityId }, 'koa-mellon idp: an SP did not log out');
  await advanceLogout(ctx, rt, success ? run : { ...run, partial: true });
}

/** The initiating SP gets its LogoutResponse (saml-core §3.7.2); else the browser goes to `next`. */
async function finishLogout<U extends IdpUser>(ctx: Context, rt: IdpRuntime<U>, run: LogoutRun): Promise<void> {
  await rt.stores.requests.delete(`run:${run.id}`);
  rt.logger.info({ partial: run.partial }, 'koa-mellon idp: single logout finished');
  idpTraceOf(ctx)?.complete();
  const initiator = run.initiator;
  if (!initiator) {
    ctx.redirect(run.next ?? '/');
    return;
  }
  const preferred = initiator.binding === BINDING.redirect ? [BINDING.redirect, BINDING.post] : [BINDING.post, BINDING.redirect];
  const endpoint = await sloEndpointOf(rt, initiator.entityId, preferred);
  if (!endpoint) fail('METADATA_INVALID', 'the SP sent a LogoutRequest but has no SingleLogoutService');
  const { document } = buildLogoutResponse({
    issuer: rt.urls.entityId,
    destination: endpoint.responseLocation ?? endpoint.location,
    inResponseTo: initiator.requestId,
    // saml-core §3.2.2.2: PartialLogout is a second-level code under Success.
    status: run.partial ? { codes: [STATUS.success, STATUS.partialLogout] } : undefined,
    clock: rt.clock,
  });
  const signing = signingOptions(rt);
  sendSaml(ctx, { endpoint, parameter: 'SAMLResponse', document, relayState: initiator.relayState, signingKey: signing.privateKey, signatureAlgorithm: signing.signatureAlgorithm, isResponse: true });
}
