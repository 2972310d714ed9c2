import { expect } from 'chai';
import { BINDING, MellonError } from '../../src/index.js';
import { parseMetadata } from '../../src/metadata/parse.js';
import { signXml, testClock, testKey } from './helpers.js';

const MD = 'xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"';
const SAML2 = 'urn:oasis:names:tc:SAML:2.0:protocol';

const idp = (entityId: string): string =>
  `<md:EntityDescriptor entityID="${entityId}"><md:IDPSSODescriptor protocolSupportEnumeration="${SAML2}"><md:SingleSignOnService Binding="${BINDING.redirect}" Location="${entityId}/sso"/></md:IDPSSODescriptor></md:EntityDescriptor>`;
/** An SP whose endpoints are written `binding=` / `location=`: XML attribute names are case-sensitive, so it has neither. */
const lowerCaseSp = (entityId: string): string =>
  `<md:EntityDescriptor entityID="${entityId}"><md:SPSSODescriptor protocolSupportEnumeration="${SAML2}"><md:AssertionConsumerService binding="${BINDING.post}" location="${entityId}/acs" index="0"/></md:SPSSODescriptor></md:EntityDescriptor>`;
const aggregate = (inner: string): string => `<md:EntitiesDescriptor ${MD} ID="_agg" Name="urn:test:federation">${inner}</md:EntitiesDescriptor>`;

const IDP_A = 'https://idp-a.example.org';
const IDP_B = 'https://idp-b.example.org';
const SP_TYPO = 'https://sp-typo.example.org';

describe('parseMetadata: one non-conforming entity of several (indexEntities)', () => {
  const clock = testClock();
  const publisher = testKey('aggregate-publisher');

  it('loads the two IdPs of a document whose third entity (an SP) writes binding= and location= in lower case, and reports the SP', () => {
    const metadata = parseMetadata(aggregate(idp(IDP_A) + lowerCaseSp(SP_TYPO) + idp(IDP_B)), { clock });
    expect([...metadata.entities.keys()]).to.deep.equal([IDP_A, IDP_B]);
    expect(metadata.skipped).to.have.length(1);
    expect(metadata.skipped[0]).to.include({ entityId: SP_TYPO, code: 'METADATA_INVALID' });
    expect(metadata.skipped[0]?.reason).to.be.a('string').and.not.equal('');
  });

  it('loads the rest of a signed aggregate with one bad member', () => {
    const xml = signXml(aggregate(idp(IDP_A) + lowerCaseSp(SP_TYPO) + idp(IDP_B)), publisher);
    const metadata = parseMetadata(xml, { clock, signingCertificates: [publisher.certPem] });
    expect(metadata.signed).to.equal(true);
    expect([...metadata.entities.keys()]).to.deep.equal([IDP_A, IDP_B]);
    expect(metadata.skipped.map((skipped) => skipped.entityId)).to.deep.equal([SP_TYPO]);
  });

  it('still refuses the whole aggregate when its signature is broken', () => {
    const xml = signXml(aggregate(idp(IDP_A) + lowerCaseSp(SP_TYPO) + idp(IDP_B)), publisher).replace(`${IDP_B}/sso`, 'https://evil.example.org/sso');
    expect(() => parseMetadata(xml, { clock, signingCertificates: [publisher.certPem] }))
      .to.throw(MellonError)
      .with.property('code', 'DIGEST_MISMATCH');
  });

  it('still refuses a single-entity document that does not conform (nothing is left to load)', () => {
    const xml = lowerCaseSp(SP_TYPO).replace('<md:EntityDescriptor ', `<md:EntityDescriptor ${MD} `);
    expect(() => parseMetadata(xml, { clock }))
      .to.throw(MellonError)
      .with.property('code', 'METADATA_INVALID');
  });

  it('refuses both descriptors of an entityID listed twice, and loads the others', () => {
    const twice = idp(IDP_B).replace(`${IDP_B}/sso`, 'https://evil.example.org/sso').replace(`entityID="${IDP_B}"`, `entityID="${IDP_A}"`);
    const metadata = parseMetadata(aggregate(idp(IDP_A) + idp(IDP_B) + twice), { clock });
    expect([...metadata.entities.keys()]).to.deep.equal([IDP_B]);
    expect(metadata.skipped.map(({ entityId, code }) => ({ entityId, code }))).to.deep.equal([{ entityId: IDP_A, code: 'METADATA_INVALID' }]);
  });

  it('refuses a conforming entity whose entityID a non-conforming descriptor also claims', () => {
    const metadata = parseMetadata(aggregate(lowerCaseSp(IDP_A) + idp(IDP_A) + idp(IDP_B)), { clock });
    expect([...metadata.entities.keys()]).to.deep.equal([IDP_B]);
    // One report for the descriptor's own fault, one for the entityID listed twice.
    expect(metadata.skipped.map((skipped) => skipped.entityId)).to.deep.equal([IDP_A, IDP_A]);
  });

  it('reports a descriptor without entityID without naming one', () => {
    const metadata = parseMetadata(aggregate(idp(IDP_A) + idp('').replace('entityID=""', '')), { clock });
    expect([...metadata.entities.keys()]).to.deep.equal([IDP_A]);
    expect(metadata.skipped).to.have.length(1);
    expect(metadata.skipped[0]?.entityId).to.equal(undefined);
  });

  it('refuses with the entity’s own code when the expected entity is the non-conforming one', () => {
    expect(() => parseMetadata(aggregate(idp(IDP_A) + lowerCaseSp(SP_TYPO)), { clock, expectedEntityId: SP_TYPO }))
      .to.throw(MellonError)
      .with.property('code', 'METADATA_INVALID');
  });

  it('refuses an aggregate none of whose entities conforms, with the first one’s code', () => {
    const badKey = idp(IDP_B).replace('<md:SingleSignOnService', '<md:KeyDescriptor><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>AAAA</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor><md:SingleSignOnService');
    expect(() => parseMetadata(aggregate(badKey + lowerCaseSp(SP_TYPO)), { clock }))
      .to.throw(MellonError)
      .with.property('code', 'KEY_INVALID');
  });
});
