import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

/** What is kept beside a cached document: where it came from, when, and its HTTP validators. */
export interface CacheMeta {
  readonly url: string;
  /** ms since the epoch (the source's clock) of the download or the last 304. */
  readonly fetchedAt: number;
  readonly etag?: string | undefined;
  readonly lastModified?: string | undefined;
  /** SHA-256 of the XML: a meta file that does not describe the XML beside it is ignored. */
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

export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The cached copy, if any. Its validators are dropped when the meta file does not match it. */
export async function readCache(paths: CachePaths): Promise<{ xml: string; meta: CacheMeta | undefined } | undefined> {
  let xml: string;
  try {
    xml = await readFile(paths.xml, 'utf8');
  } catch {
    return undefined;
  }
  return { xml, meta: await readMeta(paths, xml) };
}

/** The meta file, when it describes `xml`. */
export async function readMeta(paths: CachePaths, xml?: string): Promise<CacheMeta | undefined> {
  try {
    const value: unknown = JSON.parse(await readFile(paths.meta, 'utf8'));
    if (!isCacheMeta(value) || (xml !== undefined && value.sha256 !== sha256(xml))) return undefined;
    return value;
  } catch {
    return undefined;
  }
}

/**
 * Replaces the cached copy: each file is written to a temporary name in the same directory and
 * renamed over the old one (atomic on POSIX), the XML first. A crash leaves either file whole,
 * and an XML without its matching meta is still good, only without validators.
 */
export async function writeCache(paths: CachePaths, xml: string, meta: CacheMeta): Promise<void> {
  await mkdir(paths.dir, { recursive: true, mode: 0o700 });
  await replaceFile(paths.xml, xml);
  await writeMeta(paths, meta);
}

export async function writeMeta(paths: CachePaths, meta: CacheMeta): Promise<void> {
  await mkdir(paths.dir, { recursive: true, mode: 0o700 });
  await replaceFile(paths.meta, JSON.stringify(meta));
}

async function replaceFile(path: string, content: string): Promise<void> {
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
