import type { IdentityProviderSettings } from 'koa-mellon';

/** An `identityProviders` entry for an Okta SAML 2.0 app integration. */
export const okta = {
  metadataUrl: 'https://example.okta.com/app/exk0000000000000000/sso/saml/metadata',
  // Okta's default NameID is format "Unspecified" holding the Okta username (an email address).
  usernameTemplate: '{attributes[name_id_content]}',
  // Okta sends only what "Attribute Statements" list, under the names given there.
  attributeMapping: {
    email: '{attributes[email][0]}',
    firstName: '{attributes[firstName][0]}',
    lastName: '{attributes[lastName][0]}',
  },
  // A "Group Attribute Statement" named `groups`.
  groupAttribute: 'groups',
} satisfies IdentityProviderSettings;
