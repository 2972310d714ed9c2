import type { Context } from 'koa';
import type { LogoutRequest, ParsedXml, RedirectMessage } from '@koa-mellon/saml';
import type { FlowTrace } from '@koa-mellon/web';
import type { IdpRuntime, SpMetadata } from '../runtime.js';
import type { IdpSessionRecord } from '../state/sessions.js';
import type { IdpUser } from '../settings/types.js';

/** A logout message from an SP, as its binding carried it. */
export interface ReceivedLogout<U extends IdpUser = IdpUser> {
  readonly kind: 'LogoutRequest' | 'LogoutResponse';
  readonly parsed: ParsedXml;
  readonly relayState?: string | undefined;
  readonly redirect?: RedirectMessage | undefined;
  sp?: SpMetadata<U>;
}

/** What the slo/ steps pass along (front channel and SOAP); each step fills what it owns. */
export interface SloState<U extends IdpUser = IdpUser> {
  readonly ctx: Context;
  /** The runtime with this flow's logger (every line carries the trace reference). */
  readonly rt: IdpRuntime<U>;
  /** This request's part of the logout's trace. */
  readonly trace: FlowTrace;
  query?: ReadonlyMap<string, string>;
  form?: ReadonlyMap<string, string>;
  message?: ReceivedLogout<U>;
  /** The accepted LogoutRequest and the IdP session it names (none: already ended, or not this SP's). */
  request?: LogoutRequest;
  session?: IdpSessionRecord | undefined;
  /** SOAP: the ID of the verified request; from then on, refusals are a LogoutResponse to it. */
  verifiedId?: string;
  /** SOAP: an SP (or the app's backChannelLogout) could not be told. */
  partial?: boolean;
}

/** The step has answered the browser (or the SOAP peer) itself: the run stops here. */
export const ANSWERED = 'answered';

export type SloStep = <U extends IdpUser>(state: SloState<U>) => Promise<typeof ANSWERED | void> | typeof ANSWERED | void;

export type SloSteps = ReadonlyArray<readonly [string, SloStep]>;

/** Reads a field a previous step must have set (a programming error otherwise, not bad input). */
export function need<U extends IdpUser, K extends keyof SloState<U>>(state: SloState<U>, key: K): NonNullable<SloState<U>[K]> {
  const value = state[key];
  if (value === undefined || value === null) throw new Error(`slo step ran before ${String(key)} was set`);
  // Checked just above.
  return value as NonNullable<SloState<U>[K]>;
}
