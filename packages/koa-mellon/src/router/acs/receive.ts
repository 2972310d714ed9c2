import { attribute, decodePostParameter, fail, isElement, optionalChild, parseXml, textOf, trimXmlSpace } from '@koa-mellon/saml';
import { idpOfArtifact } from './artifact.js';
import { logDecoded } from '../debug-log.js';
import { hintContinue } from '../../errors/continue-url.js';
import type { PendingLogin } from '../login.js';
import { need, type AcsState } from './context.js';
import { readForm, readQuery } from '@koa-mellon/web';

/**
 * The message as the binding carries it: HTTP-POST (a SAMLResponse in the form, decoded under the
 * size limit and parsed once) or HTTP-Artifact (a SAMLart, in the query or the form). Bindings not
 * enabled in `assertionConsumerBindings` are refused.
 */
export async function readMessage(state: AcsState): Promise<void> {
  const { ctx, rt } = state;
  const params = ctx.method === 'POST' ? await readForm(ctx, rt.maxMessageBytes, { timeoutMs: rt.bodyTimeoutMs }) : readQuery(ctx);
  const bindings = rt.global.settings.assertionConsumerBindings;
  state.relayState = params.get('RelayState');
  const artifact = params.get('SAMLart');
  if (artifact !== undefined) {
    if (!bindings.includes('artifact') || params.has('SAMLResponse')) fail('BINDING_INVALID', 'HTTP-Artifact not accepted here');
    state.artifact = artifact;
    return;
  }
  if (ctx.method !== 'POST' || !bindings.includes('post')) fail('BINDING_INVALID', 'HTTP-POST not accepted here');
  const xml = decodePostParameter(params.get('SAMLResponse'), { maxBytes: rt.maxMessageBytes });
  logDecoded(rt, 'SAMLResponse', xml);
  state.trace.message('SAMLResponse', xml);
  state.parsed = parseXml(xml, { maxBytes: rt.maxMessageBytes });
  state.response = state.parsed.root;
}

/** Our RelayState names the login we started (single use); any other RelayState is the IdP's. */
export async function takePendingLogin(state: AcsState): Promise<void> {
  const relayState = state.relayState;
  if (relayState === undefined || !/^[0-9a-f]{32}$/.test(relayState)) return;
  const key = `rs:${relayState}`;
  state.pending = await state.rt.stores.requests.take<PendingLogin>(key);
  if (state.pending) {
    state.trace.adopt(state.pending.trace);
    hintContinue(state.ctx, { next: state.pending.next });
  }
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
    hintContinue(state.ctx, { errorUrl: idp.settings.errorUrl });
    state.trace.peer((await rt.metadataOf(idp)).entity.entityId);
    return;
  }
  if (state.artifact !== undefined) {
    state.idp = await idpOfArtifact(rt, state.artifact);
    hintContinue(state.ctx, { errorUrl: state.idp.settings.errorUrl });
    state.trace.peer((await rt.metadataOf(state.idp)).entity.entityId);
    return;
  }
  const response = need(state, 'response');
  const issuerEl = isElement(response, 'samlp', 'Response') ? optionalChild(response, 'saml', 'Issuer') : undefined;
  const issuer = issuerEl ? trimXmlSpace(textOf(issuerEl)) : undefined;
  if (!issuer && attribute(response, 'InResponseTo') !== undefined) fail('IN_RESPONSE_TO_MISMATCH', 'response to a login we do not know');
  for (const idp of rt.idps) {
    if (issuer !== undefined && (await rt.metadataOf(idp)).entity.entityId === issuer) {
      state.idp = idp;
      hintContinue(state.ctx, { errorUrl: idp.settings.errorUrl });
      state.trace.peer(issuer);
      return;
    }
  }
  fail('ISSUER_MISMATCH', 'response from an IdP that is not configured');
}
