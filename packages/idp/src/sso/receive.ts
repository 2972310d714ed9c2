import { decodePostParameter, decodeRedirect, fail, parseAuthnRequest, parseXml } from '@koa-mellon/saml';
import type { IdpUser } from '../settings/types.js';
import type { SsoState } from './context.js';
import { readForm } from '@koa-mellon/web';

/** saml-bindings §3.4.3 caps RelayState at 80 bytes; peers exceed it, so we only bound it. */
const MAX_RELAY_STATE = 2048;

/**
 * The AuthnRequest as its binding carries it (saml-bindings §3.4, §3.5): HTTP-Redirect (the raw
 * query string, so that its signature can be checked over the octets sent) or HTTP-POST (a
 * size-limited form). One hardened parse; nothing read here is acted on before verification.
 */
export async function readRequest<U extends IdpUser>(state: SsoState<U>): Promise<void> {
  const { ctx, rt } = state;
  const maxBytes = rt.maxMessageBytes;
  let xml: string;
  if (ctx.method === 'GET') {
    const redirect = decodeRedirect(ctx.querystring, { maxBytes });
    if (redirect.parameter !== 'SAMLRequest') fail('MESSAGE_TYPE_UNEXPECTED', 'sso/ takes requests only');
    state.redirect = redirect;
    state.relayState = redirect.relayState;
    xml = redirect.xml;
  } else {
    const form = await readForm(ctx, maxBytes, { timeoutMs: rt.bodyTimeoutMs });
    if (form.has('SAMLResponse')) fail('MESSAGE_TYPE_UNEXPECTED', 'sso/ takes requests only');
    xml = decodePostParameter(form.get('SAMLRequest'), { maxBytes });
    state.relayState = form.get('RelayState');
  }
  state.trace.message('AuthnRequest', xml);
  if (state.relayState !== undefined && state.relayState.length > MAX_RELAY_STATE) fail('BINDING_INVALID', 'RelayState too long');
  state.parsed = parseXml(xml, { maxBytes });
  state.request = parseAuthnRequest(state.parsed.root);
}
