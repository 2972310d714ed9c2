import { expect, use } from 'chai';
import chaiAsPromised from 'chai-as-promised';
import { MellonError } from '../../src/index.js';
import { generateIdpMetadata } from '../../src/metadata/generate/idp.js';
import { createMetadataSource } from '../../src/metadata/sources/create.js';
import type { MetadataEvent } from '../../src/metadata/sources/types.js';
import { eventLog, testClock, testKey } from './helpers.js';

use(chaiAsPromised);

const IDP = 'https://idp.example.com/saml/metadata';

describe('inline metadata source (metadata)', () => {
  it('parses once and serves the same copy', async () => {
    const log = eventLog<MetadataEvent>();
    const source = createMetadataSource({ metadata: generateIdpMetadata({ entityId: IDP, singleSignOnServiceUrl: 'https://idp.example.com/sso' }), onEvent: log.onEvent });
    const first = await source.current();
    expect(await source.current()).to.equal(first);
    expect(first.entities.has(IDP)).to.equal(true);
    expect(log.events).to.deep.equal([{ type: 'loaded', location: 'inline', from: 'inline', entities: 1, signed: false }]);
    await source.refresh();
    source.close();
  });

  it('verifies signed inline metadata', async () => {
    const publisher = testKey('inline-publisher');
    const xml = generateIdpMetadata({ entityId: IDP, singleSignOnServiceUrl: 'https://idp.example.com/sso', sign: { privateKey: publisher.privateKey } });
    const source = createMetadataSource({ metadata: xml, signingCertificates: [publisher.certPem] });
    expect((await source.current()).signed).to.equal(true);
  });

  it('refuses with the parse failure, every time', async () => {
    const source = createMetadataSource({ metadata: '<!DOCTYPE x><x/>' });
    await expect(source.current()).to.be.rejectedWith(MellonError).and.eventually.have.property('code', 'XML_DOCTYPE_FORBIDDEN');
    await expect(source.current()).to.be.rejectedWith(MellonError).and.eventually.have.property('code', 'XML_DOCTYPE_FORBIDDEN');
  });

  it('refuses with METADATA_EXPIRED once the process outlives validUntil', async () => {
    const clock = testClock();
    const xml = generateIdpMetadata({ entityId: IDP, singleSignOnServiceUrl: 'https://idp.example.com/sso', validUntil: new Date(clock() + 1000) });
    const source = createMetadataSource({ metadata: xml, clock });
    await source.current();
    clock.advance(1000);
    await expect(source.current()).to.be.rejectedWith(MellonError).and.eventually.have.property('code', 'METADATA_EXPIRED');
  });

  it('refuses a document without the expected entityID', async () => {
    const xml = generateIdpMetadata({ entityId: IDP, singleSignOnServiceUrl: 'https://idp.example.com/sso' });
    const source = createMetadataSource({ metadata: xml, expectedEntityId: 'https://other.example.com' });
    await expect(source.current()).to.be.rejectedWith(MellonError).and.eventually.have.property('code', 'ENTITY_NOT_FOUND');
  });
});
