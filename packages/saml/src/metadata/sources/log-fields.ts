import type { MetadataEvent } from './types.js';

/** What a log line of a metadata event carries. */
export interface MetadataLogFields {
  readonly event: MetadataEvent['type'];
  readonly location: string;
  readonly code?: string;
  /** The entity an `entity-skipped` or `entity-changed` event is about (entityIDs are public). */
  readonly entityId?: string;
  /** The first entityIDs of a copy refused by `entity-changed`. */
  readonly received?: readonly string[];
  /** Why an entity was skipped: the operator has to ask its publisher to fix exactly that. */
  readonly reason?: string;
}

/**
 * The fields to log for a metadata event: its type, location and error code, plus what names
 * the entity when the event is about one. Never the document itself.
 *
 * @example
 * onEvent: (event) => logger.warn({ idp: 0, ...metadataLogFields(event) }, `metadata ${event.type}`),
 */
export function metadataLogFields(event: MetadataEvent): MetadataLogFields {
  const base = { event: event.type, location: event.location, ...('error' in event ? { code: event.error.code } : {}) };
  switch (event.type) {
    case 'entity-skipped':
      return { ...base, ...(event.entityId === undefined ? {} : { entityId: event.entityId }), reason: event.error.message };
    case 'entity-changed':
      return { ...base, entityId: event.entityId, received: event.received };
    default:
      return base;
  }
}
