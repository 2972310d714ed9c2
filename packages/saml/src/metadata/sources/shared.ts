import { MellonError, type MellonErrorCode } from '../../errors.js';
import type { ParsedMetadata } from '../types.js';
import type { MetadataEvent } from './types.js';

/** The pieces every source needs, resolved once by `createMetadataSource`. */
export interface SourceContext {
  readonly location: string;
  /** `parseMetadata` with the entry's options (keys already loaded, clock bound). */
  readonly parse: (xml: string) => ParsedMetadata;
  readonly clock: () => number;
  readonly emit: (event: MetadataEvent) => void;
  readonly maxBytes: number;
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
