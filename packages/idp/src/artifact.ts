import type { Context } from 'koa';
import {
  artifactSourceId,
  buildArtifactResponse,
  fail,
  failWithDetail,
  findSignature,
  parseArtifact,
  parseArtifactResolve,
  parseSoapEnvelope,
  parseXml,
  signElement,
  verifyEnvelopedSignature,
  type ArtifactResolve,
} from '@koa-mellon/saml';
import type { IdpRuntime, SpMetadata } from './runtime.js';
import { startIdpTrace, tracedRuntime } from './web/flow-trace.js';
import type { IdpUser } from './settings/types.js';
import { signingOptions } from './signing.js';
import type { StoredArtifact } from './sso/deliver.js';
import { readBody, sendSoapMessage } from '@koa-mellon/web';

/**
 * POST artifact/: the ArtifactResolutionService (saml-bindings §3.6.5, SOAP binding §3.2). The SP's
 * ArtifactResolve must be signed with a key of its metadata; the message the artifact stands for
 * is handed out once, and only to the SP it was issued to. An unknown, used or foreign artifact
 * gets a Success ArtifactResponse with no message (saml-core §3.5.2).
 */
export async function resolveArtifact<U extends IdpUser>(ctx: Context, untraced: IdpRuntime<U>): Promise<void> {
  // A step of the login whose Response the artifact stands for: it joins that trace once found.
  const trace = startIdpTrace(ctx, untraced, 'login');
  const rt = tracedRuntime(untraced, trace);
  let resolve: ArtifactResolve | undefined;
  let sp: SpMetadata<U> | undefined;
  await trace.run('ArtifactResolve: read, identify the SP by its Issuer, verify its signature and Destination', async () => {
    const text = await readBody(ctx, rt.maxMessageBytes, { timeoutMs: rt.bodyTimeoutMs });
    trace.message('ArtifactResolve', text);
    const { parsed, message } = parseSoapEnvelope(text, { maxBytes: rt.maxMessageBytes });
    resolve = parseArtifactResolve(message);
    if (resolve.issuer === undefined) fail('ENTITY_NOT_FOUND', 'ArtifactResolve without Issuer');
    sp = await rt.spByEntityId(resolve.issuer);
    trace.peer(sp.entity.entityId);
    const signature = findSignature(message);
    if (!signature) fail('SIGNATURE_MISSING', 'ArtifactResolve is not signed');
    verifyEnvelopedSignature(message, signature, { keys: sp.descriptor.signingKeys, ids: parsed.ids });
    if (resolve.destination !== undefined && resolve.destination !== rt.urls.artifact) {
      failWithDetail('DESTINATION_MISMATCH', 'Destination is not our ArtifactResolutionService', { expected: rt.urls.artifact, received: resolve.destination });
    }
  });
  // Both set by the step above, which threw otherwise.
  const [request, peer] = [resolve as ArtifactResolve, sp as SpMetadata<U>];

  const artifact = parseArtifact(request.artifact);
  let xml: string | undefined;
  if (artifact.sourceId.equals(artifactSourceId(rt.urls.entityId))) {
    const stored = await rt.stores.requests.take<StoredArtifact>(`art:${artifact.messageHandle.toString('hex')}`);
    if (stored?.sp === peer.entity.entityId) trace.adopt(stored.trace);
    if (stored && stored.sp !== peer.entity.entityId) rt.logger.warn({ sp: peer.entity.entityId }, 'koa-mellon idp: artifact asked for by another SP; destroyed');
    xml = stored?.sp === peer.entity.entityId ? stored.xml : undefined;
  }
  const { document } = buildArtifactResponse({
    issuer: rt.urls.entityId,
    inResponseTo: request.id,
    // Our own serialization of a message we built: parsed back to be embedded as an element.
    message: xml === undefined ? undefined : parseXml(xml, { maxBytes: rt.maxMessageBytes }).root,
    clock: rt.clock,
  });
  signElement(document.documentElement, signingOptions(rt));
  rt.logger.info({ sp: peer.entity.entityId, resolved: xml !== undefined }, 'koa-mellon idp: artifact resolution');
  // An unknown, used or foreign artifact is answered Success with no message (saml-core §3.5.2): the trace says which.
  trace.step(xml === undefined ? 'ArtifactResponse sent without a message (unknown, used or foreign artifact)' : 'ArtifactResponse sent with the Response');
  await trace.flush();
  sendSoapMessage(ctx, document);
}
