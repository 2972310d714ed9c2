import { attribute, decodePostParameter, fail, isElement, optionalChild, parseXml, textOf } from '@koa-mellon/saml';
import { storeCall } from '../../state/store.js';
import { readForm } from '../form.js';
import type { PendingLogin } from '../login.js';
import { need, type AcsState } from './context.js';

/** HTTP-POST binding: SAMLResponse (and RelayState) from the form, decoded under the size limit. */
export async function readPostedResponse(state: AcsState): Promise<void> {
  const form = await readForm(state.ctx, state.rt.maxMessageBytes);
  const xml = decodePostParameter(form.get('SAMLResponse'), { maxBytes: state.rt.maxMessageBytes });
  state.relayState = form.get('RelayState');
  state.parsed = parseXml(xml, { maxBytes: state.rt.maxMessageBytes });
  state.response = state.parsed.root;
}

/** Our RelayState names the login we started (single use); any other RelayState is the IdP's. */
export async function takePendingLogin(state: AcsState): Promise<void> {
  const relayState = state.relayState;
  if (relayState === undefined || !/^[0-9a-f]{32}$/.test(relayState)) return;
  const key = `rs:${relayState}`;
  state.pending = (await storeCall(() => state.rt.stores.logins.get(key))) as PendingLogin | undefined;
  if (state.pending) await storeCall(() => state.rt.stores.logins.delete(key));
}

/**
 * The IdP whose keys will verify the response: the one we sent the request to, or (IdP-initiated)
 * the configured IdP named by the Issuer. Naming an IdP selects among trusted configurations only;
 * the signature check that follows uses that IdP's metadata keys, never the message's.
 */
export async function chooseIdp(state: AcsState): Promise<void> {
  const { rt, pending } = state;
  if (pending) {
    const idp = rt.idps[pending.idp];
    if (!idp) fail('IN_RESPONSE_TO_MISMATCH', 'login state names an unknown IdP');
    state.idp = idp;
    return;
  }
  const response = need(state, 'response');
  const issuerEl = isElement(response, 'samlp', 'Response') ? optionalChild(response, 'saml', 'Issuer') : undefined;
  const issuer = issuerEl ? textOf(issuerEl).trim() : undefined;
  if (!issuer && attribute(response, 'InResponseTo') !== undefined) fail('IN_RESPONSE_TO_MISMATCH', 'response to a login we do not know');
  for (const idp of rt.idps) {
    if (issuer !== undefined && (await rt.metadataOf(idp)).entity.entityId === issuer) {
      state.idp = idp;
      return;
    }
  }
  fail('ISSUER_MISMATCH', 'response from an IdP that is not configured');
}
