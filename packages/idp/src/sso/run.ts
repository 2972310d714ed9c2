import { MellonError, buildResponse } from '@koa-mellon/saml';
import { signingOptions } from '../signing.js';
import type { IdpUser } from '../settings/types.js';
import { need, type SsoState } from './context.js';
import { deliver } from './deliver.js';
import { ANSWERED, type Exit, type Step } from './exit.js';

/** A named, ordered list of steps: the description is for the reader (and the README's table). */
export type Steps = ReadonlyArray<readonly [string, Step]>;

/**
 * Runs `steps` in order until one answers or refuses, each a step of the trace. A MellonError
 * thrown by a step (before the ACS is verified) leaves to the route's error page (which records
 * it in the trace); a returned Refusal leaves here, the one place that answers the SP with an
 * error status, recorded as the refusal of the step that returned it.
 */
export async function runSteps<U extends IdpUser>(state: SsoState<U>, steps: Steps): Promise<void> {
  const { trace } = state;
  try {
    for (const [name, step] of steps) {
      const outcome: { exit?: Exit | void } = {};
      await trace.run(name, async () => {
        outcome.exit = await step(state);
        // Thrown inside the step, so that the trace names it as the refusing one.
        if (outcome.exit !== undefined && outcome.exit !== ANSWERED) throw new StatusRefused(outcome.exit.status);
      });
      if (outcome.exit === ANSWERED) break;
    }
  } catch (err) {
    if (!(err instanceof StatusRefused)) throw err;
    trace.refuse(err);
    await sendStatus(state, err.status);
  }
  await trace.flush();
}

/** A refusal the SP is told of by status (NoPassive, RequestDenied...): the trace's record of it. */
class StatusRefused extends MellonError {
  readonly status: readonly string[];

  constructor(status: readonly string[]) {
    super('STATUS_NOT_SUCCESS', 'the SP is answered with an error status', { detail: { status: status.join(' / ') } });
    this.status = status;
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
