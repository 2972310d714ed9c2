import type { MellonError } from '../../errors.js';
import type { Clock } from '../../time.js';
import type { ParseMetadataOptions } from '../parse.js';
import type { ParsedMetadata } from '../types.js';
import type { MetadataUrlGuardOptions } from './url-guard.js';

/** Where a source reads its metadata from. */
export type MetadataSourceKind = 'inline' | 'file' | 'url';

/**
 * The current metadata of one settings entry. Sources never throw from background work: failures
 * become `refresh-failed` events while the last good copy keeps serving.
 */
export interface MetadataSource {
  readonly kind: MetadataSourceKind;
  /** `inline`, the file path, or the URL without credentials: safe to log. */
  readonly location: string;
  /**
   * The current parsed metadata. Waits on I/O only for the first load (and, for a file, a
   * `stat` at most once a second); never for a background refresh of a good copy. Rejects with
   * METADATA_UNAVAILABLE (no copy at all), METADATA_EXPIRED (the only copy is past validUntil)
   * or, for inline and file sources, the code of the parse failure.
   */
  current(): Promise<ParsedMetadata>;
  /** Checks for a new copy now (URL: a conditional GET; file: a stat). Never rejects. */
  refresh(): Promise<void>;
  /** Stops timers and aborts a download in flight. The last good copy stays readable. */
  close(): void;
}

/** What a source reports; `location` is the source's, safe to log. */
export type MetadataEvent =
  /** A first good copy is in use, read from `from`. */
  | { readonly type: 'loaded'; readonly location: string; readonly from: 'inline' | 'file' | 'url' | 'cache'; readonly entities: number; readonly signed: boolean }
  /** A check succeeded: a new copy replaced the old one (`changed`), or the peer said it had none. */
  | { readonly type: 'refreshed'; readonly location: string; readonly changed: boolean; readonly entities: number }
  /** A check failed; the last good copy (if any) stays in use. `error.code` says why. */
  | { readonly type: 'refresh-failed'; readonly location: string; readonly error: MellonError }
  /** A copy older than its refresh interval is being served because refreshing it fails. */
  | { readonly type: 'serving-stale'; readonly location: string; readonly fetchedAt: Date; readonly error: MellonError }
  /** A good download could not be saved to the disk cache: it serves, but will not survive a restart. */
  | { readonly type: 'cache-write-failed'; readonly location: string; readonly error: MellonError }
  /**
   * A new copy describes another entity than the one the source is pinned to (the entity of its
   * first good copy, when the settings name none); it was refused and the good copy stays in use.
   * `entityId` is the pinned one, `received` the first few of the refused copy;
   * `error.code` is METADATA_ENTITY_CHANGED.
   */
  | { readonly type: 'entity-changed'; readonly location: string; readonly entityId: string; readonly received: readonly string[]; readonly error: MellonError }
  /**
   * One entity of a copy just put in use was left out (it does not conform, or its entityID is
   * listed twice); the others load. `entityId` is absent when the descriptor lacks a usable one;
   * `error.code` and `error.message` say why.
   */
  | { readonly type: 'entity-skipped'; readonly location: string; readonly entityId?: string | undefined; readonly error: MellonError };

/**
 * One settings entry, with django-mellon's names camelCased: exactly one of `metadata`,
 * `metadataPath` and `metadataUrl`. Durations are in seconds, as in django-mellon.
 */
export interface MetadataSourceOptions extends Omit<ParseMetadataOptions, 'clock'> {
  /** Inline metadata XML. */
  readonly metadata?: string | undefined;
  /** A metadata file, reloaded when it changes (checked at most once a second). */
  readonly metadataPath?: string | undefined;
  /** A metadata URL, cached on disk and refreshed in the background. */
  readonly metadataUrl?: string | undefined;
  /** Seconds before a download is abandoned. Default 10. */
  readonly metadataHttpTimeout?: number | undefined;
  /** Seconds between background refreshes (shortened by the document's cacheDuration). Default 3600. */
  readonly metadataCacheTime?: number | undefined;
  /**
   * The SSRF guard for a URL from an untrusted source (an organization added at run time): https
   * only, never to loopback, private, link-local, CGNAT, unspecified or cloud metadata addresses,
   * judged on the address connected to, at every redirect and refresh (docs/metadata.md). `true`,
   * or its options (allow-list, injectable DNS and connect). Default false. With it, `maxBytes`
   * defaults to GUARDED_METADATA_MAX_BYTES (1 MiB).
   */
  readonly metadataUrlGuard?: boolean | MetadataUrlGuardOptions | undefined;
  /** Verify the server's TLS certificate. Default true. */
  readonly verifySslCertificate?: boolean | undefined;
  /** Directory of the disk cache. Default `<cwd>/.cache/koa-mellon/metadata`. */
  readonly metadataCacheDir?: string | undefined;
  readonly onEvent?: ((event: MetadataEvent) => void) | undefined;
  /** Decides staleness and validUntil; inject a fixed one in tests. Default: the system clock. */
  readonly clock?: Clock | undefined;
  /** Prefix of ConfigError paths, e.g. `identityProviders[1]`. */
  readonly settingsPath?: string | undefined;
  /**
   * Documents of at least this many bytes are parsed in a worker thread, off the event loop.
   * Default `DEFAULT_METADATA_WORKER_THRESHOLD` (64 KiB); `Infinity` parses everything here.
   */
  readonly workerThreshold?: number | undefined;
}

export const DEFAULT_METADATA_HTTP_TIMEOUT = 10;
export const DEFAULT_METADATA_CACHE_TIME = 3600;
