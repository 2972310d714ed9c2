import { buildResponse } from '@koa-mellon/saml';
import { signingOptions } from '../signing.js';
import type { IdpUser } from '../settings/types.js';
import { need, type SsoState } from './context.js';
import { deliver } from './deliver.js';
import { ANSWERED, type Step } from './exit.js';

/** A named, ordered list of steps: the description is for the reader (and the README's table). */
export type Steps = ReadonlyArray<readonly [string, Step]>;

/**
 * Runs `steps` in order until one answers or refuses. A MellonError thrown by a step (before the
 * ACS is verified) leaves to the route's error page; a returned Refusal leaves here, the one
 * place that answers the SP with an error status.
 */
export async function runSteps<U extends IdpUser>(state: SsoState<U>, steps: Steps): Promise<void> {
  for (const [, step] of steps) {
    const exit = await step(state);
    if (exit === ANSWERED) return;
    if (exit) return sendStatus(state, exit.status);
  }
}

/** An error Response (no assertion), signed, to the verified ACS: NoPassive, RequestDenied... */
async function sendStatus<U extends IdpUser>(state: SsoState<U>, codes: readonly string[]): Promise<void> {
  const { rt } = state;
  const pending = need(state, 'pending');
  const { document } = buildResponse({
    issuer: rt.urls.entityId,
    destination: pending.acs.location,
    inResponseTo: pending.requestId,
    status: { codes },
    signing: signingOptions(rt),
    signResponse: true,
    clock: rt.clock,
  });
  rt.logger.info({ sp: need(state, 'sp').entity.entityId, status: codes, requestId: pending.requestId }, 'koa-mellon idp: error response sent');
  await deliver(state, document);
}
