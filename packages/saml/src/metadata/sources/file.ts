import { readFile, stat } from 'node:fs/promises';
import { fail, MellonError } from '../../errors.js';
import { isMetadataFresh } from '../lookup.js';
import type { ParsedMetadata } from '../types.js';
import { sha256Sliced } from '../worker/bytes.js';
import { EntityChangedError, EntityPin } from './pin.js';
import { reportSkipped, toMellonError, type SourceContext } from './shared.js';
import type { MetadataSource } from './types.js';

/** The file is stat'ed at most this often, however many requests ask. */
export const FILE_CHECK_INTERVAL_MS = 1000;

interface Version {
  readonly mtimeMs: number;
  readonly size: number;
}

/**
 * A metadata file (`metadataPath`), reloaded when its modification time or size changes (and
 * parsed again only when its bytes did). A file replaced by garbage, or by the metadata of another
 * entity (EntityPin), does not replace the last good copy: that one keeps serving and the failure
 * is reported once per version of the file.
 */
export class FileMetadataSource implements MetadataSource {
  readonly kind = 'file';
  readonly location: string;
  readonly #context: SourceContext;
  readonly #pin: EntityPin;
  #good: { metadata: ParsedMetadata; version: Version; sha256: string } | undefined;
  #attempted: Version | undefined;
  #lastError: MellonError | undefined;
  #checkedAt = Number.NEGATIVE_INFINITY;
  #check: Promise<void> | undefined;

  constructor(path: string, context: SourceContext) {
    this.location = path;
    this.#context = context;
    this.#pin = new EntityPin(context.pinEntity);
  }

  async current(): Promise<ParsedMetadata> {
    // A check in flight is joined (it may be the first load); otherwise one per interval.
    if (this.#check || this.#context.clock() - this.#checkedAt >= FILE_CHECK_INTERVAL_MS) await this.refresh();
    if (!this.#good) throw this.#lastError ?? new MellonError('METADATA_UNAVAILABLE', 'metadata file not loaded');
    if (!isMetadataFresh(this.#good.metadata, this.#context.clock())) fail('METADATA_EXPIRED', 'metadata file is past its validUntil');
    return this.#good.metadata;
  }

  /** One check at a time: concurrent callers share it. */
  refresh(): Promise<void> {
    this.#check ??= this.#checkFile().finally(() => {
      this.#check = undefined;
    });
    return this.#check;
  }

  close(): void {
    // Nothing runs in the background: checks happen on calls to current().
  }

  async #checkFile(): Promise<void> {
    this.#checkedAt = this.#context.clock();
    let version: Version;
    try {
      const stats = await stat(this.location);
      version = { mtimeMs: stats.mtimeMs, size: stats.size };
    } catch (err) {
      // A file briefly missing while it is being replaced must not drop the good copy.
      if (!this.#good) this.#lastError = new MellonError('METADATA_UNAVAILABLE', 'metadata file cannot be read', { cause: err });
      return;
    }
    if (sameVersion(version, this.#good?.version) || sameVersion(version, this.#attempted)) return;
    this.#attempted = version;
    try {
      if (version.size > this.#context.maxBytes) fail('INPUT_TOO_LARGE', `metadata file over ${this.#context.maxBytes} bytes`);
      const bytes = await readFile(this.location);
      const sha256 = await sha256Sliced(bytes);
      const good = this.#good;
      if (good && good.sha256 === sha256) {
        // Touched, not changed (a deploy that rewrites the same file): nothing to parse.
        this.#good = { ...good, version };
        this.#context.emit({ type: 'refreshed', location: this.location, changed: false, entities: good.metadata.entities.size });
        return;
      }
      const metadata = this.#pin.check(await this.#context.parse(bytes));
      this.#good = { metadata, version, sha256 };
      this.#pin.adopt(metadata);
      this.#lastError = undefined;
      const entities = metadata.entities.size;
      this.#context.emit(
        good
          ? { type: 'refreshed', location: this.location, changed: true, entities }
          : { type: 'loaded', location: this.location, from: 'file', entities, signed: metadata.signed },
      );
      reportSkipped(this.#context, this.location, metadata);
    } catch (err) {
      this.#lastError = toMellonError(err, 'METADATA_UNAVAILABLE', 'metadata file cannot be read');
      this.#context.emit(
        err instanceof EntityChangedError
          ? { type: 'entity-changed', location: this.location, entityId: err.pinned, received: err.received, error: err }
          : { type: 'refresh-failed', location: this.location, error: this.#lastError },
      );
    }
  }
}

function sameVersion(a: Version, b: Version | undefined): boolean {
  return b !== undefined && a.mtimeMs === b.mtimeMs && a.size === b.size;
}
