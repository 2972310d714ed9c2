import type { IdentityProviderSettings } from 'koa-mellon';

// Entra ID names its claims by URI.
const claims = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims';
const tenant = '00000000-0000-0000-0000-000000000000'; // Directory (tenant) ID
const app = '11111111-1111-1111-1111-111111111111'; // Application ID of the enterprise app

/** An `identityProviders` entry for a Microsoft Entra ID enterprise application. */
export const entraId = {
  // "App Federation Metadata Url": the tenant's own, with appid (not the `common` endpoint).
  metadataUrl: `https://login.microsoftonline.com/${tenant}/federationmetadata/2007-06/federationmetadata.xml?appid=${app}`,
  entityId: `https://sts.windows.net/${tenant}/`,
  // The NameID ("Unique User Identifier") is the federation key; the username comes from the UPN claim.
  usernameTemplate: `{attributes[${claims}/name][0]}`,
  attributeMapping: {
    email: `{attributes[${claims}/emailaddress][0]}`,
    firstName: `{attributes[${claims}/givenname][0]}`,
    lastName: `{attributes[${claims}/surname][0]}`,
  },
  // Group object IDs, once a group claim is added to the application.
  groupAttribute: 'http://schemas.microsoft.com/ws/2008/06/identity/claims/groups',
} satisfies IdentityProviderSettings;
