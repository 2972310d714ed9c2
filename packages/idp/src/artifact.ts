import type { Context } from 'koa';
import {
  artifactSourceId,
  buildArtifactResponse,
  fail,
  findSignature,
  parseArtifact,
  parseArtifactResolve,
  parseSoapEnvelope,
  parseXml,
  signElement,
  verifyEnvelopedSignature,
} from '@koa-mellon/saml';
import type { IdpRuntime } from './runtime.js';
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
export async function resolveArtifact<U extends IdpUser>(ctx: Context, rt: IdpRuntime<U>): Promise<void> {
  const { parsed, message } = parseSoapEnvelope(await readBody(ctx, rt.maxMessageBytes, { timeoutMs: rt.bodyTimeoutMs }), { maxBytes: rt.maxMessageBytes });
  const resolve = parseArtifactResolve(message);
  if (resolve.issuer === undefined) fail('ENTITY_NOT_FOUND', 'ArtifactResolve without Issuer');
  const sp = await rt.spByEntityId(resolve.issuer);
  const signature = findSignature(message);
  if (!signature) fail('SIGNATURE_MISSING', 'ArtifactResolve is not signed');
  verifyEnvelopedSignature(message, signature, { keys: sp.descriptor.signingKeys, ids: parsed.ids });
  if (resolve.destination !== undefined && resolve.destination !== rt.urls.artifact) fail('DESTINATION_MISMATCH', 'Destination is not our ArtifactResolutionService');

  const artifact = parseArtifact(resolve.artifact);
  let xml: string | undefined;
  if (artifact.sourceId.equals(artifactSourceId(rt.urls.entityId))) {
    const stored = await rt.stores.requests.take<StoredArtifact>(`art:${artifact.messageHandle.toString('hex')}`);
    if (stored && stored.sp !== sp.entity.entityId) rt.logger.warn({ sp: sp.entity.entityId }, 'koa-mellon idp: artifact asked for by another SP; destroyed');
    xml = stored?.sp === sp.entity.entityId ? stored.xml : undefined;
  }
  const { document } = buildArtifactResponse({
    issuer: rt.urls.entityId,
    inResponseTo: resolve.id,
    // Our own serialization of a message we built: parsed back to be embedded as an element.
    message: xml === undefined ? undefined : parseXml(xml, { maxBytes: rt.maxMessageBytes }).root,
    clock: rt.clock,
  });
  signElement(document.documentElement, signingOptions(rt));
  rt.logger.info({ sp: sp.entity.entityId, resolved: xml !== undefined }, 'koa-mellon idp: artifact resolution');
  sendSoapMessage(ctx, document);
}
