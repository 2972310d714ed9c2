import type { IdentityProviderSettings } from 'koa-mellon';

/**
 * An `identityProviders` entry for a SimpleSAMLphp IdP, as test/interop/simplesamlphp runs it.
 * SimpleSAMLphp names attributes as its auth source does (`uid`, `mail`, ...).
 */
export const simpleSamlPhp = {
  metadataUrl: 'https://idp.example.org/simplesaml/saml2/idp/metadata.php',
  // Also asks for a persistent NameID in each AuthnRequest. On SimpleSAMLphp 1.19 this alone is not
  // enough: `nameIdFormats` below is what makes it send one.
  nameIdPolicyFormat: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
  attributeMapping: {
    email: '{attributes[mail][0]}',
    displayName: '{attributes[displayName][0]}',
  },
} satisfies IdentityProviderSettings;

/**
 * Listed in our metadata (`<NameIDFormat>`): what makes SimpleSAMLphp 1.19 send a persistent NameID, made
 * from `simplesaml.nameidattribute` (uid here), for SP- and IdP-initiated logins alike. Without it, its
 * default for an SP registered from metadata is transient, which identifies nobody.
 */
export const nameIdFormats = ['urn:oasis:names:tc:SAML:2.0:nameid-format:persistent'];
