/**
 * The built-in attribute-mapping table (`attributeMappingDefaults`, docs/adapters.md#attribute-mapping-defaults):
 * for each user field, the claim names IdPs commonly send it under, in the order they are tried. The first
 * claim present fills the field with its first value; values of different claims are never joined.
 *
 * Order within a field: names fixed by a standard (LDAP / eduPerson OIDs) first, then names fixed by a vendor
 * (the Microsoft claim URIs of Entra ID and AD FS, Auth0's), then the free-form names admins type into
 * Okta, Google Workspace, Keycloak or OneLogin attribute statements, which are the likeliest to mean
 * something else.
 */
const MS = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims';
const MS_2008 = 'http://schemas.microsoft.com/ws/2008/06/identity/claims';

export const DEFAULT_ATTRIBUTE_CLAIMS = {
  email: [
    'urn:oid:0.9.2342.19200300.100.1.3', // mail (LDAP, eduPerson, Shibboleth)
    'urn:oid:1.2.840.113549.1.9.1', // PKCS #9 emailAddress (Keycloak's "X500 email" mapper)
    `${MS}/emailaddress`, // Entra ID, AD FS, Auth0
    'mail',
    'email', // Okta, Google Workspace, Keycloak attribute statements
    'emailAddress',
    'Email',
    'User.email', // OneLogin
  ],
  firstName: [
    'urn:oid:2.5.4.42', // givenName
    `${MS}/givenname`,
    'givenName',
    'firstName',
    'first_name',
    'given_name',
    'FirstName',
    'User.FirstName',
  ],
  lastName: [
    'urn:oid:2.5.4.4', // sn
    `${MS}/surname`,
    'sn',
    'surname',
    'lastName',
    'last_name',
    'family_name',
    'LastName',
    'User.LastName',
  ],
  displayName: [
    'urn:oid:2.16.840.1.113730.3.1.241', // displayName
    'http://schemas.microsoft.com/identity/claims/displayname', // Entra ID
    'urn:oid:2.5.4.3', // cn
    'http://schemas.xmlsoap.org/claims/CommonName', // AD FS
    'displayName',
    'cn',
    'name',
  ],
  // A login name to offer usernameTemplate (`{attributes[...]}` still decides the username).
  preferredUsername: [
    'urn:oid:0.9.2342.19200300.100.1.1', // uid
    'urn:oid:1.3.6.1.4.1.5923.1.1.1.6', // eduPersonPrincipalName
    `${MS}/upn`, // AD FS
    `${MS}/name`, // Entra ID sends the UPN under this name; Auth0 its user's name
    `${MS_2008}/windowsaccountname`, // AD FS
    'http://schemas.auth0.com/nickname',
    'uid',
    'eduPersonPrincipalName',
    'preferred_username',
    'username',
  ],
} as const satisfies Readonly<Record<string, readonly string[]>>;

/**
 * The group claims of the same IdPs, in the order tried, for `groupAttribute: DEFAULT_GROUP_ATTRIBUTES`.
 * Not applied by `attributeMappingDefaults`: groups carry permissions in the app, so which claim grants
 * them is the operator's explicit choice.
 */
export const DEFAULT_GROUP_ATTRIBUTES: readonly string[] = [
  `${MS_2008}/groups`, // Entra ID (group object IDs), AD FS
  'http://schemas.xmlsoap.org/claims/Group', // AD FS, Auth0
  `${MS_2008}/role`, // Entra ID app roles, AD FS
  'urn:oid:1.3.6.1.4.1.5923.1.5.1.1', // isMemberOf
  'urn:oid:1.3.6.1.4.1.5923.1.1.1.7', // eduPersonEntitlement
  'groups', // Okta, Google Workspace
  'memberOf', // OneLogin, LDAP
  'isMemberOf',
  'eduPersonEntitlement',
  'Role', // Keycloak's role list mapper
  'roles',
  'role',
];

/** The table as `attributeMapping` templates: field → `{attributes[claim][0]}` for each claim, in order. */
export const DEFAULT_ATTRIBUTE_MAPPING: Readonly<Record<string, readonly string[]>> = Object.freeze(
  Object.fromEntries(Object.entries(DEFAULT_ATTRIBUTE_CLAIMS).map(([field, claims]) => [field, Object.freeze(claims.map((claim) => `{attributes[${claim}][0]}`))])),
);

/**
 * The mapping a login uses: with `defaults` on, the table under the explicit mapping, which wins field by
 * field (an explicit `email` replaces the table's whole `email` row, it is not a fallback before it).
 */
export function mappingWithDefaults(
  explicit: Readonly<Record<string, string | readonly string[]>>,
  defaults: boolean,
): Readonly<Record<string, string | readonly string[]>> {
  return defaults ? { ...DEFAULT_ATTRIBUTE_MAPPING, ...explicit } : explicit;
}
