import { BINDING, createArtifact, encodePostForm, postFormCsp, serializeXml } from '@koa-mellon/saml';
import type { IdpUser } from '../settings/types.js';
import { need, type SsoState } from './context.js';

/** How long an artifact waits for the SP's ArtifactResolve (saml-bindings §3.6.5: short). */
export const ARTIFACT_TTL_MS = 5 * 60 * 1000;

/** What the ArtifactResolutionService hands out, once, to the SP it was issued for. */
export interface StoredArtifact {
  readonly sp: string;
  readonly xml: string;
  /** The login's trace reference: the SP's ArtifactResolve joins it. */
  readonly trace?: string | undefined;
}

/** The step: the assertion's Response goes to the verified ACS. */
export async function deliverResponse<U extends IdpUser>(state: SsoState<U>): Promise<void> {
  await deliver(state, need(state, 'response'));
  state.trace.complete();
}

/**
 * saml-bindings §3.5 (HTTP-POST: an auto-submitting form) or §3.6 (HTTP-Artifact: the message
 * waits here, single use, and the browser carries only its artifact). Always the ACS of the
 * pending request, which was chosen from the SP's metadata.
 */
export async function deliver<U extends IdpUser>(state: SsoState<U>, document: Document): Promise<void> {
  const { ctx, rt } = state;
  const pending = need(state, 'pending');
  const xml = serializeXml(document);
  state.trace.message('Response', xml);
  ctx.set('Cache-Control', 'no-store');
  if (pending.acs.binding === BINDING.artifact) {
    const { artifact, messageHandle } = createArtifact(rt.urls.entityId, 0);
    const stored: StoredArtifact = { sp: need(state, 'sp').entity.entityId, xml, trace: state.trace.reference };
    await rt.stores.requests.setIfAbsent(`art:${messageHandle.toString('hex')}`, stored, ARTIFACT_TTL_MS);
    const url = new URL(pending.acs.location);
    url.searchParams.set('SAMLart', artifact);
    if (pending.relayState !== undefined) url.searchParams.set('RelayState', pending.relayState);
    ctx.redirect(url.href);
    rt.logger.info({ sp: stored.sp, binding: 'artifact' }, 'koa-mellon idp: response sent');
    return;
  }
  ctx.set('Content-Security-Policy', postFormCsp());
  ctx.type = 'html';
  ctx.body = encodePostForm({ url: pending.acs.location, parameter: 'SAMLResponse', xml, relayState: pending.relayState });
  rt.logger.info({ sp: need(state, 'sp').entity.entityId, binding: 'post' }, 'koa-mellon idp: response sent');
}
