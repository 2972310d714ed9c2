import { DEFAULT_GROUP_ATTRIBUTES, type IdentityProviderSettings } from 'koa-mellon';

/**
 * A customer's IdP whose profile fields come from the defaults table (`attributeMappingDefaults` is on by
 * default), with one row of the table replaced, one field added, groups taken from the first common group
 * claim present, and an e-mail NameID used when no e-mail attribute comes.
 */
export const customerIdp = {
  metadataUrl: 'https://idp.customer.example/metadata',
  attributeMapping: {
    // Replaces the table's displayName row entirely (no fallback to it).
    displayName: ['{attributes[displayName][0]}', '{attributes[name_id_content]}'],
    // A field the table does not have.
    department: '{attributes[department][0]}',
  },
  // Groups grant permissions: opt in explicitly, and only into groups the app already has.
  groupAttribute: DEFAULT_GROUP_ATTRIBUTES,
  createGroup: false,
  useNameIdForEmail: true,
} satisfies IdentityProviderSettings;
