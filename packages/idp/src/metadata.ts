import { BINDING, NAMEID_FORMAT, generateIdpMetadata } from '@koa-mellon/saml';
import { NAME_ID_FORMAT_URIS } from './nameid.js';
import type { IdpRuntime } from './runtime.js';
import type { IdpUser } from './settings/types.js';

/**
 * The IdP's metadata (saml-metadata §2.4.3): SSO and SLO for HTTP-Redirect and HTTP-POST (SLO over
 * SOAP too with `soapLogout`), the
 * ArtifactResolutionService when HTTP-Artifact is on, every published certificate, the NameID
 * formats the SPs are configured for; signed when `signMetadata` is set.
 */
export function idpMetadataXml<U extends IdpUser>(rt: IdpRuntime<U>): string {
  const settings = rt.settings;
  const formats = new Set<string>([NAMEID_FORMAT.persistent, NAMEID_FORMAT.transient]);
  // The map has a URI for every NameIdFormatName.
  for (const sp of settings.serviceProviders) formats.add(NAME_ID_FORMAT_URIS.get(sp.nameIdFormat ?? 'persistent') as string);
  return generateIdpMetadata({
    entityId: rt.urls.entityId,
    singleSignOnServiceUrl: rt.urls.sso,
    singleLogoutServiceUrl: rt.urls.slo,
    singleLogoutServiceBindings: settings.soapLogout ? [BINDING.redirect, BINDING.post, BINDING.soap] : [BINDING.redirect, BINDING.post],
    artifactResolutionServiceUrl: settings.artifactResolution ? rt.urls.artifact : undefined,
    wantAuthnRequestsSigned: settings.wantAuthnRequestsSigned ?? false,
    certificates: rt.keys.certificates,
    nameIdFormats: [...formats],
    organization: settings.organization,
    contacts: settings.contactPersons,
    sign: settings.signMetadata ? { privateKey: rt.keys.signingKey, certificate: rt.keys.signingCertificate } : undefined,
  });
}
