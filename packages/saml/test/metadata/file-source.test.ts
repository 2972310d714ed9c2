import { expect, use } from 'chai';
import chaiAsPromised from 'chai-as-promised';
import { readFileSync, utimesSync, writeFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { MellonError } from '../../src/index.js';
import { generateIdpMetadata } from '../../src/metadata/generate/idp.js';
import { getEntity, getIdpDescriptor, singleEntity } from '../../src/metadata/lookup.js';
import { createMetadataSource } from '../../src/metadata/sources/create.js';
import type { MetadataEvent, MetadataSource, MetadataSourceOptions } from '../../src/metadata/sources/types.js';
import { eventLog, removeTempDirs, tempDir, testClock, type TestClock } from './helpers.js';

use(chaiAsPromised);

const IDP = 'https://idp.example.com/saml/metadata';
const idpXml = (version: string, validUntil?: Date, entityId = IDP): string =>
  generateIdpMetadata({ entityId, singleSignOnServiceUrl: `https://idp.example.com/sso/${version}`, validUntil });

describe('file metadata source (metadataPath)', () => {
  let path: string;
  let clock: TestClock;
  let log: ReturnType<typeof eventLog<MetadataEvent>>;
  let mtime = Date.parse('2029-06-01T00:00:00Z') / 1000;
  const open = (options: Partial<MetadataSourceOptions> = {}): MetadataSource =>
    createMetadataSource({ metadataPath: path, clock, onEvent: log.onEvent, ...options });
  const ssoOf = async (source: MetadataSource): Promise<string | undefined> =>
    getIdpDescriptor(getEntity(await source.current(), IDP, { clock })).singleSignOnServices[0]?.location;
  /** Writes the file and moves its mtime forward, as an editor or a deploy would. */
  const write = (xml: string): void => {
    writeFileSync(path, xml);
    mtime += 10;
    utimesSync(path, mtime, mtime);
  };

  beforeEach(() => {
    path = join(tempDir(), 'idp.xml');
    clock = testClock();
    log = eventLog<MetadataEvent>();
    write(idpXml('v1'));
  });
  after(removeTempDirs);

  it('loads the file on first use', async () => {
    expect(await ssoOf(open())).to.equal('https://idp.example.com/sso/v1');
    expect(log.events).to.deep.equal([{ type: 'loaded', location: path, from: 'file', entities: 1, signed: false }]);
  });

  it('reloads the file when its mtime changes, checking at most once a second', async () => {
    const source = open();
    await source.current();
    write(idpXml('v2'));
    expect(await ssoOf(source)).to.equal('https://idp.example.com/sso/v1');
    clock.advance(1000);
    expect(await ssoOf(source)).to.equal('https://idp.example.com/sso/v2');
    expect(log.events.at(-1)).to.deep.include({ type: 'refreshed', changed: true });
  });

  it('does not parse an unchanged file again', async () => {
    const source = open();
    const first = await source.current();
    clock.advance(5000);
    expect(await source.current()).to.equal(first);
    expect(log.types()).to.deep.equal(['loaded']);
  });

  it('keeps the last good copy when the file is replaced by garbage, and reports it once', async () => {
    const source = open();
    await source.current();
    write('<md:EntityDescriptor');
    clock.advance(1000);
    expect(await ssoOf(source)).to.equal('https://idp.example.com/sso/v1');
    clock.advance(1000);
    await source.current();
    expect(log.types()).to.deep.equal(['loaded', 'refresh-failed']);
    write(idpXml('v3'));
    clock.advance(1000);
    expect(await ssoOf(source)).to.equal('https://idp.example.com/sso/v3');
  });

  it('keeps the last good copy while the file is briefly missing', async () => {
    const source = open();
    await source.current();
    unlinkSync(path);
    clock.advance(1000);
    expect(await ssoOf(source)).to.equal('https://idp.example.com/sso/v1');
  });

  it('refuses with METADATA_UNAVAILABLE when the file does not exist', async () => {
    unlinkSync(path);
    await expect(open().current()).to.be.rejectedWith(MellonError).and.eventually.have.property('code', 'METADATA_UNAVAILABLE');
  });

  it('refuses with the parse failure when the first copy is bad', async () => {
    write('<html/>');
    await expect(open().current()).to.be.rejectedWith(MellonError).and.eventually.have.property('code', 'METADATA_INVALID');
  });

  it('refuses a file over maxBytes without reading it', async () => {
    await expect(open({ maxBytes: 100 }).current()).to.be.rejectedWith(MellonError).and.eventually.have.property('code', 'INPUT_TOO_LARGE');
  });

  it('refuses with METADATA_EXPIRED once the copy passes validUntil', async () => {
    write(idpXml('v1', new Date(clock() + 60_000)));
    const source = open();
    await source.current();
    clock.advance(60_000);
    await expect(source.current()).to.be.rejectedWith(MellonError).and.eventually.have.property('code', 'METADATA_EXPIRED');
  });

  it('shares one check between concurrent callers', async () => {
    const source = open();
    const all = await Promise.all(Array.from({ length: 10 }, () => source.current()));
    expect(new Set(all).size).to.equal(1);
    expect(log.types()).to.deep.equal(['loaded']);
  });

  it('keeps the good copy when the file is replaced by the metadata of another entity, and reports it', async () => {
    const source = open();
    await source.current();
    write(idpXml('x', undefined, 'https://other-idp.example.net/metadata'));
    clock.advance(1000);
    expect(singleEntity(await source.current(), { clock }).entityId).to.equal(IDP);
    expect(await ssoOf(source)).to.equal('https://idp.example.com/sso/v1');
    expect(log.types()).to.deep.equal(['loaded', 'entity-changed']);
    const event = log.events[1];
    expect(event?.type === 'entity-changed' && [event.entityId, event.error.code]).to.deep.equal([IDP, 'METADATA_ENTITY_CHANGED']);
  });

  it('does not parse a file again when it was rewritten with the same bytes', async () => {
    const source = open();
    const first = await source.current();
    write(readFileSync(path, 'utf8'));
    clock.advance(1000);
    expect(await source.current()).to.equal(first);
    expect(log.events.at(-1)).to.deep.include({ type: 'refreshed', changed: false });
  });

  it('reports each entity it leaves out of an aggregate, by entityID', async () => {
    const inner = (xml: string): string => xml.replace(/^<\?xml[^>]*>/, '');
    const broken = inner(idpXml('b', undefined, 'https://broken.example.net/metadata')).replace(/Binding=/g, 'binding=');
    write(`<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata">${inner(idpXml('v1'))}${broken}</md:EntitiesDescriptor>`);
    const source = open();
    expect([...(await source.current()).entities.keys()]).to.deep.equal([IDP]);
    const skipped = log.events.filter((event) => event.type === 'entity-skipped');
    expect(skipped.map((event) => event.type === 'entity-skipped' && [event.entityId, event.error.code])).to.deep.equal([['https://broken.example.net/metadata', 'METADATA_INVALID']]);
  });
});
