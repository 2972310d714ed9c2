import type { Context } from 'koa';
import type { Assertion, ParsedXml } from '@koa-mellon/saml';
import type { ResolvedIdp, Runtime } from '../../runtime.js';
import type { FlowTrace } from '@koa-mellon/web';
import type { PendingLogin } from '../login.js';

/** What the ACS steps pass along; each step fills what it owns. */
export interface AcsState {
  readonly ctx: Context;
  readonly rt: Runtime;
  /** This flow's trace; its `logger` is the one to log with (every line carries the reference). */
  readonly trace: FlowTrace;
  relayState?: string | undefined;
  /** HTTP-Artifact: the SAMLart to resolve instead of a posted response. */
  artifact?: string | undefined;
  pending?: PendingLogin | undefined;
  parsed?: ParsedXml;
  /** The Response element handed to the core: the root, or the one inside an ArtifactResponse. */
  response?: Element;
  idp?: ResolvedIdp;
  assertion?: Assertion;
}

/** Reads a field a previous step must have set (a programming error otherwise, not bad input). */
export function need<K extends keyof AcsState>(state: AcsState, key: K): NonNullable<AcsState[K]> {
  const value = state[key];
  if (value === undefined || value === null) throw new Error(`ACS step ran before ${String(key)} was set`);
  return value as NonNullable<AcsState[K]>;
}
