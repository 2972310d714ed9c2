import { expect, use } from 'chai';
import chaiAsPromised from 'chai-as-promised';
import { X509Certificate } from 'node:crypto';
import { readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MellonError } from '../../src/index.js';
import { generateIdpMetadata } from '../../src/metadata/generate/idp.js';
import { getEntity, getIdpDescriptor, singleEntity } from '../../src/metadata/lookup.js';
import { createMetadataSource } from '../../src/metadata/sources/create.js';
import { cachePaths, sha256 } from '../../src/metadata/sources/disk-cache.js';
import type { MetadataEvent, MetadataSource, MetadataSourceOptions } from '../../src/metadata/sources/types.js';
import { eventLog, removeTempDirs, startServer, tempDir, testClock, testKey, type TestClock, type TestServer } from './helpers.js';

use(chaiAsPromised);

const IDP = 'https://idp.example.com/saml/metadata';
const HOUR = 3600_000;

/** IdP metadata whose SSO URL tells versions apart. */
function idpXml(version: string, options: { validUntil?: Date; signedBy?: ReturnType<typeof testKey>; entityId?: string; certificate?: string } = {}): string {
  return generateIdpMetadata({
    entityId: options.entityId ?? IDP,
    singleSignOnServiceUrl: `https://idp.example.com/sso/${version}`,
    validUntil: options.validUntil,
    ...(options.certificate ? { certificates: [options.certificate] } : {}),
    ...(options.signedBy ? { sign: { privateKey: options.signedBy.privateKey } } : {}),
  });
}

