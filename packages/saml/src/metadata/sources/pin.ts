import { MellonError } from '../../errors.js';
import type { ParsedMetadata } from '../types.js';

/** At most this many entityIDs of a refused copy are named in the event. */
const NAMED = 3;

/** A refused copy: it does not describe the entity the source is pinned to. */
export class EntityChangedError extends MellonError {
  override readonly name = 'EntityChangedError';
  /** The entityID of the first good copy. */
  readonly pinned: string;
  /** The first few entityIDs the refused copy describes. */
  readonly received: readonly string[];

  constructor(pinned: string, metadata: ParsedMetadata) {
    super('METADATA_ENTITY_CHANGED', `metadata no longer describes the pinned entity alone (${metadata.entities.size} entities)`);
    this.pinned = pinned;
    this.received = [...metadata.entities.keys()].slice(0, NAMED);
  }
}

/**
 * The entity a source serves when its settings name none (no `expectedEntityId`): the one of its
 * first good copy, read from the URL, the file or the disk cache (so it holds across a restart).
 * A later copy must describe that entity and no other; anything else is refused before it can
 * replace the good copy. Without this, a URL that starts serving another IdP would silently swap
 * the keys every login is verified with, and logins would fail with SIGNATURE_INVALID (or, were
 * that IdP hostile, succeed for it). A first copy of several entities (an aggregate) pins nothing:
 * members come and go, and entities are then looked up by entityID.
 */
export class EntityPin {
  readonly #enabled: boolean;
  #entityId: string | undefined;
  #settled = false;

  /** `enabled` is false when the settings already name the entity (`expectedEntityId`). */
  constructor(enabled: boolean) {
    this.#enabled = enabled;
  }

  /** Throws EntityChangedError when a pin is set and `metadata` is not the pinned entity alone. */
  check(metadata: ParsedMetadata): ParsedMetadata {
    const pinned = this.#entityId;
    if (pinned === undefined || (metadata.entities.size === 1 && metadata.entities.has(pinned))) return metadata;
    throw new EntityChangedError(pinned, metadata);
  }

  /** Records a copy put in use; only the first one decides the pin. */
  adopt(metadata: ParsedMetadata): void {
    if (this.#settled) return;
    this.#settled = true;
    const [only] = metadata.entities.keys();
    if (this.#enabled && metadata.entities.size === 1 && only !== undefined) this.#entityId = only;
  }
}
