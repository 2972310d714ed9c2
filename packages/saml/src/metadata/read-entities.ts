import { fail, MellonError } from '../errors.js';
import { elementChildren, isElement } from '../xml/select.js';
import { readEntityDescriptor, readEntityId } from './read-entity.js';
import { createKeyLoader } from './read-keys.js';
import type { EntityDescriptor, SkippedEntity } from './types.js';
import { earliest, readValidUntil } from './values.js';

/** The entities of a document, and the descriptors that were left out. */
export interface IndexedEntities {
  readonly entities: Map<string, EntityDescriptor>;
  readonly skipped: SkippedEntity[];
}

const LISTED_TWICE = 'entityID listed more than once: every descriptor of it is refused';

/**
 * Indexes every EntityDescriptor under `root` by entityID, in document order, descending into
 * nested EntitiesDescriptors (saml-metadata §2.3.1). The walk is bounded by the parser's depth
 * limit.
 *
 * Each entity stands alone: one that does not conform (a member's typo in a federation of
 * thousands) is skipped and reported, and the others load. The document's signature, checked
 * before this walk, still covers it whole. An entityID listed twice is refused in every one of its
 * descriptors, the non-conforming ones included: which one a lookup returned would be up to the
 * attacker who added the second. When nothing is left, the document is refused with the first
 * skipped entity's code (so a single-entity document keeps the code of its fault).
 */
export function indexEntities(root: Element): IndexedEntities {
  const entities = new Map<string, EntityDescriptor>();
  const skipped: SkippedEntity[] = [];
  const seen = new Set<string>();
  const twice = new Set<string>();
  let firstError: MellonError | undefined;
  const loadKey = createKeyLoader();
  const read = (el: Element, validUntil: Date | undefined): void => {
    let entityId: string | undefined;
    try {
      entityId = readEntityId(el);
      if (seen.has(entityId)) {
        twice.add(entityId);
        return;
      }
      seen.add(entityId);
      entities.set(entityId, readEntityDescriptor(el, entityId, validUntil, loadKey));
    } catch (err) {
      // Anything else is a fault of ours, not of the entity: the document is refused.
      if (!(err instanceof MellonError)) throw err;
      firstError ??= err;
      skipped.push({ ...(entityId === undefined ? {} : { entityId }), code: err.code, reason: err.message });
    }
  };
  if (isElement(root, 'md', 'EntityDescriptor')) read(root, undefined);
  else walk(root, undefined, read);
  for (const entityId of twice) {
    entities.delete(entityId);
    skipped.push({ entityId, code: 'METADATA_INVALID', reason: LISTED_TWICE });
  }
  if (entities.size === 0) {
    if (firstError) throw firstError;
    fail('METADATA_INVALID', twice.size > 0 ? LISTED_TWICE : 'metadata holds no EntityDescriptor');
  }
  return { entities, skipped };
}

function walk(group: Element, inherited: Date | undefined, read: (el: Element, validUntil: Date | undefined) => void): void {
  // A group's own attributes are the publisher's, not a member's: a malformed one refuses the document.
  const validUntil = earliest(inherited, readValidUntil(group));
  // Children: ds:Signature?, md:Extensions?, then EntityDescriptor | EntitiesDescriptor; only
  // nested signatures and extensions (mdrpi, mdattr...) are skipped, they bind nothing we read.
  for (const child of elementChildren(group)) {
    if (isElement(child, 'md', 'EntityDescriptor')) read(child, validUntil);
    else if (isElement(child, 'md', 'EntitiesDescriptor')) walk(child, validUntil, read);
  }
}
