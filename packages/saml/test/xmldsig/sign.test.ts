import { expect } from 'chai';
import {
  MellonError, buildAuthnRequest, buildLogoutRequest, buildLogoutResponse, buildArtifactResolve, buildDocument, decryptElement, encryptElement,
  findSignature, parseXml, serializeXml, signElement, verifyEnvelopedSignature, x, NS, BLOCK_ENCRYPTION, KEY_TRANSPORT,
} from '@koa-mellon/saml';
import { testKeyPair } from '../../../../test/helpers/keys.js';
import { requireXmlsec, xmlsecDecrypt, xmlsecVerify } from '../../../../test/helpers/xmlsec.js';

const idp = () => testKeyPair('idp');

describe('signElement', () => {
  before(requireXmlsec);

  const messages = {
    AuthnRequest: () => buildAuthnRequest({ issuer: 'https://sp.test', destination: 'https://idp.test/sso', forceAuthn: true, nameIdPolicy: { format: NS.saml, allowCreate: true }, requestedAuthnContext: { classRefs: ['urn:x'] }, scoping: { idpList: [{ providerId: 'https://idp.test' }], proxyCount: 1 } }).document,
    LogoutRequest: () => buildLogoutRequest({ issuer: 'https://sp.test', destination: 'https://idp.test/slo', nameId: { value: 'alice', format: 'urn:f' }, sessionIndexes: ['s1', 's2'] }).document,
    LogoutResponse: () => buildLogoutResponse({ issuer: 'https://sp.test', destination: 'https://idp.test/slo', inResponseTo: '_abc' }).document,
    ArtifactResolve: () => buildArtifactResolve({ issuer: 'https://sp.test', destination: 'https://idp.test/ars', artifact: 'AAQAAA==' }).document,
  };

  for (const [name, build] of Object.entries(messages)) {
    it(`signs a ${name} that xmlsec1 and we verify`, () => {
      const document = build();
      signElement(document.documentElement, { privateKey: idp().privateKey, certificate: idp().certBase64 });
      const xml = serializeXml(document);
      expect(xmlsecVerify(xml, idp().certPath)).to.equal(true);
      const parsed = parseXml(xml);
      expect(verifyEnvelopedSignature(parsed.root, findSignature(parsed.root) as Element, { keys: [idp().publicKey], ids: parsed.ids })).to.equal(parsed.root);
    });
  }

  it('places the signature right after Issuer', () => {
    const { document } = buildLogoutResponse({ issuer: 'i', destination: 'd', inResponseTo: '_a' });
    signElement(document.documentElement, { privateKey: idp().privateKey });
    expect((document.documentElement.firstChild?.nextSibling as Element).localName).to.equal('Signature');
  });

  it('signs with ECDSA P-256, verified by xmlsec1', () => {
    const ec = testKeyPair('idp-ec', 'ec');
    const { document } = buildLogoutResponse({ issuer: 'i', destination: 'd', inResponseTo: '_a' });
    signElement(document.documentElement, { privateKey: ec.privateKey });
    expect(xmlsecVerify(serializeXml(document), ec.certPath)).to.equal(true);
  });

  it('refuses an element without ID', () => {
    const document = buildDocument(x('saml:Issuer', {}, 'i'));
    expect(() => signElement(document.documentElement, { privateKey: idp().privateKey })).to.throw(MellonError).with.property('code', 'MESSAGE_INVALID');
  });

  it('refuses an algorithm that does not fit the key', () => {
    const { document } = buildLogoutResponse({ issuer: 'i', destination: 'd', inResponseTo: '_a' });
    expect(() => signElement(document.documentElement, { privateKey: idp().privateKey, signatureAlgorithm: 'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256' }))
      .to.throw(MellonError).with.property('code', 'SIGNATURE_ALGORITHM_FORBIDDEN');
  });
});

describe('encryptElement / decryptElement', () => {
  before(requireXmlsec);

  function encryptedAssertion(block: string, transport?: typeof KEY_TRANSPORT.rsaOaepMgf1p | typeof KEY_TRANSPORT.rsaOaep): string {
    const assertion = buildDocument(x('saml:Assertion', { ID: '_a', Version: '2.0' }, x('saml:Issuer', {}, 'idp'), x('saml:AttributeValue', { 'xsi:type': 'xs:string' }, 'v')), ['xs']);
    const outer = buildDocument(x('samlp:Response', { ID: '_r' }, x('saml:EncryptedAssertion')));
    const data = encryptElement(outer, assertion.documentElement, { publicKey: testKeyPair('sp').publicKey, blockAlgorithm: block, keyTransport: transport });
    outer.documentElement.firstChild?.appendChild(data);
    return serializeXml(outer);
  }

  for (const block of [BLOCK_ENCRYPTION.aes256Gcm, BLOCK_ENCRYPTION.aes128Gcm, BLOCK_ENCRYPTION.aes256Cbc, BLOCK_ENCRYPTION.aes128Cbc]) {
    it(`encrypts with ${block.split('#')[1]} so that xmlsec1 decrypts it, and so do we`, () => {
      const xml = encryptedAssertion(block);
      expect(xmlsecDecrypt(xml, testKeyPair('sp').keyPath)).to.include('<saml:AttributeValue xsi:type="xs:string">v</saml:AttributeValue>');
      const container = parseXml(xml).root.firstChild as Element;
      const plain = decryptElement(container, { keys: [testKeyPair('other').privateKey, testKeyPair('sp').privateKey] });
      expect(plain.root.localName).to.equal('Assertion');
      expect(plain.ids.get('_a')).to.equal(plain.root);
    });
  }

  it('decrypts xmlenc11 rsa-oaep with SHA-1 MGF', () => {
    const container = parseXml(encryptedAssertion(BLOCK_ENCRYPTION.aes256Gcm, KEY_TRANSPORT.rsaOaep)).root.firstChild as Element;
    expect(decryptElement(container, { keys: [testKeyPair('sp').privateKey] }).root.localName).to.equal('Assertion');
  });

  it('refuses a block cipher outside a narrowed allow-list', () => {
    const container = parseXml(encryptedAssertion(BLOCK_ENCRYPTION.aes128Cbc)).root.firstChild as Element;
    expect(() => decryptElement(container, { keys: [testKeyPair('sp').privateKey], policy: { encryptionAlgorithms: [BLOCK_ENCRYPTION.aes256Gcm] } }))
      .to.throw(MellonError).with.property('code', 'ENCRYPTION_ALGORITHM_FORBIDDEN');
  });

  it('fails uniformly without the right key', () => {
    const container = parseXml(encryptedAssertion(BLOCK_ENCRYPTION.aes256Gcm)).root.firstChild as Element;
    expect(() => decryptElement(container, { keys: [testKeyPair('other').privateKey] })).to.throw(MellonError).with.property('code', 'DECRYPTION_FAILED');
  });
});
