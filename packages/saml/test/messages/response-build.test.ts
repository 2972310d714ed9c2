import { expect, use } from 'chai';
import chaiAsPromised from 'chai-as-promised';
import {
  ATTRNAME_FORMAT,
  BLOCK_ENCRYPTION,
  MellonError,
  NAMEID_FORMAT,
  SIGNATURE_ALGORITHM,
  STATUS,
  StatusError,
  buildResponse,
  parseXml,
  serializeXml,
  validateResponse,
  type ResponseOptions,
} from '@koa-mellon/saml';
import { testKeyPair } from '../../../../test/helpers/keys.js';
import { requireXmlsec, xmlsecDecrypt, xmlsecVerify } from '../../../../test/helpers/xmlsec.js';
import { ACS_URL, IDP_ENTITY_ID, REQUEST_ID, SP_ENTITY_ID } from '../../../../test/helpers/response-fixture.js';
import { memoryRequestIds, validationOptions } from '../../../../test/helpers/validation.js';

use(chaiAsPromised);

const NOW = Date.parse('2026-11-24T12:00:00Z');
const clock = () => NOW;
const idp = testKeyPair('idp');
const sp = testKeyPair('sp');

const ASSERTION_SIG = "/*[local-name()='Response']/*[local-name()='Assertion']/*[local-name()='Signature']";
const RESPONSE_SIG = "/*[local-name()='Response']/*[local-name()='Signature']";
const DECRYPTED_ASSERTION_SIG = "/*[local-name()='Response']/*[local-name()='EncryptedAssertion']/*[local-name()='Assertion']/*[local-name()='Signature']";

function options(overrides: Partial<ResponseOptions> = {}): ResponseOptions {
  return {
    issuer: IDP_ENTITY_ID,
    destination: ACS_URL,
    inResponseTo: REQUEST_ID,
    assertion: {
      audience: SP_ENTITY_ID,
      nameId: { value: 'pairwise-42', format: NAMEID_FORMAT.persistent, spNameQualifier: SP_ENTITY_ID },
      authnInstant: NOW - 60_000,
      sessionIndex: '_idpsession1',
      sessionNotOnOrAfter: NOW + 8 * 3600_000,
      authnContextClassRef: 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport',
      attributes: [
        { name: 'urn:oid:0.9.2342.19200300.100.1.3', nameFormat: ATTRNAME_FORMAT.uri, friendlyName: 'mail', values: ['alice@example.test'] },
        { name: 'groups', values: ['staff', 'a<b & "c"'] },
      ],
    },
    signing: { privateKey: idp.privateKey, certificate: idp.certBase64 },
    clock,
    ...overrides,
  };
}

const build = (overrides: Partial<ResponseOptions> = {}): string => serializeXml(buildResponse(options(overrides)).document);

async function rejects(fn: () => unknown, code: string): Promise<void> {
  await expect(Promise.resolve().then(fn)).to.be.rejectedWith(MellonError).and.eventually.have.property('code', code);
}

