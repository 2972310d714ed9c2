import { createPublicKey } from 'node:crypto';
import { expect } from 'chai';
import { BINDING, ConfigError, NAMEID_FORMAT } from '../../src/index.js';
import { generateIdpMetadata } from '../../src/metadata/generate/idp.js';
import { generateSpMetadata, type SpMetadataOptions } from '../../src/metadata/generate/sp.js';
import { getIdpDescriptor, getSpDescriptor, singleEntity } from '../../src/metadata/lookup.js';
import { parseMetadata } from '../../src/metadata/parse.js';
import type { ContactPerson, Organization } from '../../src/metadata/types.js';
import { removeTempDirs, testClock, testKey, xmlsecVerifies } from './helpers.js';

const organization: Organization = {
  names: [
    { lang: 'en', value: 'Example & Sons <Ltd>' },
    { lang: 'fr', value: 'Exemple et fils' },
  ],
  displayNames: [{ lang: 'en', value: 'Example' }],
  urls: [{ lang: 'en', value: 'https://www.example.com/' }],
};
const contacts: ContactPerson[] = [
  { contactType: 'technical', company: 'Example', givenName: 'Ada', surName: 'Lovelace', emailAddresses: ['mailto:ada@example.com'], telephoneNumbers: ['+33 1 23 45 67 89'] },
  { contactType: 'support', emailAddresses: ['mailto:support@example.com', 'mailto:help@example.com'], telephoneNumbers: [] },
];

describe('generateSpMetadata', () => {
  const current = testKey('sp-current');
  const next = testKey('sp-next');
  const clock = testClock();
  const base: SpMetadataOptions = {
    entityId: 'https://app.example.com/accounts/mellon/metadata/',
    assertionConsumerServiceUrl: 'https://app.example.com/accounts/mellon/login/',
    singleLogoutServiceUrl: 'https://app.example.com/accounts/mellon/logout/',
    certificates: [current.certPem],
  };
  after(removeTempDirs);

  it('lists ACS for POST (default, index 0) and Artifact, SLO for Redirect and POST', () => {
    const sp = getSpDescriptor(singleEntity(parseMetadata(generateSpMetadata(base), { clock }), { clock }));
    expect(sp.assertionConsumerServices).to.deep.equal([
      { binding: BINDING.post, location: base.assertionConsumerServiceUrl, index: 0, isDefault: true },
      { binding: BINDING.artifact, location: base.assertionConsumerServiceUrl, index: 1 },
    ]);
    expect(sp.singleLogoutServices.map((slo) => slo.binding)).to.deep.equal([BINDING.redirect, BINDING.post]);
    expect(sp).to.include({ authnRequestsSigned: true, wantAssertionsSigned: true });
  });

  it('publishes every certificate for signing and for encryption (rollover)', () => {
    const sp = getSpDescriptor(singleEntity(parseMetadata(generateSpMetadata({ ...base, certificates: [current.certPem, next.certPem] }), { clock })));
    expect(sp.keys.map((key) => [key.use, key.certificate?.raw.toString('base64')])).to.deep.equal([
      ['signing', current.certBase64],
      ['signing', next.certBase64],
      ['encryption', current.certBase64],
      ['encryption', next.certBase64],
    ]);
  });

  it('parses back to the values it was given', () => {
    const validUntil = new Date('2030-06-01T00:00:00Z');
    const xml = generateSpMetadata({
      ...base,
      assertionConsumerServiceBindings: [BINDING.artifact],
      singleLogoutServiceBindings: [BINDING.redirect, BINDING.post, BINDING.soap],
      signingCertificates: [next.certBase64],
      nameIdFormats: [NAMEID_FORMAT.persistent, NAMEID_FORMAT.transient],
      authnRequestsSigned: false,
      wantAssertionsSigned: false,
      organization,
      contacts,
      validUntil,
      cacheDurationMs: 86_400_000,
    });
    const metadata = parseMetadata(xml, { clock });
    const entity = singleEntity(metadata);
    const sp = getSpDescriptor(entity);
    expect(metadata).to.include({ cacheDurationMs: 86_400_000 });
    expect(metadata.validUntil?.getTime()).to.equal(validUntil.getTime());
    expect(entity.entityId).to.equal(base.entityId);
    expect(entity.organization).to.deep.equal(organization);
    expect(entity.contacts).to.deep.equal(contacts);
    expect(sp.nameIdFormats).to.deep.equal([NAMEID_FORMAT.persistent, NAMEID_FORMAT.transient]);
    expect(sp).to.include({ authnRequestsSigned: false, wantAssertionsSigned: false });
    expect(sp.assertionConsumerServices).to.deep.equal([{ binding: BINDING.artifact, location: base.assertionConsumerServiceUrl, index: 0, isDefault: true }]);
    expect(sp.singleLogoutServices.map((slo) => slo.binding)).to.deep.equal([BINDING.redirect, BINDING.post, BINDING.soap]);
    expect(sp.keys.map((key) => key.use)).to.deep.equal(['signing', 'signing', 'encryption']);
  });

  it('says AuthnRequestsSigned="false" by default when no signing certificate is published', () => {
    const sp = getSpDescriptor(singleEntity(parseMetadata(generateSpMetadata({ ...base, certificates: [] }), { clock })));
    expect(sp.authnRequestsSigned).to.equal(false);
    expect(sp.keys).to.deep.equal([]);
  });

  it('lists no SingleLogoutService without an SLO URL', () => {
    const { singleLogoutServiceUrl: _omitted, ...withoutSlo } = base;
    const sp = getSpDescriptor(singleEntity(parseMetadata(generateSpMetadata(withoutSlo), { clock })));
    expect(sp.singleLogoutServices).to.deep.equal([]);
  });

  it('signs metadata that parseMetadata and xmlsec1 both verify', () => {
    const xml = generateSpMetadata({ ...base, organization, contacts, sign: { privateKey: current.keyPem, certificate: current.certPem } });
    expect(parseMetadata(xml, { signingCertificates: [current.certPem], clock }).signed).to.equal(true);
    expect(xmlsecVerifies(xml, current.certPem, 'EntityDescriptor')).to.equal(true);
    expect(xmlsecVerifies(xml, next.certPem, 'EntityDescriptor')).to.equal(false);
  });

  it('refuses an empty entityId', () => {
    expect(() => generateSpMetadata({ ...base, entityId: '' }))
      .to.throw(ConfigError)
      .with.property('path', 'entityId');
  });

  it('refuses an ACS URL that is not absolute http(s)', () => {
    expect(() => generateSpMetadata({ ...base, assertionConsumerServiceUrl: '/login/' }))
      .to.throw(ConfigError)
      .with.property('path', 'assertionConsumerServiceUrl');
  });

  it('refuses an empty list of bindings', () => {
    expect(() => generateSpMetadata({ ...base, singleLogoutServiceBindings: [] }))
      .to.throw(ConfigError)
      .with.property('path', 'singleLogoutServiceBindings');
  });

  it('refuses a bare public key where a certificate is published', () => {
    const publicKeyPem = createPublicKey(current.privateKey).export({ type: 'spki', format: 'pem' }).toString();
    expect(() => generateSpMetadata({ ...base, encryptionCertificates: [next.certPem, publicKeyPem] }))
      .to.throw(ConfigError)
      .with.property('path', 'encryptionCertificates[1]');
  });

  it('refuses an unreadable signing key', () => {
    expect(() => generateSpMetadata({ ...base, sign: { privateKey: 'not a key' } }))
      .to.throw(ConfigError)
      .with.property('path', 'sign.privateKey');
  });

  it('refuses an Organization without names', () => {
    expect(() => generateSpMetadata({ ...base, organization: { ...organization, names: [] } }))
      .to.throw(ConfigError)
      .with.property('path', 'organization');
  });

  it('refuses a negative cacheDuration', () => {
    expect(() => generateSpMetadata({ ...base, cacheDurationMs: -1 }))
      .to.throw(ConfigError)
      .with.property('path', 'cacheDurationMs');
  });
});

