import { expect } from 'chai';
import { redactSamlMessage } from '../../src/trace/redact.js';

const RESPONSE = [
  '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" Destination="https://sp/login/">',
  '<!-- alice@example.test --><saml:Issuer>https://idp</saml:Issuer>',
  '<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo><ds:Reference><ds:DigestValue>ZGlnZXN0</ds:DigestValue></ds:Reference></ds:SignedInfo>',
  '<ds:SignatureValue>c2lnbmF0dXJl</ds:SignatureValue><ds:KeyInfo><ds:X509Data><ds:X509Certificate>Y2VydA==</ds:X509Certificate></ds:X509Data></ds:KeyInfo></ds:Signature>',
  '<saml:Assertion><saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">alice-1234</saml:NameID></saml:Subject>',
  '<saml:AuthnStatement><saml:SubjectLocality Address="203.0.113.7" DNSName="alice-pc.example.test"/></saml:AuthnStatement>',
  '<saml:AttributeStatement><saml:Attribute Name="mail"><saml:AttributeValue>alice@example.test</saml:AttributeValue><saml:AttributeValue><![CDATA[bob@example.test]]></saml:AttributeValue></saml:Attribute></saml:AttributeStatement>',
  '</saml:Assertion><xenc:CipherValue xmlns:xenc="http://www.w3.org/2001/04/xmlenc#">Y2lwaGVy</xenc:CipherValue></samlp:Response>',
].join('');
const PERSONAL = ['alice-1234', 'alice@example.test', 'bob@example.test', '203.0.113.7', 'alice-pc.example.test'];
const SECRETS = ['ZGlnZXN0', 'c2lnbmF0dXJl', 'Y2VydA==', 'Y2lwaGVy'];

describe('redactSamlMessage', () => {
  it("'personal' blanks NameID, attribute values, the subject's address, and secrets; keeps the protocol fields", () => {
    const out = redactSamlMessage(RESPONSE, 'personal');
    for (const value of [...PERSONAL, ...SECRETS]) expect(out).to.not.include(value);
    expect(out).to.include('Destination="https://sp/login/"').and.include('<saml:Issuer>https://idp</saml:Issuer>').and.include('Name="mail"');
    expect(out).to.include('Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">[redacted]</saml:NameID>');
  });

  it("'secrets' keeps NameID and attribute values (outside CDATA), never signature, digest, certificate or ciphertext", () => {
    const out = redactSamlMessage(RESPONSE, 'secrets');
    expect(out).to.include('alice-1234').and.include('<saml:AttributeValue>alice@example.test</saml:AttributeValue>');
    for (const value of SECRETS) expect(out).to.not.include(value);
  });

  it('blanks comments and CDATA, where markup without a closing tag could hide a value', () => {
    const out = redactSamlMessage('<r><!-- <saml:NameID>carol --><x><![CDATA[<saml:AttributeValue>dave]]></x></r>', 'secrets');
    expect(out).to.equal('<r><!--[redacted]--><x><![CDATA[[redacted]]]></x></r>');
  });

  it('cuts after redacting, so a cut never leaves a value whose closing tag was dropped', () => {
    const out = redactSamlMessage(RESPONSE, 'personal', 600);
    expect(out).to.have.length(600 + '…[truncated]'.length);
    for (const value of [...PERSONAL, ...SECRETS]) expect(out).to.not.include(value);
  });
});
