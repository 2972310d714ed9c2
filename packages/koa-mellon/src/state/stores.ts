import { TRACE_NAMESPACES, type StateNamespace, type StateStore } from '@koa-mellon/web';

/** The namespace of the SP's login and logout traces (read by `koa-mellon trace`). */
export const SP_TRACES_NAMESPACE = TRACE_NAMESPACES.sp;

/**
 * The SP's namespaces in the state store (docs/state.md#what-each-namespace-holds):
 * - `sp-sessions`: sessions, and the (issuer, NameID) index IdP-initiated logout ends them by;
 * - `sp-requests`: what waits for an answer (AuthnRequest IDs, RelayStates, LogoutRequests, a
 *   verified login waiting for its browser), each taken once;
 * - `sp-replay`: assertion and LogoutRequest IDs already accepted, until they could no longer be.
 */
export interface MellonStores {
  readonly sessions: StateNamespace;
  readonly requests: StateNamespace;
  readonly replay: StateNamespace;
}

export function createStores(store: StateStore): MellonStores {
  return { sessions: store.namespace('sp-sessions'), requests: store.namespace('sp-requests'), replay: store.namespace('sp-replay') };
}
