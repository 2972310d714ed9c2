import { fail, MellonError } from '../../errors.js';
import { isMetadataFresh } from '../lookup.js';
import type { ParsedMetadata } from '../types.js';
import { readCache } from './disk-cache.js';
import { EntityChangedError, EntityPin } from './pin.js';
import { reportSkipped, toMellonError, type SourceContext } from './shared.js';
import type { MetadataSource } from './types.js';
import { refreshCopy, type Copy, type RefreshConfig, type RefreshOutcome } from './url-refresh.js';

/** The shortest interval a document's cacheDuration or validUntil can impose between refreshes. */
const MIN_DOCUMENT_INTERVAL_MS = 60_000;
/** First retry after a failed refresh; doubled per failure, up to the cache time. */
const RETRY_BASE_MS = 30_000;
/** setTimeout's largest delay. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Metadata from a URL (`metadataUrl`). At the first call, a copy in the disk cache serves at once
 * and is refreshed in the background; without one, the first download is awaited. Afterwards,
 * refreshes run in the background every cache time (sooner when the document's cacheDuration or
 * validUntil ask), one at a time, and no request waits for them. A failed refresh keeps the last
 * good copy, in memory and on disk; so does a copy of another entity (EntityPin).
 */
export class UrlMetadataSource implements MetadataSource {
  readonly kind = 'url';
  readonly location: string;
  readonly #config: RefreshConfig;
  readonly #context: SourceContext;
  readonly #cacheTimeMs: number;
  readonly #abort = new AbortController();
  readonly #pin: EntityPin;
  #good: Copy | undefined;
  #init: Promise<void> | undefined;
  #inflight: Promise<void> | undefined;
  #nextAttemptAt = 0;
  #failures = 0;
  #lastError: MellonError | undefined;
  #staleReported = false;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(config: Omit<RefreshConfig, 'freshForMs' | 'parse'> & { cacheTimeMs: number }, context: SourceContext) {
    this.location = context.location;
    this.#pin = new EntityPin(context.pinEntity);
    // The pin is checked with the rest of the validation, before a copy can reach the disk cache.
    this.#config = { ...config, freshForMs: config.cacheTimeMs, parse: async (input, signal) => this.#pin.check(await context.parse(input, signal)) };
    this.#context = context;
    this.#cacheTimeMs = config.cacheTimeMs;
  }

  async current(): Promise<ParsedMetadata> {
    await (this.#init ??= this.#loadCache());
    const now = this.#context.clock();
    const good = this.#good;
    if (good) {
      if (now >= this.#nextAttemptAt) void this.refresh();
      if (isMetadataFresh(good.metadata, now)) {
        this.#reportStale(good, now);
        return good.metadata;
      }
      // The only copy has expired: this one time, a request waits for a refresh.
      await this.refresh();
      if (this.#good && isMetadataFresh(this.#good.metadata, this.#context.clock())) return this.#good.metadata;
      fail('METADATA_EXPIRED', 'metadata is past its validUntil and no fresh copy could be fetched');
    }
    if (now >= this.#nextAttemptAt) await this.refresh();
    if (this.#good) return this.#good.metadata;
    // The guard's refusal is the cause to show: no retry makes a forbidden address reachable.
    if (this.#lastError?.code === 'METADATA_URL_FORBIDDEN') throw this.#lastError;
    throw new MellonError('METADATA_UNAVAILABLE', 'no copy of the metadata: download failed and nothing is cached', { cause: this.#lastError });
  }

  /** One refresh per source at a time; concurrent callers share it. */
  refresh(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#inflight ??= this.#refreshOnce().finally(() => {
      this.#inflight = undefined;
    });
    return this.#inflight;
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#abort.abort();
  }

  async #loadCache(): Promise<void> {
    const cached = await readCache(this.#config.paths);
    if (!cached) return;
    try {
      const metadata = await this.#context.parse(cached.xml, this.#abort.signal);
      // Without its meta file the copy has no validators and counts as old.
      const meta = cached.meta?.url === this.#config.url ? cached.meta : { url: this.#config.url, fetchedAt: 0, sha256: cached.sha256 };
      this.#good = { metadata, meta };
      // The disk copy was the good copy before the restart: its entity stays pinned.
      this.#pin.adopt(metadata);
      this.#context.emit({ type: 'loaded', location: this.location, from: 'cache', entities: metadata.entities.size, signed: metadata.signed });
      reportSkipped(this.#context, this.location, metadata);
    } catch (err) {
      // Expired, or no longer acceptable (a new signing certificate, another entityID): download.
      this.#context.emit({ type: 'refresh-failed', location: this.location, error: toMellonError(err, 'METADATA_INVALID', 'cached metadata rejected') });
    }
  }

  async #refreshOnce(): Promise<void> {
    await (this.#init ??= this.#loadCache());
    try {
      this.#apply(await refreshCopy(this.#config, this.#good, this.#abort.signal));
    } catch (err) {
      this.#failures++;
      this.#lastError = toMellonError(err, 'METADATA_UNAVAILABLE', 'metadata refresh failed');
      this.#nextAttemptAt = this.#context.clock() + Math.min(this.#cacheTimeMs, RETRY_BASE_MS * 2 ** Math.min(this.#failures - 1, 16));
      this.#context.emit(
        err instanceof EntityChangedError
          ? { type: 'entity-changed', location: this.location, entityId: err.pinned, received: err.received, error: err }
          : { type: 'refresh-failed', location: this.location, error: this.#lastError },
      );
    }
    this.#schedule();
  }

  #apply(outcome: RefreshOutcome): void {
    const first = !this.#good;
    const { metadata } = outcome.copy;
    this.#good = outcome.copy;
    this.#pin.adopt(metadata);
    this.#failures = 0;
    this.#lastError = undefined;
    this.#staleReported = false;
    this.#nextAttemptAt = this.#context.clock() + this.#interval(metadata);
    const entities = metadata.entities.size;
    const from = outcome.kind === 'adopted' ? 'cache' : 'url';
    this.#context.emit(
      first
        ? { type: 'loaded', location: this.location, from, entities, signed: metadata.signed }
        : { type: 'refreshed', location: this.location, changed: outcome.changed, entities },
    );
    if (first || outcome.changed) reportSkipped(this.#context, this.location, metadata);
    if (outcome.cacheError) this.#context.emit({ type: 'cache-write-failed', location: this.location, error: outcome.cacheError });
  }

  /** The cache time, shortened by the document's cacheDuration and by half its remaining validity. */
  #interval(metadata: ParsedMetadata): number {
    let interval = this.#cacheTimeMs;
    if (metadata.cacheDurationMs !== undefined) interval = Math.min(interval, Math.max(MIN_DOCUMENT_INTERVAL_MS, metadata.cacheDurationMs));
    if (metadata.validUntil) {
      const remaining = metadata.validUntil.getTime() - this.#context.clock();
      interval = Math.min(interval, Math.max(MIN_DOCUMENT_INTERVAL_MS, remaining / 2));
    }
    return interval;
  }

  #schedule(): void {
    clearTimeout(this.#timer);
    if (this.#closed) return;
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, this.#nextAttemptAt - this.#context.clock()));
    this.#timer = setTimeout(() => void this.refresh(), delay);
    // A refresh timer never keeps the process alive.
    this.#timer.unref();
  }

  #reportStale(good: Copy, now: number): void {
    if (!this.#lastError || this.#staleReported || now - good.meta.fetchedAt < this.#interval(good.metadata)) return;
    this.#staleReported = true;
    this.#context.emit({ type: 'serving-stale', location: this.location, fetchedAt: new Date(good.meta.fetchedAt), error: this.#lastError });
  }
}
