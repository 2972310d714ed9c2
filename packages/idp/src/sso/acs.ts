import { BINDING, fail, failWithDetail, findDefaultEndpoint, findEndpointByIndex, type IndexedEndpoint } from '@koa-mellon/saml';
import type { IdpUser } from '../settings/types.js';
import { need, type SsoState } from './context.js';

/** The bindings we can answer on (saml-profiles §4.1.2: never HTTP-Redirect for a Response). */
export function responseBindings(artifact: boolean): string[] {
  return artifact ? [BINDING.post, BINDING.artifact] : [BINDING.post];
}

/**
 * Where the Response goes: ALWAYS an AssertionConsumerService of the SP's metadata (saml-profiles
 * §4.1.4.1), never a URL the request made up. By index; else by exact URL (and ProtocolBinding,
 * when given); else the metadata's default for the binding asked (saml-metadata §2.2.3).
 * Anything else is refused on an error page: no response is sent to an unverified destination.
 */
export function chooseAcs<U extends IdpUser>(state: SsoState<U>): void {
  const request = need(state, 'request');
  const services = need(state, 'sp').descriptor.assertionConsumerServices;
  const usable = responseBindings(state.rt.settings.artifactResolution ?? false);
  const fits = (endpoint: IndexedEndpoint) => usable.includes(endpoint.binding);
  let chosen: IndexedEndpoint | undefined;
  if (request.assertionConsumerServiceIndex !== undefined) {
    // saml-core §3.4.1: the index and the URL / ProtocolBinding pair are mutually exclusive.
    if (request.assertionConsumerServiceUrl !== undefined) fail('MESSAGE_INVALID', 'both AssertionConsumerServiceIndex and URL');
    chosen = findEndpointByIndex(services, request.assertionConsumerServiceIndex);
  } else if (request.assertionConsumerServiceUrl !== undefined) {
    const url = request.assertionConsumerServiceUrl;
    const candidates = services.filter((endpoint) => endpoint.location === url && fits(endpoint));
    chosen = candidates.find((endpoint) => endpoint.binding === request.protocolBinding) ?? (request.protocolBinding === undefined ? candidates[0] : undefined);
  } else {
    chosen = findDefaultEndpoint(services, request.protocolBinding !== undefined ? [request.protocolBinding] : usable);
  }
  // The operator's detail: what the request asked for against what the SP's metadata registers.
  const registered = services.map((endpoint) => `[${endpoint.index}] ${endpoint.location} (${endpoint.binding})`).join(', ');
  const asked = request.assertionConsumerServiceIndex !== undefined ? `index ${request.assertionConsumerServiceIndex}` : (request.assertionConsumerServiceUrl ?? 'the default');
  const received = request.protocolBinding === undefined ? asked : `${asked} (${request.protocolBinding})`;
  if (!chosen) failWithDetail('ACS_URL_NOT_REGISTERED', 'the requested AssertionConsumerService is not in the SP metadata', { received, expected: registered || 'none' });
  if (!fits(chosen)) failWithDetail('BINDING_INVALID', 'the AssertionConsumerService binding is not one we answer on', { received: chosen.binding, expected: usable.join(', ') });
  state.acs = { binding: chosen.binding, location: chosen.location };
}
