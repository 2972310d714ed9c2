import type { IdentityProviderSettings } from 'koa-mellon';

// Shibboleth releases attributes under their urn:oid names (NameFormat uri), the FriendlyName beside.
export const oid = {
  eduPersonPrincipalName: 'urn:oid:1.3.6.1.4.1.5923.1.1.1.6',
  eduPersonScopedAffiliation: 'urn:oid:1.3.6.1.4.1.5923.1.1.1.9',
  mail: 'urn:oid:0.9.2342.19200300.100.1.3',
  displayName: 'urn:oid:2.16.840.1.113730.3.1.241',
  givenName: 'urn:oid:2.5.4.42',
  sn: 'urn:oid:2.5.4.4',
};

/** An `identityProviders` entry for a Shibboleth IdP (v4/v5). */
export const shibboleth = {
  metadataUrl: 'https://idp.example.org/idp/shibboleth',
  // Shibboleth's default NameID is transient: the account is keyed by eduPersonPrincipalName instead.
  transientFederationAttribute: oid.eduPersonPrincipalName,
  usernameTemplate: `{attributes[${oid.eduPersonPrincipalName}][0]}`,
  attributeMapping: {
    email: `{attributes[${oid.mail}][0]}`,
    displayName: `{attributes[${oid.displayName}][0]}`,
    firstName: `{attributes[${oid.givenName}][0]}`,
    lastName: `{attributes[${oid.sn}][0]}`,
  },
  groupAttribute: oid.eduPersonScopedAffiliation,
} satisfies IdentityProviderSettings;
