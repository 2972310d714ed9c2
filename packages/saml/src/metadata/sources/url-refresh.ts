import { fail, MellonError } from '../../errors.js';
import type { ParsedMetadata } from '../types.js';
import { readCache, readMeta, writeCache, writeMeta, type CacheMeta, type CachePaths } from './disk-cache.js';
import { httpGet } from './http-get.js';
import type { MetadataUrlGuard } from './url-guard.js';
import { tryLock, waitForLock, type Lock } from './lock.js';
import type { ParseDocument } from './shared.js';

/** A good copy: parsed metadata and the record of where and when it was fetched. */
export interface Copy {
  readonly metadata: ParsedMetadata;
  readonly meta: CacheMeta;
}

export interface RefreshConfig {
  readonly url: string;
  readonly paths: CachePaths;
  readonly timeoutMs: number;
  readonly verifyTls: boolean;
  readonly maxBytes: number;
  /** The SSRF guard, when the URL comes from an untrusted source: applied at every download. */
  readonly guard?: MetadataUrlGuard | undefined;
  /** Parses and validates a document fully (signature, entity pin...): a copy it refuses is never cached. */
  readonly parse: ParseDocument;
  readonly clock: () => number;
  /** A copy another instance wrote less than this long ago is adopted instead of downloading again. */
  readonly freshForMs: number;
}

export interface RefreshOutcome {
  /** `downloaded` (HTTP 200), `not-modified` (HTTP 304), `adopted` (another instance's download). */
  readonly kind: 'downloaded' | 'not-modified' | 'adopted';
  readonly copy: Copy;
  readonly changed: boolean;
  /** The copy is good but could not be written to the disk cache. */
  readonly cacheError?: MellonError | undefined;
}

/**
 * Time allowed to parse and verify a large aggregate after its download, while holding the lock:
 * ~5 s for 24 MB, longer on a busy machine, where the worker runs at a lower priority.
 */
const PARSE_ALLOWANCE_MS = 30_000;

/**
 * One refresh of a URL's metadata. Instances sharing the cache directory take turns through a lock
 * file; one that finds the lock taken waits for the holder, then adopts what it wrote. The holder
 * downloads (conditionally, with the held copy's validators), validates the document fully with
 * the entry's options, and only then replaces the cache files. Throws when nothing good came of it.
 */
export async function refreshCopy(config: RefreshConfig, held: Copy | undefined, signal: AbortSignal): Promise<RefreshOutcome> {
  const staleAfterMs = config.timeoutMs + PARSE_ALLOWANCE_MS;
  let lock = await lockOrProceed(config, staleAfterMs);
  if (!lock) {
    await waitForLock(config.paths.lock, config.clock, staleAfterMs, staleAfterMs, signal);
    const adopted = await adoptNewer(config, held, Number.POSITIVE_INFINITY, signal);
    if (adopted) return adopted;
    lock = await lockOrProceed(config, staleAfterMs);
    if (!lock) fail('METADATA_UNAVAILABLE', 'another instance keeps the metadata download lock');
  }
  try {
    return (await adoptNewer(config, held, config.freshForMs, signal)) ?? (await download(config, held, signal));
  } finally {
    await lock.release();
  }
}

/**
 * The lock, or undefined when another instance holds it. A cache directory that cannot be written
 * at all must not stop the download: it then proceeds unlocked (and reports the cache failure).
 */
async function lockOrProceed(config: RefreshConfig, staleAfterMs: number): Promise<Lock | undefined> {
  try {
    return await tryLock(config.paths.lock, config.clock(), staleAfterMs);
  } catch {
    return { release: async () => undefined };
  }
}

/** The disk copy, when another instance fetched it after `held` and less than `maxAgeMs` ago. */
async function adoptNewer(config: RefreshConfig, held: Copy | undefined, maxAgeMs: number, signal: AbortSignal): Promise<RefreshOutcome | undefined> {
  const meta = await readMeta(config.paths);
  if (!meta || meta.url !== config.url || meta.fetchedAt <= (held?.meta.fetchedAt ?? Number.NEGATIVE_INFINITY)) return undefined;
  if (config.clock() - meta.fetchedAt >= maxAgeMs) return undefined;
  if (held && meta.sha256 === held.meta.sha256) return { kind: 'adopted', copy: { metadata: held.metadata, meta }, changed: false };
  const cached = await readCache(config.paths);
  if (!cached?.meta) return undefined;
  try {
    return { kind: 'adopted', copy: { metadata: await config.parse(cached.xml, signal), meta: cached.meta }, changed: true };
  } catch {
    return undefined;
  }
}

async function download(config: RefreshConfig, held: Copy | undefined, signal: AbortSignal): Promise<RefreshOutcome> {
  const response = await httpGet(config.url, {
    timeoutMs: config.timeoutMs,
    verifyTls: config.verifyTls,
    maxBytes: config.maxBytes,
    guard: config.guard,
    etag: held?.meta.etag,
    lastModified: held?.meta.lastModified,
    signal,
  });
  const fetchedAt = config.clock();
  if (response.status === 304) {
    // Validators are only sent with a held copy, so a 304 always has one to confirm.
    if (!held) fail('METADATA_UNAVAILABLE', 'HTTP 304 without a held copy');
    const meta = { ...held.meta, fetchedAt };
    return { kind: 'not-modified', copy: { metadata: held.metadata, meta }, changed: false, cacheError: await saved(writeMeta(config.paths, meta)) };
  }
  const meta: CacheMeta = { url: config.url, fetchedAt, etag: response.etag, lastModified: response.lastModified, sha256: response.sha256 };
  // The same bytes as the held copy: nothing to parse (the hash was taken as the body arrived).
  const unchanged = held !== undefined && held.meta.sha256 === response.sha256;
  // Validate before the cache is touched: a bad download never replaces a good file.
  const metadata = unchanged ? held.metadata : await config.parse(response.body, signal);
  const cacheError = await saved(writeCache(config.paths, response.body, meta));
  return { kind: 'downloaded', copy: { metadata, meta }, changed: !unchanged, cacheError };
}

async function saved(write: Promise<void>): Promise<MellonError | undefined> {
  try {
    await write;
    return undefined;
  } catch (err) {
    return new MellonError('METADATA_UNAVAILABLE', 'metadata disk cache cannot be written', { cause: err });
  }
}
