import type { IdentityProviderSettings } from 'koa-mellon';

const claims = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims';

/** An `identityProviders` entry for AD FS (2016 and later). */
export const adfs = {
  metadataUrl: 'https://adfs.example.com/FederationMetadata/2007-06/FederationMetadata.xml',
  // AD FS stamps NotBefore with its own clock and no margin: a server a few seconds behind refuses
  // a fresh assertion as not yet valid. The default tolerance is 180 s; keep it, and keep NTP.
  clockSkew: 180,
  usernameTemplate: `{attributes[${claims}/upn][0]}`,
  attributeMapping: {
    email: `{attributes[${claims}/emailaddress][0]}`,
    firstName: `{attributes[${claims}/givenname][0]}`,
    lastName: `{attributes[${claims}/surname][0]}`,
  },
  // "Token-Groups - Unqualified Names" sent as the Group claim type.
  groupAttribute: 'http://schemas.xmlsoap.org/claims/Group',
} satisfies IdentityProviderSettings;
