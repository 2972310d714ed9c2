import { expect } from 'chai';
import { BINDING, MellonError } from '../../src/index.js';
import { getEntity, getIdpDescriptor, getSpDescriptor, isMetadataFresh, singleEntity } from '../../src/metadata/lookup.js';
import { parseMetadata } from '../../src/metadata/parse.js';
import { testClock } from './helpers.js';

const MD = 'xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"';
const P = 'protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"';
const idp = (entityId: string, attributes = ''): string =>
  `<md:EntityDescriptor ${MD} entityID="${entityId}" ${attributes}><md:IDPSSODescriptor ${P}><md:SingleSignOnService Binding="${BINDING.redirect}" Location="https://idp.example.com/sso"/></md:IDPSSODescriptor></md:EntityDescriptor>`;
const sp = (entityId: string): string =>
  `<md:EntityDescriptor ${MD} entityID="${entityId}"><md:SPSSODescriptor ${P}><md:AssertionConsumerService Binding="${BINDING.post}" Location="https://sp.example.com/acs" index="0"/></md:SPSSODescriptor></md:EntityDescriptor>`;

describe('getEntity', () => {
  const clock = testClock();
  const metadata = parseMetadata(
    `<md:EntitiesDescriptor ${MD}>${idp('https://a.example.com')}${idp('https://b.example.com', 'validUntil="2030-01-02T00:00:00Z"')}</md:EntitiesDescriptor>`,
    { clock },
  );

  it('returns the entity by entityID', () => {
    expect(getEntity(metadata, 'https://a.example.com', { clock }).entityId).to.equal('https://a.example.com');
  });

  it('refuses an entityID that is not there', () => {
    expect(() => getEntity(metadata, 'https://c.example.com', { clock }))
      .to.throw(MellonError)
      .with.property('code', 'ENTITY_NOT_FOUND');
  });

  it('refuses an entity whose validUntil passed since parsing', () => {
    const later = testClock(Date.parse('2030-01-02T00:00:00Z'));
    expect(() => getEntity(metadata, 'https://b.example.com', { clock: later }))
      .to.throw(MellonError)
      .with.property('code', 'METADATA_EXPIRED');
    expect(getEntity(metadata, 'https://a.example.com', { clock: later }).entityId).to.equal('https://a.example.com');
  });
});

describe('singleEntity', () => {
  const clock = testClock();

  it('returns the one entity of a document', () => {
    expect(singleEntity(parseMetadata(idp('https://a.example.com'), { clock }), { clock }).entityId).to.equal('https://a.example.com');
  });

  it('refuses an aggregate of several entities', () => {
    const metadata = parseMetadata(`<md:EntitiesDescriptor ${MD}>${idp('https://a.example.com')}${sp('https://b.example.com')}</md:EntitiesDescriptor>`, { clock });
    expect(() => singleEntity(metadata, { clock }))
      .to.throw(MellonError)
      .with.property('code', 'METADATA_INVALID');
  });

  it('refuses the entity once it is past validUntil', () => {
    const metadata = parseMetadata(idp('https://a.example.com', 'validUntil="2030-01-01T01:00:00Z"'), { clock });
    expect(() => singleEntity(metadata, { clock: testClock(Date.parse('2030-01-01T01:00:00Z')) }))
      .to.throw(MellonError)
      .with.property('code', 'METADATA_EXPIRED');
  });
});

describe('getIdpDescriptor', () => {
  const clock = testClock();

  it('returns the IDPSSODescriptor', () => {
    const entity = singleEntity(parseMetadata(idp('https://a.example.com'), { clock }), { clock });
    expect(getIdpDescriptor(entity).singleSignOnServices).to.have.length(1);
  });

  it('refuses SP metadata', () => {
    const entity = singleEntity(parseMetadata(sp('https://b.example.com'), { clock }), { clock });
    expect(() => getIdpDescriptor(entity))
      .to.throw(MellonError)
      .with.property('code', 'METADATA_INVALID');
  });
});

describe('getSpDescriptor', () => {
  const clock = testClock();

  it('returns the SPSSODescriptor', () => {
    const entity = singleEntity(parseMetadata(sp('https://b.example.com'), { clock }), { clock });
    expect(getSpDescriptor(entity).assertionConsumerServices).to.have.length(1);
  });

  it('refuses IdP metadata', () => {
    const entity = singleEntity(parseMetadata(idp('https://a.example.com'), { clock }), { clock });
    expect(() => getSpDescriptor(entity))
      .to.throw(MellonError)
      .with.property('code', 'METADATA_INVALID');
  });
});

describe('isMetadataFresh', () => {
  const clock = testClock();
  const metadata = parseMetadata(idp('https://a.example.com', 'validUntil="2030-01-01T01:00:00Z"'), { clock });

  it('is true before the root validUntil', () => {
    expect(isMetadataFresh(metadata, Date.parse('2030-01-01T00:59:59Z'))).to.equal(true);
  });

  it('is false from the root validUntil on', () => {
    expect(isMetadataFresh(metadata, Date.parse('2030-01-01T01:00:00Z'))).to.equal(false);
  });

  it('is true without validUntil', () => {
    expect(isMetadataFresh(parseMetadata(idp('https://a.example.com'), { clock }), Number.MAX_SAFE_INTEGER)).to.equal(true);
  });
});
