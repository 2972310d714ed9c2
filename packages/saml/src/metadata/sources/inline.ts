import { fail, MellonError } from '../../errors.js';
import { isMetadataFresh } from '../lookup.js';
import type { ParsedMetadata } from '../types.js';
import { reportSkipped, toMellonError, type SourceContext } from './shared.js';
import type { MetadataSource } from './types.js';

/**
 * Inline metadata (`metadata`): parsed once, on first use, and never again. Its validUntil is
 * still checked on every call, since a process may outlive it.
 */
export class InlineMetadataSource implements MetadataSource {
  readonly kind = 'inline';
  readonly location = 'inline';
  readonly #xml: string;
  readonly #context: SourceContext;
  #result: Promise<ParsedMetadata | MellonError> | undefined;

  constructor(xml: string, context: SourceContext) {
    this.#xml = xml;
    this.#context = context;
  }

  async current(): Promise<ParsedMetadata> {
    const result = await (this.#result ??= this.#load());
    if (result instanceof MellonError) throw result;
    if (!isMetadataFresh(result, this.#context.clock())) fail('METADATA_EXPIRED', 'inline metadata is past its validUntil');
    return result;
  }

  async refresh(): Promise<void> {
    // Nothing to check: the XML is part of the settings.
  }

  close(): void {
    // No timers, no I/O.
  }

  async #load(): Promise<ParsedMetadata | MellonError> {
    try {
      const metadata = await this.#context.parse(this.#xml);
      this.#context.emit({ type: 'loaded', location: this.location, from: 'inline', entities: metadata.entities.size, signed: metadata.signed });
      reportSkipped(this.#context, this.location, metadata);
      return metadata;
    } catch (err) {
      return toMellonError(err, 'METADATA_INVALID', 'inline metadata could not be read');
    }
  }
}
