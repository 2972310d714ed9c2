import type { IdentityProviderSettings } from 'koa-mellon';

/** An `identityProviders` entry for a Keycloak realm (Keycloak 17 and later: no /auth in paths). */
export const keycloak = {
  metadataUrl: 'https://keycloak.example.com/realms/example/protocol/saml/descriptor',
  // Client "Name ID format: username" with "Force name ID format" on.
  usernameTemplate: '{attributes[name_id_content]}',
  // "User Property" mappers named email, firstName, lastName (SAML Attribute NameFormat: Basic).
  attributeMapping: {
    email: '{attributes[email][0]}',
    firstName: '{attributes[firstName][0]}',
    lastName: '{attributes[lastName][0]}',
  },
  // The role_list mapper's attribute, with "Single Role Attribute" on.
  groupAttribute: 'Role',
} satisfies IdentityProviderSettings;
