import type { Context } from 'koa';
import type { AuthnRequest, NameIdParts, ParsedXml, RedirectMessage } from '@koa-mellon/saml';
import type { FlowTrace } from '@koa-mellon/web';
import type { IdpRuntime, SpMetadata } from '../runtime.js';
import type { IdpSessionRecord, VisitedSp } from '../state/sessions.js';
import type { IdpUser } from '../settings/types.js';
import type { AcsChoice, PendingRequest } from './pending.js';

/** What the sso/ steps pass along; each step fills what it owns. */
export interface SsoState<U extends IdpUser = IdpUser> {
  readonly ctx: Context;
  /** The runtime with this flow's logger (every line carries the trace reference). */
  readonly rt: IdpRuntime<U>;
  /** This request's part of the login's trace. */
  readonly trace: FlowTrace;
  /** HTTP-Redirect: the decoded query, with the octets its signature covers. */
  redirect?: RedirectMessage | undefined;
  parsed?: ParsedXml;
  /** Read before verification only to find the SP; acted on only after it. */
  request?: AuthnRequest;
  relayState?: string | undefined;
  sp?: SpMetadata<U>;
  acs?: AcsChoice;
  /** The verified request (or the IdP-initiated one): from here, answers go to its ACS. */
  pending?: PendingRequest;
  /** The user's answer on the consent page (sso/consent/ only). */
  consentAnswer?: { readonly accept: boolean; readonly remember: boolean };
  user?: U;
  session?: IdpSessionRecord;
  /** The SPs the session has visited, read once for the NameID and the visit record. */
  visits?: VisitedSp[];
  nameId?: NameIdParts;
  /** The signed (and encrypted) Response, ready for the ACS. */
  response?: Document;
}

/** Reads a field a previous step must have set (a programming error otherwise, not bad input). */
export function need<U extends IdpUser, K extends keyof SsoState<U>>(state: SsoState<U>, key: K): NonNullable<SsoState<U>[K]> {
  const value = state[key];
  if (value === undefined || value === null) throw new Error(`sso step ran before ${String(key)} was set`);
  // Checked just above.
  return value as NonNullable<SsoState<U>[K]>;
}
