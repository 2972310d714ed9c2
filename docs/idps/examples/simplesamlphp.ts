import type { IdentityProviderSettings } from 'koa-mellon';

/**
 * An `identityProviders` entry for a SimpleSAMLphp IdP, as test/interop/simplesamlphp runs it.
 * SimpleSAMLphp names attributes as its auth source does (`uid`, `mail`, ...).
 */
export const simpleSamlPhp = {
  metadataUrl: 'https://idp.example.org/simplesaml/saml2/idp/metadata.php',
  // Asks for a persistent NameID: SimpleSAMLphp fills it from `simplesaml.nameidattribute` (uid here).
  // Its default for SPs registered from metadata is transient, which identifies nobody.
  nameIdPolicyFormat: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
  attributeMapping: {
    email: '{attributes[mail][0]}',
    displayName: '{attributes[displayName][0]}',
  },
} satisfies IdentityProviderSettings;

/** Published in our metadata, so that IdP-initiated logins (no AuthnRequest) get the same NameID. */
export const nameIdFormats = ['urn:oasis:names:tc:SAML:2.0:nameid-format:persistent'];
