import { expect, use } from 'chai';
import chaiAsPromised from 'chai-as-promised';
import { BINDING, MellonError, NAMEID_FORMAT } from '../../src/index.js';
import { findDefaultEndpoint, findEndpoint, findEndpointByIndex } from '../../src/metadata/endpoints.js';
import { getEntity, getIdpDescriptor, getSpDescriptor, singleEntity } from '../../src/metadata/lookup.js';
import { parseMetadata } from '../../src/metadata/parse.js';
import { fixture, signXml, testClock, testKey } from './helpers.js';

use(chaiAsPromised);

// Fixtures shaped like what each product publishes, with certificates generated per run.
describe('metadata of real-world peers', () => {
  const signing = testKey('fixture-signing');
  const next = testKey('fixture-next');
  const encryption = testKey('fixture-encryption');
  const clock = testClock();
  const certs = { CERT_SIGNING: signing.certBase64, CERT_NEXT: next.certBase64, CERT_ENCRYPTION: encryption.certBase64 };

  it('reads Okta IdP metadata', () => {
    const idp = getIdpDescriptor(singleEntity(parseMetadata(fixture('okta.xml', certs), { clock })));
    expect(idp.wantAuthnRequestsSigned).to.equal(false);
    expect(idp.signingKeys).to.have.length(1);
    expect(idp.encryptionKeys).to.have.length(0);
    expect(idp.nameIdFormats).to.deep.equal([NAMEID_FORMAT.unspecified, NAMEID_FORMAT.emailAddress]);
    expect(findEndpoint(idp.singleSignOnServices, BINDING.redirect)?.location).to.equal(
      'https://example.okta.com/app/example_koamellon_1/exk1fxyz2ABCDEfgh0h8/sso/saml',
    );
    expect(idp.singleLogoutServices).to.deep.equal([]);
  });

  it('reads signed Entra ID metadata, skipping its WS-Federation RoleDescriptors', () => {
    const xml = signXml(fixture('entra-id.xml', certs), signing);
    const metadata = parseMetadata(xml, { signingCertificates: [signing.certPem], clock });
    expect(metadata.signed).to.equal(true);
    const entity = getEntity(metadata, 'https://sts.windows.net/00000000-1111-2222-3333-444444444444/');
    expect(entity.sp).to.equal(undefined);
    const idp = getIdpDescriptor(entity);
    // Both certificates of a rollover are trusted.
    expect(idp.keys.map((key) => key.certificate?.raw.toString('base64'))).to.deep.equal([signing.certBase64, next.certBase64]);
    expect(idp.singleSignOnServices.map((sso) => sso.binding)).to.deep.equal([BINDING.redirect, BINDING.post]);
    expect(findEndpoint(idp.singleLogoutServices, [BINDING.post, BINDING.redirect])?.binding).to.equal(BINDING.redirect);
  });

  it('reads ADFS metadata with both roles, RoleDescriptors and saml:Attribute elements', () => {
    const entity = singleEntity(parseMetadata(fixture('adfs.xml', certs), { clock }));
    const sp = getSpDescriptor(entity);
    const idp = getIdpDescriptor(entity);
    expect(sp.wantAssertionsSigned).to.equal(true);
    expect(sp.authnRequestsSigned).to.equal(false);
    expect(findDefaultEndpoint(sp.assertionConsumerServices)?.index).to.equal(0);
    expect(findEndpointByIndex(sp.assertionConsumerServices, 1)?.binding).to.equal(BINDING.artifact);
    expect(sp.encryptionKeys.map((key) => key.certificate?.raw.toString('base64'))).to.deep.equal([encryption.certBase64]);
    expect(idp.signingKeys).to.have.length(1);
    expect(idp.keys.find((key) => key.use === 'signing')?.certificate?.raw.toString('base64')).to.equal(signing.certBase64);
    // An empty ContactPerson of a known type is kept; its fields are simply absent.
    expect(entity.contacts).to.deep.equal([{ contactType: 'support', emailAddresses: [], telephoneNumbers: [] }]);
  });

  it('reads Shibboleth IdP metadata: scopes, mdui, SAML 1 endpoints kept as written', () => {
    const wrapped = (cert: string): string => cert.replace(/(.{64})/g, '$1\n');
    const xml = fixture('shibboleth-idp.xml', {
      CERT_SIGNING: wrapped(signing.certBase64),
      CERT_BACKCHANNEL: wrapped(next.certBase64),
      CERT_ENCRYPTION: wrapped(encryption.certBase64),
    });
    const entity = getEntity(parseMetadata(xml, { clock }), 'https://idp.example.org/idp/shibboleth');
    const idp = getIdpDescriptor(entity);
    expect(entity.validUntil?.toISOString()).to.equal('2031-01-01T00:00:00.000Z');
    expect(idp.scopes).to.deep.equal([
      { value: 'example.org', regexp: false },
      { value: '^.+\\.example\\.org$', regexp: true },
    ]);
    expect(idp.ui?.displayNames).to.deep.equal([
      { lang: 'en', value: 'Example University' },
      { lang: 'fr', value: 'Université Exemple' },
    ]);
    // The javascript: logo is dropped; the data: one is kept.
    expect(idp.ui?.logos.map((logo) => logo.url)).to.deep.equal(['https://idp.example.org/idp/images/logo.png', 'data:image/png;base64,iVBORw0KGgo=']);
    expect(idp.ui?.privacyStatementUrls).to.deep.equal([{ lang: 'en', value: 'https://www.example.org/privacy' }]);
    expect(idp.signingKeys).to.have.length(2);
    expect(idp.encryptionKeys[0]?.encryptionMethods).to.deep.equal(['http://www.w3.org/2009/xmlenc11#aes128-gcm', 'http://www.w3.org/2009/xmlenc11#rsa-oaep']);
    expect(findEndpointByIndex(idp.artifactResolutionServices, 2)?.binding).to.equal(BINDING.soap);
    expect(findEndpoint(idp.singleSignOnServices, [BINDING.redirect, BINDING.post])?.location).to.equal(
      'https://idp.example.org/idp/profile/SAML2/Redirect/SSO',
    );
    expect(idp.singleSignOnServices).to.have.length(4);
    expect(idp.singleLogoutServices).to.have.length(4);
  });

  it('reads SimpleSAMLphp IdP metadata', () => {
    const entity = singleEntity(parseMetadata(fixture('simplesamlphp-idp.xml', certs), { clock }));
    const idp = getIdpDescriptor(entity);
    expect(idp.keys.map((key) => key.use)).to.deep.equal(['signing', 'encryption']);
    expect(idp.nameIdFormats).to.deep.equal([NAMEID_FORMAT.transient]);
    expect(entity.contacts).to.deep.equal([
      { contactType: 'technical', givenName: 'Jane', surName: 'Admin', emailAddresses: ['mailto:jane.admin@example.com'], telephoneNumbers: [] },
    ]);
  });

  it('reads SimpleSAMLphp SP metadata: no isDefault, so the first ACS is the default', () => {
    const sp = getSpDescriptor(singleEntity(parseMetadata(fixture('simplesamlphp-sp.xml'), { clock })));
    expect(sp.keys).to.deep.equal([]);
    expect(sp.assertionConsumerServices.map((acs) => acs.index)).to.deep.equal([0, 1, 2, 3]);
    expect(findDefaultEndpoint(sp.assertionConsumerServices)?.binding).to.equal(BINDING.post);
    expect(findDefaultEndpoint(sp.assertionConsumerServices, BINDING.artifact)?.index).to.equal(2);
  });

  it('reads Keycloak realm metadata (KeyName beside the certificate)', () => {
    const idp = getIdpDescriptor(singleEntity(parseMetadata(fixture('keycloak.xml', certs), { clock })));
    expect(idp.wantAuthnRequestsSigned).to.equal(true);
    expect(idp.signingKeys).to.have.length(1);
    expect(findEndpointByIndex(idp.artifactResolutionServices, 0)?.location).to.equal('https://keycloak.example.com/realms/acme/protocol/saml/resolve');
    expect(idp.singleLogoutServices.map((slo) => slo.binding)).to.deep.equal([BINDING.post, BINDING.redirect, BINDING.artifact, BINDING.soap]);
  });

  it('reads legacy Keycloak metadata wrapped in an EntitiesDescriptor', () => {
    const metadata = parseMetadata(fixture('keycloak-legacy.xml', certs), { clock });
    expect(metadata.name).to.equal('urn:keycloak');
    expect(singleEntity(metadata).entityId).to.equal('https://keycloak.example.com/auth/realms/acme');
  });

  it('reads a signed federation aggregate: nested groups, extensions, expired and SAML 1 entities', () => {
    const a = testKey('fed-a');
    const b = testKey('fed-b');
    const xml = signXml(fixture('federation.xml', { CERT_A: a.certBase64, CERT_B: b.certBase64 }), signing);
    const metadata = parseMetadata(xml, { signingCertificates: [signing.certPem], clock });
    expect(metadata).to.include({ signed: true, name: 'https://federation.example.net', cacheDurationMs: 6 * 3600_000 });
    expect([...metadata.entities.keys()]).to.deep.equal([
      'https://idp.uni-a.example.edu/idp/shibboleth',
      'https://sp.uni-b.example.edu/shibboleth',
      'https://old.uni-c.example.edu/shibboleth',
      'urn:mace:example.edu:saml1-only',
    ]);
    const uniA = getEntity(metadata, 'https://idp.uni-a.example.edu/idp/shibboleth', { clock });
    expect(uniA.organization?.displayNames).to.deep.equal([{ lang: 'en', value: 'Uni A' }]);
    expect(getIdpDescriptor(uniA).keys[0]?.use).to.equal('both');
    // The nested group's validUntil bounds its entities.
    expect(getEntity(metadata, 'https://sp.uni-b.example.edu/shibboleth', { clock }).validUntil?.toISOString()).to.equal('2030-01-10T00:00:00.000Z');
    expect(() => getEntity(metadata, 'https://old.uni-c.example.edu/shibboleth', { clock })).to.throw(MellonError).with.property('code', 'METADATA_EXPIRED');
    expect(() => getIdpDescriptor(getEntity(metadata, 'urn:mace:example.edu:saml1-only', { clock })))
      .to.throw(MellonError)
      .with.property('code', 'METADATA_INVALID');
  });
});
