import type { IdentityProviderSettings } from 'koa-mellon';

/** An `identityProviders` entry for a Google Workspace custom SAML app. */
export const googleWorkspace = {
  // Google offers its IdP metadata as a download only ("Download metadata" on the app's page).
  metadataPath: 'config/google-idp-metadata.xml',
  // Name ID: format EMAIL, "Basic Information > Primary email".
  usernameTemplate: '{attributes[name_id_content]}',
  // "Attribute mapping": Google Directory attributes sent under the app attribute names given there.
  attributeMapping: {
    email: '{attributes[name_id_content]}',
    firstName: '{attributes[firstName][0]}',
    lastName: '{attributes[lastName][0]}',
  },
  // "Group membership" mapped to the app attribute `groups` (only the groups you select are sent).
  groupAttribute: 'groups',
} satisfies IdentityProviderSettings;
