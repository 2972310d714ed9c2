import type { KeyObject } from 'node:crypto';
import { resolve } from 'node:path';
import { ConfigError, MellonError } from '../../errors.js';
import { loadPublicKey } from '../../keys/load.js';
import { systemClock } from '../../time.js';
import { DEFAULT_METADATA_MAX_BYTES } from '../parse.js';
import { DEFAULT_METADATA_WORKER_THRESHOLD, parseMetadataAsync } from '../parse-async.js';
import { cachePaths, defaultCacheDir } from './disk-cache.js';
import { FileMetadataSource } from './file.js';
import { InlineMetadataSource } from './inline.js';
import { redactUrl, safeEmitter, type SourceContext } from './shared.js';
import { DEFAULT_METADATA_CACHE_TIME, DEFAULT_METADATA_HTTP_TIMEOUT, type MetadataSource, type MetadataSourceOptions } from './types.js';
import { UrlMetadataSource } from './url.js';
import { isLoopbackHost } from '../../net.js';
import { createMetadataUrlGuard, GUARDED_METADATA_MAX_BYTES, type MetadataUrlGuard } from './url-guard.js';

/**
 * The metadata source of one settings entry: inline XML (`metadata`), a file (`metadataPath`) or
 * a URL (`metadataUrl`), exactly one. Settings are checked here, at start-up, with ConfigErrors
 * naming the key; no I/O happens until the first `current()`.
 *
 * Sources of the same URL and cache directory coordinate through the cache's lock file, but each
 * parses its own copy: share one source between the entries that read one aggregate.
 *
 * @example
 * const source = createMetadataSource({ metadataUrl: 'https://idp.example.com/metadata', onEvent: log });
 * const idp = getIdpDescriptor(getEntity(await source.current(), 'https://idp.example.com/metadata'));
 */
export function createMetadataSource(options: MetadataSourceOptions): MetadataSource {
  const at = (key: string): string => (options.settingsPath ? `${options.settingsPath}.${key}` : key);
  const given = (['metadata', 'metadataPath', 'metadataUrl'] as const).filter((key) => options[key] !== undefined);
  if (given.length !== 1) throw new ConfigError(at('metadata'), 'set exactly one of metadata, metadataPath and metadataUrl');
  const keys = loadSigningKeys(options, at);
  const clock = options.clock ?? systemClock;
  const guardOption = options.metadataUrlGuard ?? false;
  const guarded = options.metadataUrl !== undefined && guardOption !== false;
  const maxBytes = positive(options.maxBytes ?? (guarded ? GUARDED_METADATA_MAX_BYTES : DEFAULT_METADATA_MAX_BYTES), at('maxBytes'));
  const workerThreshold = options.workerThreshold ?? DEFAULT_METADATA_WORKER_THRESHOLD;
  if (typeof workerThreshold !== 'number' || Number.isNaN(workerThreshold) || workerThreshold < 0) {
    throw new ConfigError(at('workerThreshold'), 'expected a number of bytes (0 or more, or Infinity)');
  }
  const parseOptions = { ...options, signingCertificates: keys, clock, maxBytes, workerThreshold };
  const context = (location: string): SourceContext => ({
    location,
    parse: (input, signal) => parseMetadataAsync(input, { ...parseOptions, signal }),
    clock,
    emit: safeEmitter(options.onEvent),
    maxBytes,
    pinEntity: options.expectedEntityId === undefined,
  });

  if (options.metadata !== undefined) {
    if (typeof options.metadata !== 'string' || options.metadata.trim() === '') throw new ConfigError(at('metadata'), 'expected metadata XML');
    return new InlineMetadataSource(options.metadata, context('inline'));
  }
  if (options.metadataPath !== undefined) {
    if (typeof options.metadataPath !== 'string' || options.metadataPath === '') throw new ConfigError(at('metadataPath'), 'expected a file path');
    return new FileMetadataSource(resolve(options.metadataPath), context(resolve(options.metadataPath)));
  }
  const url = checkMetadataUrl(options.metadataUrl, keys !== undefined, at('metadataUrl'));
  let guard: MetadataUrlGuard | undefined;
  if (guarded) {
    guard = createMetadataUrlGuard(guardOption === true ? {} : guardOption, at('metadataUrlGuard.allow'));
    // Refused here already, so a typed http:// URL fails when it is added, not at the first login.
    if (!url.startsWith('https:')) throw new MellonError('METADATA_URL_FORBIDDEN', `${at('metadataUrl')}: plain http refused: a guarded metadata URL must be https`);
  }
  const timeoutMs = positive(options.metadataHttpTimeout ?? DEFAULT_METADATA_HTTP_TIMEOUT, at('metadataHttpTimeout')) * 1000;
  const cacheTimeMs = positive(options.metadataCacheTime ?? DEFAULT_METADATA_CACHE_TIME, at('metadataCacheTime')) * 1000;
  const dir = resolve(options.metadataCacheDir ?? defaultCacheDir());
  const ctx = context(redactUrl(url));
  return new UrlMetadataSource(
    { url, paths: cachePaths(dir, url), timeoutMs, cacheTimeMs, verifyTls: options.verifySslCertificate ?? true, maxBytes, clock, guard },
    ctx,
  );
}

function loadSigningKeys(options: MetadataSourceOptions, at: (key: string) => string): KeyObject[] | undefined {
  const inputs = options.signingCertificates;
  if (inputs === undefined) return undefined;
  if (inputs.length === 0) throw new ConfigError(at('signingCertificates'), 'expected at least one certificate (or leave it unset)');
  return inputs.map((input, i) => {
    try {
      return loadPublicKey(input).key;
    } catch (err) {
      throw new ConfigError(at(`signingCertificates[${i}]`), 'expected a PEM or base64 DER certificate, or a public key', { cause: err });
    }
  });
}

/**
 * An http(s) URL. Plain http is accepted only for a loopback host or when the metadata must be
 * signed: otherwise anyone on the path could swap the peer's keys.
 */
function checkMetadataUrl(value: unknown, signed: boolean, path: string): string {
  let url: URL | undefined;
  try {
    url = typeof value === 'string' ? new URL(value) : undefined;
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) throw new ConfigError(path, 'expected an https: URL');
  if (url.protocol === 'http:' && !signed && !isLoopbackHost(url.hostname)) {
    throw new ConfigError(path, 'expected an https: URL (plain http needs signingCertificates)');
  }
  return url.toString();
}

function positive(value: number, path: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new ConfigError(path, 'expected a positive number');
  return value;
}
