import { expect } from 'chai';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cachePaths, readCache, sha256, writeCache } from '../../src/metadata/sources/disk-cache.js';
import { tryLock } from '../../src/metadata/sources/lock.js';
import { removeTempDirs, tempDir } from './helpers.js';

const URL_A = 'https://idp.example.com/metadata';

describe('metadata disk cache', () => {
  after(removeTempDirs);

  it('names files by a hash of the URL, inside the cache directory', () => {
    const paths = cachePaths('/cache', 'https://idp.example.com/../../etc/passwd');
    expect(paths.xml).to.match(/^\/cache\/[0-9a-f]{64}\.xml$/);
    expect(paths.meta).to.equal(paths.xml.replace('.xml', '.json'));
  });

  it('writes the copy and its meta, leaving no temporary file', async () => {
    const dir = join(tempDir(), 'nested', 'cache');
    const paths = cachePaths(dir, URL_A);
    const meta = { url: URL_A, fetchedAt: 1, etag: '"a"', sha256: sha256('<a/>') };
    await writeCache(paths, '<a/>', meta);
    expect(await readCache(paths)).to.deep.equal({ xml: Buffer.from('<a/>'), sha256: sha256('<a/>'), meta });
    expect(readdirSync(dir).sort()).to.deep.equal([`${paths.xml.slice(dir.length + 1)}`, `${paths.meta.slice(dir.length + 1)}`].sort());
  });

  it('drops a meta file that does not describe the XML beside it', async () => {
    const paths = cachePaths(tempDir(), URL_A);
    await writeCache(paths, '<a/>', { url: URL_A, fetchedAt: 1, etag: '"a"', sha256: sha256('<a/>') });
    writeFileSync(paths.xml, '<b/>');
    expect(await readCache(paths)).to.deep.equal({ xml: Buffer.from('<b/>'), sha256: sha256('<b/>'), meta: undefined });
  });

  it('ignores a meta file that is not the expected JSON', async () => {
    const paths = cachePaths(tempDir(), URL_A);
    await writeCache(paths, '<a/>', { url: URL_A, fetchedAt: 1, sha256: sha256('<a/>') });
    writeFileSync(paths.meta, '{"url": 5}');
    expect((await readCache(paths))?.meta).to.equal(undefined);
  });

  it('has nothing to read before the first write', async () => {
    expect(await readCache(cachePaths(tempDir(), URL_A))).to.equal(undefined);
  });
});

describe('metadata lock file', () => {
  after(removeTempDirs);

  it('lets one holder in at a time', async () => {
    const path = join(tempDir(), 'x.lock');
    const lock = await tryLock(path, 1000, 5000);
    expect(lock).to.not.equal(undefined);
    expect(await tryLock(path, 1000, 5000)).to.equal(undefined);
    await lock?.release();
    expect(existsSync(path)).to.equal(false);
    expect(await tryLock(path, 1000, 5000)).to.not.equal(undefined);
  });

  it('breaks a lock older than the stale limit', async () => {
    const path = join(tempDir(), 'x.lock');
    await tryLock(path, 1000, 5000);
    expect(await tryLock(path, 7000, 5000)).to.not.equal(undefined);
  });

  it('does not remove a lock that is no longer its own', async () => {
    const path = join(tempDir(), 'x.lock');
    const first = await tryLock(path, 1000, 5000);
    const second = await tryLock(path, 7000, 5000);
    await first?.release();
    expect(existsSync(path)).to.equal(true);
    await second?.release();
    expect(existsSync(path)).to.equal(false);
  });
});
