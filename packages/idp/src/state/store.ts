import type { StateNamespace, StateStore } from '@koa-mellon/web';

/**
 * The IdP's namespaces in the state store (docs/state.md#what-each-namespace-holds):
 * - `idp-sessions`: IdP sessions, their SessionIndex and (SP, NameID) indexes, the SPs each visited;
 * - `idp-requests`: what waits to be taken once (AuthnRequests held across the login page,
 *   artifacts, LogoutRequests sent to SPs and the logout runs they belong to);
 * - `idp-replay`: AuthnRequest and LogoutRequest IDs already answered;
 * - `idp-consents`: consents a user asked to remember.
 */
export interface IdpStores {
  readonly sessions: StateNamespace;
  readonly requests: StateNamespace;
  readonly replay: StateNamespace;
  readonly consents: StateNamespace;
}

export function createIdpStores(store: StateStore): IdpStores {
  return {
    sessions: store.namespace('idp-sessions'),
    requests: store.namespace('idp-requests'),
    replay: store.namespace('idp-replay'),
    consents: store.namespace('idp-consents'),
  };
}
