import { findEndpoint, type Endpoint } from '@koa-mellon/saml';
import type { IdpRuntime } from '../runtime.js';
import type { IdpUser } from '../settings/types.js';

/** The SP's SingleLogoutService for the first of `bindings` it offers; undefined when it offers none, or is gone. */
export async function sloEndpointOf<U extends IdpUser>(rt: IdpRuntime<U>, entityId: string, bindings: readonly string[]): Promise<Endpoint | undefined> {
  try {
    return findEndpoint((await rt.spByEntityId(entityId)).descriptor.singleLogoutServices, bindings);
  } catch (err) {
    // An SP removed from the settings, or whose metadata is down, cannot be told: partial logout.
    rt.logger.warn({ sp: entityId, err }, 'koa-mellon idp: cannot reach an SP for logout');
    return undefined;
  }
}
