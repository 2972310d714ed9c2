import { fail } from '../errors.js';
import { elementChildren, isElement } from '../xml/select.js';
import { extensionsOf, readScopes } from './read-extensions.js';
import type { KeyLoader } from './read-keys.js';
import { readContacts, readOrganization } from './read-organization.js';
import { readIdpSsoDescriptor, readSpSsoDescriptor, supportsSaml2 } from './read-role.js';
import type { EntityDescriptor, IdpSsoDescriptor, SpSsoDescriptor } from './types.js';
import { earliest, readCacheDuration, readRequired, readValidUntil } from './values.js';

/** saml-metadata §2.3.2: "entityID ... must not exceed 1024 characters". */
const MAX_ENTITY_ID_LENGTH = 1024;

/** The entityID of an `<md:EntityDescriptor>`, read before anything else of it. */
export function readEntityId(el: Element): string {
  const entityId = readRequired(el, 'entityID');
  if (entityId.length > MAX_ENTITY_ID_LENGTH) fail('METADATA_INVALID', 'entityID longer than 1024 characters');
  return entityId;
}

/**
 * Reads one `<md:EntityDescriptor>` (saml-metadata §2.3.2) whose entityID `readEntityId` gave. `inheritedValidUntil` is the earliest
 * validUntil of the enclosing EntitiesDescriptors, which bounds this entity too (§2.3.1).
 *
 * Only IDPSSODescriptor and SPSSODescriptor supporting SAML 2.0 are read (the first of each kind);
 * RoleDescriptor (WS-Federation in Entra ID and ADFS metadata), AttributeAuthorityDescriptor,
 * AffiliationDescriptor and anything else are skipped without being looked into.
 */
export function readEntityDescriptor(el: Element, entityId: string, inheritedValidUntil: Date | undefined, loadKey: KeyLoader): EntityDescriptor {
  let idp: IdpSsoDescriptor | undefined;
  let sp: SpSsoDescriptor | undefined;
  let validUntil = earliest(inheritedValidUntil, readValidUntil(el));
  for (const child of elementChildren(el)) {
    if (!idp && isElement(child, 'md', 'IDPSSODescriptor') && supportsSaml2(child)) {
      idp = readIdpSsoDescriptor(child, loadKey);
      validUntil = earliest(validUntil, readValidUntil(child));
    } else if (!sp && isElement(child, 'md', 'SPSSODescriptor') && supportsSaml2(child)) {
      sp = readSpSsoDescriptor(child, loadKey);
      validUntil = earliest(validUntil, readValidUntil(child));
    }
  }
  const cacheDurationMs = readCacheDuration(el);
  const organization = readOrganization(el);
  return {
    entityId,
    ...(validUntil ? { validUntil } : {}),
    ...(cacheDurationMs === undefined ? {} : { cacheDurationMs }),
    ...(idp ? { idp } : {}),
    ...(sp ? { sp } : {}),
    ...(organization ? { organization } : {}),
    contacts: readContacts(el),
    scopes: readScopes(extensionsOf(el)),
  };
}