describe('generateIdpMetadata', () => {
  const idpKey = testKey('idp-current');
  const clock = testClock();
  const base = {
    entityId: 'https://idp.example.com/saml/metadata',
    singleSignOnServiceUrl: 'https://idp.example.com/saml/sso',
    certificates: [idpKey.certPem],
  };
  after(removeTempDirs);

  it('lists SSO for Redirect and POST, and keys for both uses', () => {
    const idp = getIdpDescriptor(singleEntity(parseMetadata(generateIdpMetadata(base), { clock })));
    expect(idp.singleSignOnServices.map((sso) => sso.binding)).to.deep.equal([BINDING.redirect, BINDING.post]);
    expect(idp.wantAuthnRequestsSigned).to.equal(false);
    expect(idp.signingKeys).to.have.length(1);
    expect(idp.encryptionKeys).to.have.length(1);
    expect(idp.singleLogoutServices).to.deep.equal([]);
    expect(idp.artifactResolutionServices).to.deep.equal([]);
  });

  it('parses back to the values it was given', () => {
    const xml = generateIdpMetadata({
      ...base,
      singleSignOnServiceBindings: [BINDING.post],
      singleLogoutServiceUrl: 'https://idp.example.com/saml/slo',
      artifactResolutionServiceUrl: 'https://idp.example.com/saml/artifact',
      wantAuthnRequestsSigned: true,
      nameIdFormats: [NAMEID_FORMAT.emailAddress],
      organization,
      contacts,
    });
    const entity = singleEntity(parseMetadata(xml, { clock }));
    const idp = getIdpDescriptor(entity);
    expect(idp.wantAuthnRequestsSigned).to.equal(true);
    expect(idp.singleSignOnServices).to.deep.equal([{ binding: BINDING.post, location: base.singleSignOnServiceUrl }]);
    expect(idp.singleLogoutServices.map((slo) => slo.binding)).to.deep.equal([BINDING.redirect, BINDING.post]);
    expect(idp.artifactResolutionServices).to.deep.equal([{ binding: BINDING.soap, location: 'https://idp.example.com/saml/artifact', index: 0, isDefault: true }]);
    expect(idp.nameIdFormats).to.deep.equal([NAMEID_FORMAT.emailAddress]);
    expect(entity.organization).to.deep.equal(organization);
    expect(entity.contacts).to.deep.equal(contacts);
  });

  it('signs metadata that xmlsec1 verifies', () => {
    const xml = generateIdpMetadata({ ...base, sign: { privateKey: idpKey.privateKey, certificate: idpKey.certBase64 } });
    expect(xmlsecVerifies(xml, idpKey.certPem, 'EntityDescriptor')).to.equal(true);
    expect(parseMetadata(xml, { signingCertificates: [idpKey.certPem], clock }).signed).to.equal(true);
  });

  it('refuses an SSO URL that is not http(s)', () => {
    expect(() => generateIdpMetadata({ ...base, singleSignOnServiceUrl: 'ftp://idp.example.com/sso' }))
      .to.throw(ConfigError)
      .with.property('path', 'singleSignOnServiceUrl');
  });

  it('refuses an artifact resolution URL that is not http(s)', () => {
    expect(() => generateIdpMetadata({ ...base, artifactResolutionServiceUrl: 'not a url' }))
      .to.throw(ConfigError)
      .with.property('path', 'artifactResolutionServiceUrl');
  });
});