describe('buildResponse', () => {
  before(requireXmlsec);

  describe('what validateResponse accepts', () => {
    it('a response whose assertion is signed (the default)', async () => {
      const assertion = await validateResponse(build(), validationOptions({ clock }));
      expect(assertion.issuer).to.equal(IDP_ENTITY_ID);
      expect(assertion.nameId).to.equal('pairwise-42');
      expect(assertion.nameIdFormat).to.equal(NAMEID_FORMAT.persistent);
      expect(assertion.spNameQualifier).to.equal(SP_ENTITY_ID);
      expect(assertion.sessionIndex).to.equal('_idpsession1');
      expect(assertion.inResponseTo).to.equal(REQUEST_ID);
      expect(assertion.authnInstant.getTime()).to.equal(NOW - 60_000);
      expect(assertion.sessionNotOnOrAfter?.getTime()).to.equal(NOW + 8 * 3600_000);
      expect(assertion.authnContextClassRef).to.equal('urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport');
      expect(assertion.notOnOrAfter.getTime()).to.equal(NOW + 300_000);
      expect({ ...assertion.attributes }).to.deep.equal({ 'urn:oid:0.9.2342.19200300.100.1.3': ['alice@example.test'], groups: ['staff', 'a<b & "c"'] });
      expect(assertion.attributeDetails[0]).to.deep.include({ nameFormat: ATTRNAME_FORMAT.uri, friendlyName: 'mail' });
    });

    it('a response signed twice, when the SP wants the Response signed too', async () => {
      const assertion = await validateResponse(build({ signResponse: true }), validationOptions({ clock, wantResponseSigned: true }));
      expect(assertion.nameId).to.equal('pairwise-42');
    });

    it('a response whose only signature is the Response’s', async () => {
      const xml = build({ signAssertion: false, signResponse: true });
      expect(xml.match(/<ds:Signature /g)).to.have.length(1);
      expect(xml).to.match(/<samlp:Response [^>]*><saml:Issuer>[^<]+<\/saml:Issuer><ds:Signature /);
      const assertion = await validateResponse(xml, validationOptions({ clock, wantAssertionsSigned: false }));
      expect(assertion.nameId).to.equal('pairwise-42');
    });

    it('an encrypted assertion (aes256-gcm, rsa-oaep-mgf1p by default)', async () => {
      const xml = build({ encryption: { publicKey: sp.publicKey, certificate: sp.certBase64 } });
      expect(xml).to.include('<saml:EncryptedAssertion').and.include(BLOCK_ENCRYPTION.aes256Gcm).and.include('rsa-oaep-mgf1p');
      expect(xml).to.not.include('alice@example.test');
      const assertion = await validateResponse(xml, validationOptions({ clock }));
      expect(assertion.attributes['groups']).to.deep.equal(['staff', 'a<b & "c"']);
    });

    it('an encrypted assertion inside a signed Response (sign, encrypt, sign)', async () => {
      const xml = build({ encryption: { publicKey: sp.publicKey, blockAlgorithm: BLOCK_ENCRYPTION.aes128Cbc }, signResponse: true });
      const assertion = await validateResponse(xml, validationOptions({ clock, wantResponseSigned: true }));
      expect(assertion.nameId).to.equal('pairwise-42');
    });

    it('an IdP-initiated response: no InResponseTo anywhere', async () => {
      const xml = build({ inResponseTo: undefined });
      expect(xml).to.not.include('InResponseTo');
      const assertion = await validateResponse(xml, validationOptions({ clock, allowUnsolicited: true, requestIds: memoryRequestIds() }));
      expect(assertion.inResponseTo).to.equal(undefined);
    });

    it('an assertion signed with an EC key (ecdsa-sha256)', async () => {
      const ec = testKeyPair('idp-ec', 'ec');
      const xml = build({ signing: { privateKey: ec.privateKey } });
      expect(xml).to.include(SIGNATURE_ALGORITHM.ecdsaSha256);
      const assertion = await validateResponse(xml, validationOptions({ clock, signingKeys: [ec.publicKey] }));
      expect(assertion.nameId).to.equal('pairwise-42');
    });

    it('an error response: status codes only, refused by the SP as StatusError', async () => {
      const { document, assertionId } = buildResponse({
        issuer: IDP_ENTITY_ID,
        destination: ACS_URL,
        inResponseTo: REQUEST_ID,
        status: { codes: [STATUS.responder, STATUS.noPassive], message: 'no session' },
        signing: { privateKey: idp.privateKey },
        signResponse: true,
        clock,
      });
      expect(assertionId).to.equal(undefined);
      const xml = serializeXml(document);
      expect(xml).to.not.include('Assertion');
      const refusal = validateResponse(xml, validationOptions({ clock }));
      await expect(refusal).to.be.rejectedWith(StatusError).and.eventually.have.deep.property('statusCodes', [STATUS.responder, STATUS.noPassive]);
    });
  });

  describe('what it writes', () => {
    it('the time window of saml-profiles §4.1.4.2: NotBefore 30 s back, NotOnOrAfter 5 min ahead, bearer without NotBefore', () => {
      const xml = build();
      expect(xml).to.include('NotBefore="2026-11-24T11:59:30Z" NotOnOrAfter="2026-11-24T12:05:00Z"');
      expect(xml).to.include(`<saml:SubjectConfirmationData NotOnOrAfter="2026-11-24T12:05:00Z" Recipient="${ACS_URL}" InResponseTo="${REQUEST_ID}"/>`);
      expect(xml).to.include(`Destination="${ACS_URL}" InResponseTo="${REQUEST_ID}"`);
    });

    it('a lifetime and skew of its caller’s choosing', () => {
      const xml = build({ lifetime: 60, notBeforeSkew: 0 });
      expect(xml).to.include('NotBefore="2026-11-24T12:00:00Z" NotOnOrAfter="2026-11-24T12:01:00Z"');
    });

    it('values typed xs:string, with xs and xsi declared on the assertion itself', () => {
      const parsed = parseXml(build());
      const assertion = parsed.root.lastChild as Element;
      expect(assertion.localName).to.equal('Assertion');
      expect(assertion.getAttribute('xmlns:xs')).to.equal('http://www.w3.org/2001/XMLSchema');
      expect(assertion.getAttribute('xmlns:xsi')).to.equal('http://www.w3.org/2001/XMLSchema-instance');
      expect(build()).to.include('<saml:AttributeValue xsi:type="xs:string">a&lt;b &amp; "c"</saml:AttributeValue>');
    });

    it('the signature right after the Issuer, as the schema wants', () => {
      const xml = build({ signResponse: true });
      expect(xml).to.match(/<saml:Issuer>[^<]+<\/saml:Issuer><ds:Signature[^>]*><ds:SignedInfo>/);
      expect(xml.match(/<ds:Signature /g)).to.have.length(2);
    });

    it('no AttributeStatement when nothing is released', () => {
      const base = options();
      const xml = serializeXml(buildResponse({ ...base, assertion: { ...base.assertion!, attributes: [] } }).document);
      expect(xml).to.not.include('AttributeStatement');
    });
  });

  describe('what xmlsec1 verifies', () => {
    it('the assertion signature', () => {
      expect(xmlsecVerify(build(), idp.certPath, ASSERTION_SIG)).to.equal(true);
    });

    it('both signatures of a twice-signed response', () => {
      const xml = build({ signResponse: true });
      expect(xmlsecVerify(xml, idp.certPath, RESPONSE_SIG)).to.equal(true);
      expect(xmlsecVerify(xml, idp.certPath, ASSERTION_SIG)).to.equal(true);
    });

    it('the Response signature over an EncryptedAssertion, and the assertion signature once xmlsec1 decrypts it', () => {
      const xml = build({ encryption: { publicKey: sp.publicKey, certificate: sp.certBase64 }, signResponse: true });
      expect(xmlsecVerify(xml, idp.certPath, RESPONSE_SIG)).to.equal(true);
      const decrypted = xmlsecDecrypt(xml, sp.keyPath);
      expect(decrypted).to.include('pairwise-42');
      expect(xmlsecVerify(decrypted, idp.certPath, DECRYPTED_ASSERTION_SIG)).to.equal(true);
    });

    it('a tampered assertion no longer verifies (the check is not vacuous)', () => {
      expect(xmlsecVerify(build().replace('pairwise-42', 'pairwise-43'), idp.certPath, ASSERTION_SIG)).to.equal(false);
    });
  });

  describe('refuses options that would build a message no SP accepts', () => {
    it('a success response without an assertion', async () => {
      await rejects(() => build({ assertion: undefined }), 'MESSAGE_INVALID');
    });

    it('an error response with an assertion', async () => {
      await rejects(() => build({ status: { codes: [STATUS.requester] } }), 'MESSAGE_INVALID');
    });

    it('an empty issuer or destination', async () => {
      await rejects(() => build({ issuer: '' }), 'MESSAGE_INVALID');
      await rejects(() => build({ destination: ' ' }), 'MESSAGE_INVALID');
    });

    it('an empty NameID', async () => {
      const base = options();
      await rejects(() => buildResponse({ ...base, assertion: { ...base.assertion!, nameId: { value: '' } } }), 'MESSAGE_INVALID');
    });

    it('an attribute without a name', async () => {
      const base = options();
      await rejects(() => buildResponse({ ...base, assertion: { ...base.assertion!, attributes: [{ name: '', values: ['x'] }] } }), 'MESSAGE_INVALID');
    });

    it('a non-positive lifetime', async () => {
      await rejects(() => build({ lifetime: 0 }), 'MESSAGE_INVALID');
    });

    it('a success response without a signing key', async () => {
      await rejects(() => build({ signing: undefined }), 'KEY_INVALID');
    });

    it('a success response that nothing would sign', async () => {
      await rejects(() => build({ signAssertion: false }), 'SIGNATURE_MISSING');
    });

    it('encryption to a key that is not an RSA public key', async () => {
      await rejects(() => build({ encryption: { publicKey: testKeyPair('sp-ec', 'ec').publicKey } }), 'KEY_INVALID');
    });

    it('an unknown block cipher', async () => {
      await rejects(() => build({ encryption: { publicKey: sp.publicKey, blockAlgorithm: 'http://example.test/rot13' } }), 'ENCRYPTION_ALGORITHM_FORBIDDEN');
    });

    it('a signature algorithm that does not fit the key', async () => {
      await rejects(() => build({ signing: { privateKey: idp.privateKey, signatureAlgorithm: SIGNATURE_ALGORITHM.ecdsaSha256 } }), 'SIGNATURE_ALGORITHM_FORBIDDEN');
    });
  });
});
