import type { Endpoint, IndexedEndpoint } from './types.js';

/**
 * Endpoint selection. Each returns `undefined` when nothing fits, so that the caller refuses with
 * the code of its own step (an SP without a usable ACS, an IdP without a Redirect SSO...).
 */

/**
 * The first endpoint with a binding of `bindings`, tried in the caller's order of preference.
 *
 * @example
 * const sso = findEndpoint(idp.singleSignOnServices, [BINDING.redirect, BINDING.post]);
 */
export function findEndpoint<T extends Endpoint>(endpoints: readonly T[], bindings: string | readonly string[]): T | undefined {
  for (const binding of typeof bindings === 'string' ? [bindings] : bindings) {
    const found = endpoints.find((endpoint) => endpoint.binding === binding);
    if (found) return found;
  }
  return undefined;
}

/**
 * The default of a set of indexed endpoints (saml-metadata §2.2.3): the first with
 * `isDefault="true"`; else the first without an isDefault attribute; else the first of all. With
 * `bindings`, only endpoints of those bindings are considered (a peer whose default ACS uses a
 * binding we cannot send must fall back on one we can).
 *
 * @example
 * const acs = findDefaultEndpoint(sp.assertionConsumerServices, [BINDING.post]);
 */
export function findDefaultEndpoint<T extends IndexedEndpoint>(endpoints: readonly T[], bindings?: string | readonly string[]): T | undefined {
  const allowed = bindings === undefined ? undefined : new Set(typeof bindings === 'string' ? [bindings] : bindings);
  const candidates = allowed ? endpoints.filter((endpoint) => allowed.has(endpoint.binding)) : endpoints;
  return (
    candidates.find((endpoint) => endpoint.isDefault === true) ??
    candidates.find((endpoint) => endpoint.isDefault === undefined) ??
    candidates[0]
  );
}

/** The endpoint with `index` (AssertionConsumerServiceIndex, an artifact's EndpointIndex). */
export function findEndpointByIndex<T extends IndexedEndpoint>(endpoints: readonly T[], index: number): T | undefined {
  return endpoints.find((endpoint) => endpoint.index === index);
}
