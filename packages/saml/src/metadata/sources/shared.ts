import { MellonError, type MellonErrorCode } from '../../errors.js';
import type { ParsedMetadata } from '../types.js';
import type { MetadataEvent } from './types.js';

/** Parses a document with the entry's options: `parseMetadataAsync`, so large ones go to a worker. */
export type ParseDocument = (input: Uint8Array | string, signal?: AbortSignal) => Promise<ParsedMetadata>;

/** The pieces every source needs, resolved once by `createMetadataSource`. */
export interface SourceContext {
  readonly location: string;
  /** `parseMetadataAsync` with the entry's options (keys already loaded, clock bound). */
  readonly parse: ParseDocument;
  readonly clock: () => number;
  readonly emit: (event: MetadataEvent) => void;
  readonly maxBytes: number;
  /** Pin the entity of the first good copy (see EntityPin): true unless `expectedEntityId` names it. */
  readonly pinEntity: boolean;
}

/** An event hook that cannot break the source: a throwing logger is ignored. */
export function safeEmitter(onEvent: ((event: MetadataEvent) => void) | undefined): (event: MetadataEvent) => void {
  return (event) => {
    if (!onEvent) return;
    try {
      onEvent(event);
    } catch {
      // A logging hook's own failure is not the metadata's.
    }
  };
}

/** Reports each entity a copy just put in use left out (`ParsedMetadata.skipped`). */
export function reportSkipped(context: SourceContext, location: string, metadata: ParsedMetadata): void {
  for (const { entityId, code, reason } of metadata.skipped) {
    context.emit({ type: 'entity-skipped', location, ...(entityId === undefined ? {} : { entityId }), error: new MellonError(code, reason) });
  }
}

/** Any failure as a MellonError: its own when it is one, else `code` with it as the cause. */
export function toMellonError(err: unknown, code: MellonErrorCode, message: string): MellonError {
  return err instanceof MellonError ? err : new MellonError(code, message, { cause: err });
}

/** The URL without user name and password, for logs and events. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return '(invalid URL)';
  }
}
