import { fail } from '../errors.js';
import { elementChildren, isElement } from '../xml/select.js';
import { readEntityDescriptor } from './read-entity.js';
import { createKeyLoader, type KeyLoader } from './read-keys.js';
import type { EntityDescriptor } from './types.js';
import { earliest, readValidUntil } from './values.js';

/**
 * Indexes every EntityDescriptor under `root` by entityID, in document order, descending into
 * nested EntitiesDescriptors (saml-metadata §2.3.1). The walk is bounded by the parser's depth
 * limit. A second descriptor with an entityID already seen is refused: which of the two a lookup
 * returned would be up to chance, and a federation never publishes both.
 */
export function indexEntities(root: Element): Map<string, EntityDescriptor> {
  const entities = new Map<string, EntityDescriptor>();
  const loadKey = createKeyLoader();
  const add = (entity: EntityDescriptor): void => {
    if (entities.has(entity.entityId)) fail('METADATA_INVALID', 'an entityID appears twice');
    entities.set(entity.entityId, entity);
  };
  if (isElement(root, 'md', 'EntityDescriptor')) {
    add(readEntityDescriptor(root, undefined, loadKey));
  } else {
    walk(root, undefined, loadKey, add);
  }
  if (entities.size === 0) fail('METADATA_INVALID', 'metadata holds no EntityDescriptor');
  return entities;
}

function walk(group: Element, inherited: Date | undefined, loadKey: KeyLoader, add: (entity: EntityDescriptor) => void): void {
  const validUntil = earliest(inherited, readValidUntil(group));
  // Children: ds:Signature?, md:Extensions?, then EntityDescriptor | EntitiesDescriptor; only
  // nested signatures and extensions (mdrpi, mdattr...) are skipped, they bind nothing we read.
  for (const child of elementChildren(group)) {
    if (isElement(child, 'md', 'EntityDescriptor')) add(readEntityDescriptor(child, validUntil, loadKey));
    else if (isElement(child, 'md', 'EntitiesDescriptor')) walk(child, validUntil, loadKey, add);
  }
}
