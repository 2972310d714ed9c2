import { fail } from '../errors.js';
import { systemClock, type Clock } from '../time.js';
import type { EntityDescriptor, IdpSsoDescriptor, ParsedMetadata, SpSsoDescriptor } from './types.js';

export interface LookupOptions {
  /** The time validUntil is checked against. Default: the system clock. */
  readonly clock?: Clock | undefined;
}

/**
 * The entity `entityId` of `metadata`, in O(1) whatever the size of the aggregate. Refuses with
 * ENTITY_NOT_FOUND when it is not there, and METADATA_EXPIRED when its validUntil (or that of an
 * enclosing element) has passed since parsing: metadata may be held for days between refreshes.
 *
 * @example
 * const idp = getIdpDescriptor(getEntity(metadata, 'https://idp.example.org/idp/shibboleth'));
 * verifyEnvelopedSignature(response, signature, { keys: idp.signingKeys, ids });
 */
export function getEntity(metadata: ParsedMetadata, entityId: string, options: LookupOptions = {}): EntityDescriptor {
  const entity = metadata.entities.get(entityId);
  if (!entity) fail('ENTITY_NOT_FOUND', 'entityID is not in the metadata');
  return checkFresh(entity, options);
}

/**
 * The one entity of a document that describes exactly one (a peer's own metadata, possibly
 * wrapped in an EntitiesDescriptor as older Keycloak releases do). An aggregate of several is
 * refused with METADATA_INVALID: the caller must then say which entityID it means.
 */
export function singleEntity(metadata: ParsedMetadata, options: LookupOptions = {}): EntityDescriptor {
  if (metadata.entities.size !== 1) fail('METADATA_INVALID', `metadata describes ${metadata.entities.size} entities, not one`);
  const [entity] = metadata.entities.values();
  if (!entity) fail('METADATA_INVALID', 'metadata describes no entity');
  return checkFresh(entity, options);
}

/** The entity's SAML 2.0 IDPSSODescriptor; METADATA_INVALID when it has none (metadata of an SP). */
export function getIdpDescriptor(entity: EntityDescriptor): IdpSsoDescriptor {
  if (!entity.idp) fail('METADATA_INVALID', 'entity has no SAML 2.0 IDPSSODescriptor');
  return entity.idp;
}

/** The entity's SAML 2.0 SPSSODescriptor; METADATA_INVALID when it has none (metadata of an IdP). */
export function getSpDescriptor(entity: EntityDescriptor): SpSsoDescriptor {
  if (!entity.sp) fail('METADATA_INVALID', 'entity has no SAML 2.0 SPSSODescriptor');
  return entity.sp;
}

/** True while the document's root is not past its validUntil (entities are checked by `getEntity`). */
export function isMetadataFresh(metadata: ParsedMetadata, now: number): boolean {
  return !metadata.validUntil || now < metadata.validUntil.getTime();
}

function checkFresh(entity: EntityDescriptor, options: LookupOptions): EntityDescriptor {
  const now = (options.clock ?? systemClock)();
  if (entity.validUntil && now >= entity.validUntil.getTime()) fail('METADATA_EXPIRED', 'entity metadata is past its validUntil');
  return entity;
}