describe('URL metadata source (metadataUrl)', () => {
  let server: TestServer;
  let dir: string;
  let clock: TestClock;
  let log: ReturnType<typeof eventLog<MetadataEvent>>;
  let document: string;
  const sources: MetadataSource[] = [];

  const ssoOf = async (source: MetadataSource): Promise<string | undefined> =>
    getIdpDescriptor(getEntity(await source.current(), IDP, { clock })).singleSignOnServices[0]?.location;
  const open = (options: Partial<MetadataSourceOptions> = {}): MetadataSource => {
    const source = createMetadataSource({ metadataUrl: server.url, metadataCacheDir: dir, clock, onEvent: log.onEvent, ...options });
    sources.push(source);
    return source;
  };
  const paths = (): ReturnType<typeof cachePaths> => cachePaths(dir, server.url);
  const cachedXml = (): string => readFileSync(paths().xml, 'utf8');
  const leftovers = (): string[] => readdirSync(dir).filter((name) => name.endsWith('.tmp') || name.endsWith('.lock'));
  /** Answers with `document`, its ETag, and 304 to a matching If-None-Match. */
  const serveDocument = (): void => {
    server.handler = (req, res) => {
      const etag = `"${sha256(document).slice(0, 16)}"`;
      if (req.headers['if-none-match'] === etag) {
        res.statusCode = 304;
        res.end();
        return;
      }
      res.setHeader('etag', etag);
      res.end(document);
    };
  };

  beforeEach(async () => {
    dir = tempDir();
    clock = testClock();
    log = eventLog<MetadataEvent>();
    document = idpXml('v1');
    server = await startServer(() => undefined);
    serveDocument();
  });
  afterEach(async () => {
    for (const source of sources.splice(0)) source.close();
    await server.close();
  });
  after(removeTempDirs);

  it('downloads on first use, then serves and caches the copy on disk', async () => {
    const source = open();
    expect(await ssoOf(source)).to.equal('https://idp.example.com/sso/v1');
    expect(cachedXml()).to.equal(document);
    expect(JSON.parse(readFileSync(paths().meta, 'utf8'))).to.include({ url: server.url, fetchedAt: clock() });
    expect(leftovers()).to.deep.equal([]);
    expect(log.events[0]).to.deep.include({ type: 'loaded', from: 'url', entities: 1, signed: false });
  });

  it('makes one request for many concurrent callers', async () => {
    const source = open();
    const all = await Promise.all(Array.from({ length: 20 }, () => source.current()));
    expect(new Set(all).size).to.equal(1);
    expect(server.requests).to.have.length(1);
  });

  it('serves from memory until the cache time, then refreshes in the background with a conditional GET', async () => {
    const source = open({ metadataCacheTime: 600 });
    await source.current();
    clock.advance(599_000);
    await source.current();
    expect(server.requests).to.have.length(1);
    clock.advance(1000);
    await source.current();
    await source.refresh();
    expect(server.requests).to.have.length(2);
    expect(server.requests[1]?.headers['if-none-match']).to.be.a('string');
    expect(log.events.at(-1)).to.deep.include({ type: 'refreshed', changed: false });
    expect(JSON.parse(readFileSync(paths().meta, 'utf8')).fetchedAt).to.equal(clock());
  });

  it('replaces the copy (memory and disk) when the document changed', async () => {
    const source = open();
    await source.current();
    document = idpXml('v2');
    clock.advance(HOUR);
    await source.refresh();
    expect(await ssoOf(source)).to.equal('https://idp.example.com/sso/v2');
    expect(cachedXml()).to.equal(document);
    expect(log.events.at(-1)).to.deep.include({ type: 'refreshed', changed: true });
    expect(leftovers()).to.deep.equal([]);
  });

  it('honours Last-Modified when there is no ETag', async () => {
    server.handler = (req, res) => {
      if (req.headers['if-modified-since'] === 'Tue, 01 Jan 2030 00:00:00 GMT') {
        res.statusCode = 304;
        res.end();
      } else {
        res.setHeader('last-modified', 'Tue, 01 Jan 2030 00:00:00 GMT');
        res.end(document);
      }
    };
    const source = open();
    await source.current();
    clock.advance(HOUR);
    await source.refresh();
    expect(log.types()).to.deep.equal(['loaded', 'refreshed']);
    expect(log.events[1]).to.deep.include({ changed: false });
  });

  for (const [what, respond, code] of [
    ['an HTTP 500', (res: import('node:http').ServerResponse) => ((res.statusCode = 500), res.end('down')), 'METADATA_UNAVAILABLE'],
    ['garbage', (res: import('node:http').ServerResponse) => res.end('<html><body>Login</body></html>'), 'METADATA_INVALID'],
    ['half a document', (res: import('node:http').ServerResponse) => res.end(document.slice(0, 200)), 'XML_INVALID'],
    ['another entity', (res: import('node:http').ServerResponse) => res.end(idpXml('x', { entityId: 'https://evil.example.com' })), 'ENTITY_NOT_FOUND'],
    ['expired metadata', (res: import('node:http').ServerResponse) => res.end(idpXml('x', { validUntil: new Date(Date.parse('2029-01-01T00:00:00Z')) })), 'METADATA_EXPIRED'],
  ] as const) {
    it(`keeps the last good copy, in memory and on disk, when the URL returns ${what}`, async () => {
      const source = open({ expectedEntityId: IDP });
      await source.current();
      const good = cachedXml();
      server.handler = (_req, res) => respond(res);
      clock.advance(HOUR);
      await source.refresh();
      expect(await ssoOf(source)).to.equal('https://idp.example.com/sso/v1');
      expect(cachedXml()).to.equal(good);
      expect(leftovers()).to.deep.equal([]);
      const failed = log.events.find((event) => event.type === 'refresh-failed');
      expect(failed?.type === 'refresh-failed' && failed.error.code).to.equal(code);
      expect(log.types()).to.include('serving-stale');
    });
  }

  it('keeps the last good copy when the new one is signed with the wrong key', async () => {
    const publisher = testKey('url-publisher');
    document = idpXml('v1', { signedBy: publisher });
    const source = open({ signingCertificates: [publisher.certPem] });
    expect((await source.current()).signed).to.equal(true);
    document = idpXml('v2', { signedBy: testKey('url-attacker') });
    clock.advance(HOUR);
    await source.refresh();
    expect(await ssoOf(source)).to.equal('https://idp.example.com/sso/v1');
    const failed = log.events.find((event) => event.type === 'refresh-failed');
    expect(failed?.type === 'refresh-failed' && failed.error.code).to.equal('SIGNATURE_INVALID');
  });

  it('abandons a download slower than metadataHttpTimeout and keeps the good copy', async () => {
    const source = open({ metadataHttpTimeout: 0.1 });
    await source.current();
    server.handler = () => undefined;
    clock.advance(HOUR);
    await source.refresh();
    expect(await ssoOf(source)).to.equal('https://idp.example.com/sso/v1');
    expect(log.types()).to.include('refresh-failed');
  });

  it('does not make a request wait for a background refresh', async () => {
    const source = open();
    await source.current();
    let release: () => void = () => undefined;
    let arrived: () => void = () => undefined;
    const requested = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    server.handler = (_req, res) => {
      release = () => res.end(idpXml('v2'));
      arrived();
    };
    clock.advance(HOUR);
    // Were current() to wait for the held download, this test would time out.
    expect(await ssoOf(source)).to.equal('https://idp.example.com/sso/v1');
    await requested;
    expect(await ssoOf(source)).to.equal('https://idp.example.com/sso/v1');
    const refreshed = source.refresh();
    release();
    await refreshed;
    expect(await ssoOf(source)).to.equal('https://idp.example.com/sso/v2');
  });

  it('refuses the first load with METADATA_UNAVAILABLE when the URL is down and nothing is cached', async () => {
    server.handler = (_req, res) => ((res.statusCode = 503), res.end());
    const source = open();
    await expect(source.current()).to.be.rejectedWith(MellonError).and.eventually.have.property('code', 'METADATA_UNAVAILABLE');
    // Within the retry delay, callers fail at once without a new request.
    await expect(source.current()).to.be.rejectedWith(MellonError).and.eventually.have.property('code', 'METADATA_UNAVAILABLE');
    expect(server.requests).to.have.length(1);
    serveDocument();
    clock.advance(60_000);
    expect(await ssoOf(source)).to.equal('https://idp.example.com/sso/v1');
  });

  it('serves the disk copy at once after a restart while the URL is down', async () => {
    await open().current();
    sources.pop()?.close();
    server.handler = (_req, res) => ((res.statusCode = 500), res.end());
    const restarted = open();
    expect(await ssoOf(restarted)).to.equal('https://idp.example.com/sso/v1');
    expect(log.events.filter((event) => event.type === 'loaded').map((event) => event.type === 'loaded' && event.from)).to.deep.equal(['url', 'cache']);
    await restarted.refresh();
    expect(log.types().at(-1)).to.equal('refresh-failed');
    expect(await ssoOf(restarted)).to.equal('https://idp.example.com/sso/v1');
  });

  it('refreshes the disk copy in the background after a restart', async () => {
    await open().current();
    sources.pop()?.close();
    document = idpXml('v2');
    const restarted = open();
    expect(await ssoOf(restarted)).to.equal('https://idp.example.com/sso/v1');
    await restarted.refresh();
    expect(await ssoOf(restarted)).to.equal('https://idp.example.com/sso/v2');
  });

  it('downloads again when the disk copy is no longer acceptable (new signing certificate)', async () => {
    await open().current();
    sources.pop()?.close();
    const publisher = testKey('url-publisher');
    document = idpXml('signed', { signedBy: publisher });
    const source = open({ signingCertificates: [publisher.certPem] });
    expect(await ssoOf(source)).to.equal('https://idp.example.com/sso/signed');
    expect(log.types()).to.deep.equal(['loaded', 'refresh-failed', 'loaded']);
  });

  it('refuses a copy past its validUntil with METADATA_EXPIRED when no fresh one can be fetched', async () => {
    document = idpXml('v1', { validUntil: new Date(clock() + 2 * HOUR) });
    const source = open();
    await source.current();
    server.handler = (_req, res) => ((res.statusCode = 500), res.end());
    clock.advance(2 * HOUR);
    await expect(source.current()).to.be.rejectedWith(MellonError).and.eventually.have.property('code', 'METADATA_EXPIRED');
  });

  it('waits for a fresh copy when the one it holds has expired', async () => {
    document = idpXml('v1', { validUntil: new Date(clock() + 2 * HOUR) });
    const source = open();
    await source.current();
    document = idpXml('v2', { validUntil: new Date(clock() + 4 * HOUR) });
    clock.advance(2 * HOUR);
    expect(await ssoOf(source)).to.equal('https://idp.example.com/sso/v2');
  });

  it('refreshes before validUntil, at half the remaining validity, when that is sooner than the cache time', async () => {
    document = idpXml('v1', { validUntil: new Date(clock() + 20 * 60_000) });
    const source = open();
    await source.current();
    clock.advance(10 * 60_000);
    await source.current();
    await source.refresh();
    expect(server.requests).to.have.length(2);
  });

  it('adopts the copy another instance is downloading instead of requesting it again', async () => {
    writeFileSync(paths().lock, JSON.stringify({ pid: 1, at: clock(), token: 'other' }));
    const pending = open().current();
    // The other instance finishes: it writes the cache files, then removes its lock.
    setTimeout(() => {
      writeFileSync(paths().xml, document);
      writeFileSync(paths().meta, JSON.stringify({ url: server.url, fetchedAt: clock(), sha256: sha256(document) }));
      unlinkSync(paths().lock);
    }, 150);
    expect(getEntity(await pending, IDP, { clock }).entityId).to.equal(IDP);
    expect(server.requests).to.have.length(0);
    expect(log.events[0]).to.deep.include({ type: 'loaded', from: 'cache' });
  });

  it('breaks a stale lock left by a crashed instance', async () => {
    writeFileSync(paths().lock, JSON.stringify({ pid: 1, at: clock() - HOUR, token: 'crashed' }));
    expect(await ssoOf(open())).to.equal('https://idp.example.com/sso/v1');
    expect(server.requests).to.have.length(1);
    expect(leftovers()).to.deep.equal([]);
  });

  it('stops refreshing once closed, and keeps serving the last copy', async () => {
    const source = open();
    await source.current();
    source.close();
    clock.advance(HOUR);
    await source.refresh();
    expect(await ssoOf(source)).to.equal('https://idp.example.com/sso/v1');
    expect(server.requests).to.have.length(1);
  });

  it('reports a cache directory it cannot write, and still serves', async () => {
    writeFileSync(join(dir, 'not-a-dir'), '');
    const source = open({ metadataCacheDir: join(dir, 'not-a-dir', 'cache') });
    expect(await ssoOf(source)).to.equal('https://idp.example.com/sso/v1');
    expect(log.types()).to.include('cache-write-failed');
  });

  describe('entity pinning (no expectedEntityId)', () => {
    const OTHER = 'https://other-idp.example.net/metadata';
    const idpKey = testKey('pin-idp');
    const otherKey = testKey('pin-other');
    /** What a login verifies with: the signing keys of the one entity of the copy in use. */
    const loginKeys = async (source: MetadataSource): Promise<{ entityId: string; keys: string[] }> => {
      const entity = singleEntity(await source.current(), { clock });
      return { entityId: entity.entityId, keys: getIdpDescriptor(entity).signingKeys.map((key) => key.export({ type: 'spki', format: 'pem' }).toString()) };
    };
    const spkiOf = (key: ReturnType<typeof testKey>): string => new X509Certificate(key.certPem).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const idpKeys = { entityId: IDP, keys: [spkiOf(idpKey)] };
    const changed = (): MetadataEvent[] => log.events.filter((event) => event.type === 'entity-changed');

    beforeEach(() => {
      document = idpXml('v1', { certificate: idpKey.certPem });
    });

    it('keeps the good copy (memory and disk) when the URL starts serving another entity, and reports it', async () => {
      const source = open();
      expect(await loginKeys(source)).to.deep.equal(idpKeys);
      const good = cachedXml();
      document = idpXml('x', { entityId: OTHER, certificate: otherKey.certPem });
      clock.advance(HOUR);
      await source.refresh();
      expect(await loginKeys(source)).to.deep.equal(idpKeys);
      expect(cachedXml()).to.equal(good);
      expect(changed()).to.have.length(1);
      const [event] = changed();
      expect(event?.type === 'entity-changed' && { entityId: event.entityId, received: event.received, code: event.error.code }).to.deep.equal({
        entityId: IDP,
        received: [OTHER],
        code: 'METADATA_ENTITY_CHANGED',
      });
      expect(log.types()).to.not.include('refreshed');
    });

    it('keeps the pin across a restart: the disk copy decides, and a download of another entity is refused', async () => {
      await open().current();
      sources.pop()?.close();
      document = idpXml('x', { entityId: OTHER, certificate: otherKey.certPem });
      const restarted = open();
      expect(await loginKeys(restarted)).to.deep.equal(idpKeys);
      await restarted.refresh();
      expect(await loginKeys(restarted)).to.deep.equal(idpKeys);
      expect(changed()).to.have.length(1);
      expect(cachedXml()).to.not.include(OTHER);
    });

    it('refuses a copy that lists another entity beside the pinned one', async () => {
      const source = open();
      await source.current();
      const inner = (xml: string): string => xml.replace(/^<\?xml[^>]*>/, '');
      document = `<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata">${inner(idpXml('v2', { certificate: idpKey.certPem }))}${inner(idpXml('x', { entityId: OTHER, certificate: otherKey.certPem }))}</md:EntitiesDescriptor>`;
      clock.advance(HOUR);
      await source.refresh();
      expect(await loginKeys(source)).to.deep.equal(idpKeys);
      expect(changed()).to.have.length(1);
    });

    it('accepts a new copy of the pinned entity with a new key (a rollover)', async () => {
      const source = open();
      await source.current();
      document = idpXml('v2', { certificate: otherKey.certPem });
      clock.advance(HOUR);
      await source.refresh();
      expect((await loginKeys(source)).keys).to.deep.equal([spkiOf(otherKey)]);
      expect(changed()).to.deep.equal([]);
    });

    it('leaves the choice to expectedEntityId when it is set', async () => {
      const source = open({ expectedEntityId: IDP });
      await source.current();
      document = idpXml('x', { entityId: OTHER, certificate: otherKey.certPem });
      clock.advance(HOUR);
      await source.refresh();
      const failed = log.events.find((event) => event.type === 'refresh-failed');
      expect(failed?.type === 'refresh-failed' && failed.error.code).to.equal('ENTITY_NOT_FOUND');
    });
  });
});
