import { randomBytes } from 'node:crypto';
import type { Context } from 'koa';
import { fail } from '@koa-mellon/saml';
import type { IdpRuntime, SpMetadata } from '../runtime.js';
import type { IdpUser, NameIdFormatName } from '../settings/types.js';

/** A verified ACS of the SP's metadata. */
export interface AcsChoice {
  readonly binding: string;
  readonly location: string;
}

/**
 * A verified request waiting for the user: while the app's login page runs, it is kept in the
 * store under a random key (single use), bound to the browser that brought it.
 */
export interface PendingRequest {
  readonly sp: number;
  readonly spEntityId: string;
  /** The AuthnRequest ID; absent for an IdP-initiated login. */
  readonly requestId?: string | undefined;
  readonly acs: AcsChoice;
  readonly relayState?: string | undefined;
  readonly forceAuthn: boolean;
  readonly isPassive: boolean;
  /** The NameID format to issue; null when the request's NameIDPolicy cannot be satisfied. */
  readonly format: NameIdFormatName | null;
  readonly createdAt: number;
  /** Times the browser was sent to the login page for this request. */
  readonly logins: number;
  /** When the browser was last sent to the login page: a session authenticated before is renewed. */
  readonly loginSentAt?: number | undefined;
  /** The user the consent page was shown to (pending its answer). */
  readonly consentAskedOf?: string | undefined;
  /** Digest of the attributes the consent page showed. */
  readonly consentShown?: string | undefined;
  /** The user who accepted the consent page for this request. */
  readonly consentedBy?: string | undefined;
  /** Digest of the browser-binding cookie (state/sessions.ts). */
  readonly browser?: string | undefined;
  /** The login's trace reference: resume and consent join the same trace. */
  readonly trace?: string | undefined;
}

/** How long the login page may take. */
export const PENDING_TTL_MS = 30 * 60 * 1000;

/** Stores `pending` bound to this browser; returns the key the resume URL carries. */
export async function savePending<U extends IdpUser>(ctx: Context, rt: IdpRuntime<U>, pending: PendingRequest): Promise<string> {
  const key = randomBytes(16).toString('hex');
  await rt.stores.requests.setIfAbsent(`p:${key}`, { ...pending, browser: rt.sessions.bindBrowser(ctx) }, PENDING_TTL_MS);
  return key;
}

/** Takes (single use) the pending request named by `key`, if any. */
export async function takePending<U extends IdpUser>(rt: IdpRuntime<U>, key: string | undefined): Promise<PendingRequest | undefined> {
  if (key === undefined || !/^[0-9a-f]{32}$/.test(key)) return undefined;
  return rt.stores.requests.take<PendingRequest>(`p:${key}`);
}

/**
 * The SP a pending request was verified for, with its current metadata. Metadata refreshed while
 * the request waited must still name the same entity: the Audience and the ACS belong together.
 */
export async function spOfPending<U extends IdpUser>(rt: IdpRuntime<U>, pending: PendingRequest): Promise<SpMetadata<U>> {
  const resolved = rt.sps[pending.sp];
  if (!resolved) throw new Error('pending request names an unknown SP');
  const sp = await rt.metadataOf(resolved);
  if (sp.entity.entityId !== pending.spEntityId) fail('ENTITY_NOT_FOUND', 'the SP metadata changed entityID while the request waited');
  return sp;
}

