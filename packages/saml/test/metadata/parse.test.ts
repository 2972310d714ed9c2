import { expect } from 'chai';
import { BINDING, MellonError } from '../../src/index.js';
import { parseMetadata } from '../../src/metadata/parse.js';
import { testClock, testKey } from './helpers.js';

const MD = 'xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#"';
const SAML2 = 'urn:oasis:names:tc:SAML:2.0:protocol';

function idp(entityId: string, attributes = '', inner = ''): string {
  return `<md:EntityDescriptor ${MD} entityID="${entityId}" ${attributes}><md:IDPSSODescriptor protocolSupportEnumeration="${SAML2}">${inner}<md:SingleSignOnService Binding="${BINDING.redirect}" Location="https://idp.example.com/sso"/></md:IDPSSODescriptor></md:EntityDescriptor>`;
}

function sp(inner: string, attributes = ''): string {
  return `<md:EntityDescriptor ${MD} entityID="https://sp.example.com"><md:SPSSODescriptor protocolSupportEnumeration="${SAML2}" ${attributes}>${inner}</md:SPSSODescriptor></md:EntityDescriptor>`;
}

const ACS = `<md:AssertionConsumerService Binding="${BINDING.post}" Location="https://sp.example.com/acs" index="0"/>`;

describe('parseMetadata', () => {
  const clock = testClock();
  const refuses = (xml: string, code: string, options: Parameters<typeof parseMetadata>[1] = {}): void => {
    expect(() => parseMetadata(xml, { clock, ...options }))
      .to.throw(MellonError)
      .with.property('code', code);
  };

  it('indexes a single EntityDescriptor by its entityID', () => {
    const metadata = parseMetadata(idp('https://idp.example.com'), { clock });
    expect([...metadata.entities.keys()]).to.deep.equal(['https://idp.example.com']);
    expect(metadata.signed).to.equal(false);
  });

  it('reads root validUntil and cacheDuration', () => {
    const metadata = parseMetadata(idp('https://idp.example.com', 'validUntil="2030-02-01T00:00:00Z" cacheDuration="P1DT2H"'), { clock });
    expect(metadata.validUntil?.toISOString()).to.equal('2030-02-01T00:00:00.000Z');
    expect(metadata.cacheDurationMs).to.equal(26 * 3600_000);
  });

  it('accepts a UTF-8 byte order mark', () => {
    expect(parseMetadata(`\uFEFF${idp('https://idp.example.com')}`, { clock }).entities.size).to.equal(1);
  });

  it('reads ResponseLocation and tells an absent isDefault from false', () => {
    const inner = `<md:SingleLogoutService Binding="${BINDING.redirect}" Location="https://sp.example.com/slo" ResponseLocation="https://sp.example.com/slo-response"/>${ACS}<md:AssertionConsumerService Binding="${BINDING.artifact}" Location="https://sp.example.com/acs" index="1" isDefault="0"/>`;
    const role = parseMetadata(sp(inner, 'AuthnRequestsSigned="1" WantAssertionsSigned="true"'), { clock }).entities.get('https://sp.example.com')?.sp;
    expect(role?.singleLogoutServices[0]).to.deep.equal({ binding: BINDING.redirect, location: 'https://sp.example.com/slo', responseLocation: 'https://sp.example.com/slo-response' });
    expect(role?.assertionConsumerServices.map((acs) => acs.isDefault)).to.deep.equal([undefined, false]);
    expect(role).to.include({ authnRequestsSigned: true, wantAssertionsSigned: true });
  });

  it('ignores roles that do not support SAML 2.0 and unknown extensions', () => {
    const xml = `<md:EntityDescriptor ${MD} entityID="https://idp.example.com"><md:Extensions><foo:Bar xmlns:foo="urn:example:foo"><foo:Baz/></foo:Bar></md:Extensions><md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:1.1:protocol"><md:SingleSignOnService Binding="x" Location="https://saml1.example.com"/></md:IDPSSODescriptor></md:EntityDescriptor>`;
    expect(parseMetadata(xml, { clock }).entities.get('https://idp.example.com')?.idp).to.equal(undefined);
  });

  it('keeps the codes of the hardened parser (DOCTYPE)', () => {
    refuses(`<!DOCTYPE x [<!ENTITY e "e">]>${idp('https://idp.example.com')}`, 'XML_DOCTYPE_FORBIDDEN');
  });

  it('refuses documents over maxBytes', () => {
    refuses(idp('https://idp.example.com'), 'INPUT_TOO_LARGE', { maxBytes: 100 });
  });

  it('refuses nesting past maxDepth', () => {
    refuses(idp('https://idp.example.com'), 'XML_TOO_DEEP', { maxDepth: 2 });
  });

  it('refuses a root that is not metadata (an HTML page served as XML)', () => {
    refuses('<html><body>Sign in</body></html>', 'METADATA_INVALID');
  });

  it('refuses an EntityDescriptor without entityID', () => {
    refuses(idp('').replace('entityID=""', ''), 'METADATA_INVALID');
  });

  it('refuses an entityID over 1024 characters', () => {
    refuses(idp(`https://idp.example.com/${'a'.repeat(1024)}`), 'METADATA_INVALID');
  });

  it('refuses an aggregate without entities', () => {
    refuses(`<md:EntitiesDescriptor ${MD}/>`, 'METADATA_INVALID');
  });

  it('refuses an entityID that appears twice in an aggregate', () => {
    const twice = `<md:EntitiesDescriptor ${MD}>${idp('https://a.example.com')}<md:EntitiesDescriptor>${idp('https://a.example.com')}</md:EntitiesDescriptor></md:EntitiesDescriptor>`;
    refuses(twice, 'METADATA_INVALID');
  });

  it('refuses a role without protocolSupportEnumeration', () => {
    refuses(idp('https://idp.example.com').replace(`protocolSupportEnumeration="${SAML2}"`, ''), 'METADATA_INVALID');
  });

  it('refuses an IDPSSODescriptor without SingleSignOnService', () => {
    const xml = `<md:EntityDescriptor ${MD} entityID="https://idp.example.com"><md:IDPSSODescriptor protocolSupportEnumeration="${SAML2}"/></md:EntityDescriptor>`;
    refuses(xml, 'METADATA_INVALID');
  });

  it('refuses an SPSSODescriptor without AssertionConsumerService', () => {
    refuses(sp(''), 'METADATA_INVALID');
  });

  it('refuses a malformed boolean', () => {
    refuses(sp(ACS, 'WantAssertionsSigned="yes"'), 'METADATA_INVALID');
  });

  it('refuses an index that is not an unsignedShort', () => {
    refuses(sp(ACS.replace('index="0"', 'index="70000"')), 'METADATA_INVALID');
  });

  it('refuses two endpoints with one index', () => {
    refuses(sp(ACS + ACS), 'METADATA_INVALID');
  });

  it('refuses an endpoint Location that is not http(s)', () => {
    refuses(sp(ACS.replace('https://sp.example.com/acs', 'javascript:alert(1)')), 'METADATA_INVALID');
  });

  it('refuses an endpoint without Binding', () => {
    refuses(sp(ACS.replace(`Binding="${BINDING.post}"`, '')), 'METADATA_INVALID');
  });

  it('refuses a KeyDescriptor use other than signing or encryption', () => {
    const key = testKey('parse-key');
    const inner = `<md:KeyDescriptor use="both"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${key.certBase64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`;
    refuses(idp('https://idp.example.com', '', inner), 'METADATA_INVALID');
  });

  it('refuses a certificate that does not load (KEY_INVALID)', () => {
    const inner = '<md:KeyDescriptor><ds:KeyInfo><ds:X509Data><ds:X509Certificate>AAAA</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>';
    refuses(idp('https://idp.example.com', '', inner), 'KEY_INVALID');
  });

  it('refuses a certificate split by a comment', () => {
    const key = testKey('parse-key');
    const split = `${key.certBase64.slice(0, 10)}<!---->${key.certBase64.slice(10)}`;
    const inner = `<md:KeyDescriptor><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${split}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`;
    refuses(idp('https://idp.example.com', '', inner), 'XML_SPLIT_VALUE');
  });

  it('refuses a validUntil that is not a UTC instant', () => {
    refuses(idp('https://idp.example.com', 'validUntil="2030-02-01T00:00:00+02:00"'), 'METADATA_INVALID');
  });

  it('refuses a malformed cacheDuration', () => {
    refuses(idp('https://idp.example.com', 'cacheDuration="PT"'), 'METADATA_INVALID');
  });

  it('refuses metadata past its validUntil', () => {
    refuses(idp('https://idp.example.com', 'validUntil="2029-12-31T23:59:59Z"'), 'METADATA_EXPIRED');
  });

  it('refuses metadata whose role is past its validUntil', () => {
    const xml = idp('https://idp.example.com').replace('<md:IDPSSODescriptor ', '<md:IDPSSODescriptor validUntil="2029-01-01T00:00:00Z" ');
    refuses(xml, 'METADATA_EXPIRED');
  });

  it('refuses an aggregate whose every entity is past validUntil (nested validUntil)', () => {
    const xml = `<md:EntitiesDescriptor ${MD}><md:EntitiesDescriptor validUntil="2029-01-01T00:00:00Z">${idp('https://a.example.com')}</md:EntitiesDescriptor></md:EntitiesDescriptor>`;
    refuses(xml, 'METADATA_EXPIRED');
  });

  it('refuses a document without the expected entityID', () => {
    refuses(idp('https://idp.example.com'), 'ENTITY_NOT_FOUND', { expectedEntityId: 'https://other.example.com' });
  });

  it('refuses an unloadable signing certificate option with KEY_INVALID', () => {
    refuses(idp('https://idp.example.com'), 'KEY_INVALID', { signingCertificates: ['not a certificate'] });
  });
});
