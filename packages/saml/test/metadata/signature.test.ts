import { expect } from 'chai';
import { BINDING, MellonError, SIGNATURE_ALGORITHM, DIGEST_ALGORITHM } from '../../src/index.js';
import { parseMetadata } from '../../src/metadata/parse.js';
import { parseXml } from '../../src/xml/parse.js';
import { serializeXml } from '../../src/xml/build.js';
import { signElement } from '../../src/xmldsig/sign.js';
import { signXml, testClock, testKey } from './helpers.js';

const MD = 'xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"';
const entity = (id: string, entityId: string): string =>
  `<md:EntityDescriptor ${MD} ID="${id}" entityID="${entityId}"><md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:SingleSignOnService Binding="${BINDING.redirect}" Location="https://idp.example.com/sso"/></md:IDPSSODescriptor></md:EntityDescriptor>`;
const aggregate = (inner: string): string => `<md:EntitiesDescriptor ${MD} ID="_agg" Name="urn:test">${inner}</md:EntitiesDescriptor>`;

describe('parseMetadata with signingCertificates (signed metadata)', () => {
  const publisher = testKey('md-publisher');
  const next = testKey('md-publisher-next');
  const attacker = testKey('md-attacker');
  const clock = testClock();
  const options = { signingCertificates: [publisher.certPem], clock };

  it('verifies the root signature of an EntityDescriptor', () => {
    expect(parseMetadata(signXml(entity('_e', 'https://idp.example.com'), publisher), options).signed).to.equal(true);
  });

  it('verifies the root signature of an aggregate', () => {
    const xml = signXml(aggregate(entity('_a', 'https://a.example.com') + entity('_b', 'https://b.example.com')), publisher);
    expect(parseMetadata(xml, options).entities.size).to.equal(2);
  });

  it('accepts any of several configured certificates (publisher key rollover)', () => {
    const xml = signXml(entity('_e', 'https://idp.example.com'), next);
    expect(parseMetadata(xml, { signingCertificates: [publisher.certPem, next.certBase64], clock }).signed).to.equal(true);
  });

  it('does not look at signatures when no certificate is configured', () => {
    expect(parseMetadata(signXml(entity('_e', 'https://idp.example.com'), attacker), { clock }).signed).to.equal(false);
  });

  it('refuses unsigned metadata when certificates are configured', () => {
    expect(() => parseMetadata(entity('_e', 'https://idp.example.com'), options))
      .to.throw(MellonError)
      .with.property('code', 'SIGNATURE_MISSING');
  });

  it('refuses metadata signed with another key', () => {
    expect(() => parseMetadata(signXml(entity('_e', 'https://idp.example.com'), attacker), options))
      .to.throw(MellonError)
      .with.property('code', 'SIGNATURE_INVALID');
  });

  it('refuses metadata changed after signing', () => {
    const xml = signXml(entity('_e', 'https://idp.example.com'), publisher).replace('https://idp.example.com/sso', 'https://evil.example.com/sso');
    expect(() => parseMetadata(xml, options))
      .to.throw(MellonError)
      .with.property('code', 'DIGEST_MISMATCH');
  });

  it('refuses an aggregate whose only signature is on a nested entity', () => {
    const parsed = parseXml(aggregate(entity('_a', 'https://a.example.com')));
    signElement(parsed.root.firstChild as Element, { privateKey: publisher.privateKey });
    expect(() => parseMetadata(serializeXml(parsed.document), options))
      .to.throw(MellonError)
      .with.property('code', 'SIGNATURE_MISSING');
  });

  it('refuses a root signature that references a nested element (wrapping)', () => {
    const parsed = parseXml(aggregate(entity('_a', 'https://a.example.com')));
    const nested = parsed.root.firstChild as Element;
    const signature = signElement(nested, { privateKey: publisher.privateKey });
    parsed.root.insertBefore(signature, nested);
    expect(() => parseMetadata(serializeXml(parsed.document), options))
      .to.throw(MellonError)
      .with.property('code', 'SIGNATURE_REFERENCE_INVALID');
  });

  it('refuses rsa-sha1 by default and accepts it under allowSha1', () => {
    const parsed = parseXml(entity('_e', 'https://idp.example.com'));
    signElement(parsed.root, { privateKey: publisher.privateKey, signatureAlgorithm: SIGNATURE_ALGORITHM.rsaSha1, digestAlgorithm: DIGEST_ALGORITHM.sha1 });
    const xml = serializeXml(parsed.document);
    expect(() => parseMetadata(xml, options))
      .to.throw(MellonError)
      .with.property('code', 'SIGNATURE_ALGORITHM_FORBIDDEN');
    expect(parseMetadata(xml, { ...options, policy: { allowSha1: true } }).signed).to.equal(true);
  });

  it('refuses an empty list of certificates: nothing could verify', () => {
    expect(() => parseMetadata(signXml(entity('_e', 'https://idp.example.com'), publisher), { signingCertificates: [], clock }))
      .to.throw(MellonError)
      .with.property('code', 'NO_TRUSTED_KEY');
  });
});
