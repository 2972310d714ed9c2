import { BINDING, findEndpoint, getEntity, getIdpDescriptor, parseMetadata } from '@koa-mellon/saml';

/** What an SP needs from its IdP's metadata: parsed, verified and read once per version. */
export function readIdentityProvider(xml: string, entityId: string, publisherCertificatePem: string) {
  const metadata = parseMetadata(xml, {
    signingCertificates: [publisherCertificatePem], // the root signature is now required
    expectedEntityId: entityId, // a document without this entity is refused
  });
  const idp = getIdpDescriptor(getEntity(metadata, entityId));
  return {
    ssoUrl: findEndpoint(idp.singleSignOnServices, [BINDING.redirect, BINDING.post])?.location,
    sloUrl: findEndpoint(idp.singleLogoutServices, [BINDING.redirect, BINDING.post])?.location,
    signingKeys: idp.signingKeys, // KeyObject[], every key of a rollover
    wantAuthnRequestsSigned: idp.wantAuthnRequestsSigned,
  };
}
