import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { sha256Sliced } from '../worker/bytes.js';

/** What is kept beside a cached document: where it came from, when, and its HTTP validators. */
export interface CacheMeta {
  readonly url: string;
  /** ms since the epoch (the source's clock) of the download or the last 304. */
  readonly fetchedAt: number;
  readonly etag?: string | undefined;
  readonly lastModified?: string | undefined;
  /** SHA-256 of the XML's bytes: a meta file that does not describe the XML beside it is ignored. */
  readonly sha256: string;
}

export interface CachePaths {
  readonly dir: string;
  readonly xml: string;
  readonly meta: string;
  readonly lock: string;
}

/** The default cache directory: `<cwd>/.cache/koa-mellon/metadata`. */
export function defaultCacheDir(): string {
  return resolve(process.cwd(), '.cache', 'koa-mellon', 'metadata');
}

/** Files are named by a hash of the URL: no path from the wire reaches the file system. */
export function cachePaths(dir: string, url: string): CachePaths {
  const name = createHash('sha256').update(url, 'utf8').digest('hex');
  return { dir, xml: join(dir, `${name}.xml`), meta: join(dir, `${name}.json`), lock: join(dir, `${name}.lock`) };
}

/** SHA-256 in hex of a document (a string counts as its UTF-8 bytes). */
export function sha256(document: string | Uint8Array): string {
  return typeof document === 'string' ? createHash('sha256').update(document, 'utf8').digest('hex') : createHash('sha256').update(document).digest('hex');
}

/**
 * The cached copy, as bytes, if any. Its validators are dropped when the meta file does not
 * match it; `sha256` is always that of the bytes read.
 */
export async function readCache(paths: CachePaths): Promise<{ xml: Buffer; sha256: string; meta: CacheMeta | undefined } | undefined> {
  let xml: Buffer;
  try {
    xml = await readFile(paths.xml);
  } catch {
    return undefined;
  }
  const digest = await sha256Sliced(xml);
  const meta = await readMeta(paths);
  return { xml, sha256: digest, meta: meta?.sha256 === digest ? meta : undefined };
}

/** The meta file, if it is one (whether it matches the XML beside it is `readCache`'s to check). */
export async function readMeta(paths: CachePaths): Promise<CacheMeta | undefined> {
  try {
    const value: unknown = JSON.parse(await readFile(paths.meta, 'utf8'));
    return isCacheMeta(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Replaces the cached copy: each file is written to a temporary name in the same directory and
 * renamed over the old one (atomic on POSIX), the XML first. A crash leaves either file whole,
 * and an XML without its matching meta is still good, only without validators.
 */
export async function writeCache(paths: CachePaths, xml: Uint8Array | string, meta: CacheMeta): Promise<void> {
  await mkdir(paths.dir, { recursive: true, mode: 0o700 });
  await replaceFile(paths.xml, xml);
  await writeMeta(paths, meta);
}

export async function writeMeta(paths: CachePaths, meta: CacheMeta): Promise<void> {
  await mkdir(paths.dir, { recursive: true, mode: 0o700 });
  await replaceFile(paths.meta, JSON.stringify(meta));
}

async function replaceFile(path: string, content: Uint8Array | string): Promise<void> {
  const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(temp, content, { flag: 'wx', mode: 0o600 });
    await rename(temp, path);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  }
}

function isCacheMeta(value: unknown): value is CacheMeta {
  if (typeof value !== 'object' || value === null) return false;
  // A non-null object; each field is checked below before the guard says yes.
  const meta = value as Record<string, unknown>;
  return (
    typeof meta.url === 'string' &&
    typeof meta.fetchedAt === 'number' &&
    typeof meta.sha256 === 'string' &&
    (meta.etag === undefined || typeof meta.etag === 'string') &&
    (meta.lastModified === undefined || typeof meta.lastModified === 'string')
  );
}
