import type { IdpUser } from '../settings/types.js';
import type { SsoState } from './context.js';

/** The step has answered the browser itself (login page, consent page, 303): the flow stops here. */
export const ANSWERED = 'answered';

/**
 * A refusal after the ACS was verified: the SP is told, by a signed Response with these status
 * codes at that ACS (saml-core §3.2.2.2). Before the ACS is verified, steps throw a MellonError
 * instead, and the route shows an error page: nothing is sent to an unverified destination.
 */
export interface Refusal {
  readonly status: readonly string[];
}

/** What a step returns: nothing (go on), ANSWERED, or a Refusal. */
export type Exit = typeof ANSWERED | Refusal | undefined;

export type Step = <U extends IdpUser>(state: SsoState<U>) => Promise<Exit | void> | Exit | void;

export function refuse(...status: string[]): Refusal {
  return { status };
}
