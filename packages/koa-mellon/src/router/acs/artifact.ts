import {
  BINDING,
  artifactSourceId,
  buildArtifactResolve,
  exchangeSoap,
  fail,
  findEndpointByIndex,
  parseArtifact,
  parseArtifactResponse,
} from '@koa-mellon/saml';
import type { ResolvedIdp, Runtime } from '../../runtime.js';
import { need, type AcsState } from './context.js';
import { logDecoded } from '../debug-log.js';

/** The configured IdP whose entityID hashes to the artifact's SourceID (saml-bindings §3.6.4). */
export async function idpOfArtifact(rt: Runtime, artifact: string): Promise<ResolvedIdp> {
  const { sourceId } = parseArtifact(artifact);
  for (const idp of rt.idps) {
    if (artifactSourceId((await rt.metadataOf(idp)).entity.entityId).equals(sourceId)) return idp;
  }
  fail('ENTITY_NOT_FOUND', 'artifact from an IdP that is not configured');
}

/**
 * HTTP-Artifact (saml-bindings §3.6): resolve the artifact at the IdP's ArtifactResolutionService
 * over SOAP (signed ArtifactResolve, TLS verified unless `verifySslCertificate` is off), then check
 * the ArtifactResponse (our request, the IdP's Issuer, its signature when present, Success) and
 * hand its Response to the same validation as the POST binding.
 */
export async function resolveArtifact(state: AcsState): Promise<void> {
  const artifact = state.artifact;
  if (artifact === undefined) return;
  const { rt } = state;
  const idp = need(state, 'idp');
  const { entity, descriptor } = await rt.metadataOf(idp);
  const endpoints = descriptor.artifactResolutionServices.filter((e) => e.binding === BINDING.soap);
  const endpoint = findEndpointByIndex(endpoints, parseArtifact(artifact).endpointIndex) ?? endpoints[0];
  if (!endpoint) fail('ARTIFACT_RESOLUTION_FAILED', 'IdP metadata has no SOAP ArtifactResolutionService');
  const { id, document } = buildArtifactResolve({ issuer: rt.urls.entityId, destination: endpoint.location, artifact, clock: rt.clock });
  // The inner Response is validated (and its signatures checked) by the POST pipeline; the
  // ArtifactResponse around it is checked when signed, TLS vouching for it otherwise.
  const { text, parsed, message } = await exchangeSoap(endpoint.location, document, {
    signing: idp.keys.signingKey ? { privateKey: idp.keys.signingKey } : undefined,
    keys: descriptor.signingKeys,
    requireSignature: false,
    policy: idp.policy,
    timeoutMs: idp.settings.artifactResolveTimeout * 1000,
    maxBytes: rt.maxMessageBytes,
    verifyTls: idp.settings.verifySslCertificate,
  });
  logDecoded(rt, 'ArtifactResponse', text);
  state.trace.message('ArtifactResponse', text);
  const response = parseArtifactResponse(message);
  if (response.inResponseTo !== id) fail('IN_RESPONSE_TO_MISMATCH', 'ArtifactResponse answers another request');
  if (response.issuer !== undefined && response.issuer !== entity.entityId) fail('ISSUER_MISMATCH', 'ArtifactResponse from another issuer');
  if (!response.success) fail('ARTIFACT_RESOLUTION_FAILED', 'IdP refused to resolve the artifact');
  if (!response.message) fail('ARTIFACT_RESOLUTION_FAILED', 'ArtifactResponse holds no message');
  state.trace.logger.info({ idp: entity.entityId }, 'koa-mellon: artifact resolved');
  state.parsed = parsed;
  state.response = response.message;
}
