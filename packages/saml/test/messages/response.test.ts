import { expect, use } from 'chai';
import chaiAsPromised from 'chai-as-promised';
import type { KeyObject } from 'node:crypto';
import { MellonError, StatusError, loadPublicKey, validateResponse } from '@koa-mellon/saml';
import { testKeyPair } from '../../../../test/helpers/keys.js';
import { requireXmlsec } from '../../../../test/helpers/xmlsec.js';
import { ACS_URL, IDP_ENTITY_ID, REQUEST_ID, xmlsecResponse, type ResponseFixture } from '../../../../test/helpers/response-fixture.js';
import { memoryReplayCache, memoryRequestIds, validationOptions } from '../../../../test/helpers/validation.js';

use(chaiAsPromised);

const NOW = Date.parse('2026-11-24T12:00:00Z');
const clock = () => NOW;
const fixture = (f: ResponseFixture = {}) => xmlsecResponse({ now: NOW, ...f });

async function rejectsWith(xml: string, code: string, overrides = {}): Promise<void> {
  await expect(validateResponse(xml, validationOptions({ clock, ...overrides })))
    .to.be.rejectedWith(MellonError)
    .and.eventually.have.property('code', code);
}

describe('validateResponse', () => {
  before(requireXmlsec);

  describe('accepts what xmlsec1 signed and encrypted', () => {
    it('an assertion-signed response', async () => {
      const assertion = await validateResponse(fixture(), validationOptions({ clock }));
      expect(assertion.issuer).to.equal(IDP_ENTITY_ID);
      expect(assertion.nameId).to.equal('alice-1234');
      expect(assertion.nameIdFormat).to.equal('urn:oasis:names:tc:SAML:2.0:nameid-format:persistent');
      expect(assertion.sessionIndex).to.equal('_session42');
      expect(assertion.inResponseTo).to.equal(REQUEST_ID);
      expect(assertion.authnContextClassRef).to.equal('urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport');
      expect({ ...assertion.attributes }).to.deep.equal({ mail: ['alice@example.test'], groups: ['staff', 'admins'] });
      expect(assertion.attributeDetails[0]).to.include({ name: 'mail', nameFormat: 'urn:oasis:names:tc:SAML:2.0:attrname-format:basic' });
      expect(assertion.sessionNotOnOrAfter?.getTime()).to.equal(NOW + 8 * 3600_000);
    });

    it('a response signed twice (response and assertion)', async () => {
      const assertion = await validateResponse(fixture({ signResponse: true }), validationOptions({ clock }));
      expect(assertion.nameId).to.equal('alice-1234');
    });

    for (const cipher of ['aes128-cbc', 'aes256-cbc', 'aes128-gcm', 'aes256-gcm'] as const) {
      it(`an assertion signed then encrypted with ${cipher} + rsa-oaep-mgf1p`, async () => {
        const assertion = await validateResponse(fixture({ encrypt: cipher, signResponse: true }), validationOptions({ clock }));
        expect(assertion.attributes['mail']).to.deep.equal(['alice@example.test']);
      });
    }

    it('a response-only signature, by default (the Response signature covers the assertion)', async () => {
      const xml = fixture({ signAssertion: false, signResponse: true });
      const assertion = await validateResponse(xml, validationOptions({ clock }));
      expect(assertion.nameId).to.equal('alice-1234');
    });

    it('an IdP-initiated response when unsolicited responses are allowed', async () => {
      const xml = fixture({ inResponseTo: null });
      const assertion = await validateResponse(xml, validationOptions({ clock, allowUnsolicited: true }));
      expect(assertion.inResponseTo).to.equal(undefined);
    });

    it('with a second trusted key during IdP key rollover', async () => {
      const keys = [testKeyPair('idp-next').publicKey, testKeyPair('idp').publicKey];
      const assertion = await validateResponse(fixture(), validationOptions({ clock, signingKeys: keys }));
      expect(assertion.nameId).to.equal('alice-1234');
    });

    it('with signingKeys as loadPublicKey returns them ({ key, certificate }), as the README once suggested', async () => {
      // A JavaScript caller can hand over the whole result; the type says KeyObject, the cast plays that caller.
      const keys = [loadPublicKey(testKeyPair('idp').certPem)] as unknown as KeyObject[];
      expect((await validateResponse(fixture(), validationOptions({ clock, signingKeys: keys }))).nameId).to.equal('alice-1234');
    });

    it('within the clock skew of NotBefore', async () => {
      await validateResponse(fixture({ notBefore: NOW + 60_000 }), validationOptions({ clock, clockSkew: 120 }));
    });
  });

  describe('refuses', () => {
    it('a response whose assertion signature is required (wantAssertionsSigned) but absent', async () => {
      await rejectsWith(fixture({ signAssertion: false, signResponse: true }), 'SIGNATURE_MISSING', { wantAssertionsSigned: true });
    });
    it('signingKeys that are not keys (a PEM string): CONFIG_INVALID, not a silent "no trusted key"', async () => {
      // The cast plays a JavaScript caller passing PEM text where KeyObjects belong.
      await rejectsWith(fixture(), 'CONFIG_INVALID', { signingKeys: [testKeyPair('idp').certPem] as unknown as KeyObject[] });
    });
    it('a response signed by nobody', async () => {
      await rejectsWith(fixture({ signAssertion: false }), 'SIGNATURE_MISSING', { wantAssertionsSigned: false });
    });
    it('a response signed by a key we do not trust', async () => {
      await rejectsWith(fixture({ signer: 'attacker' }), 'SIGNATURE_INVALID');
    });
    it('an unsigned response when response signatures are wanted', async () => {
      await rejectsWith(fixture(), 'SIGNATURE_MISSING', { wantResponseSigned: true });
    });
    it('a non-success status, carrying its codes', async () => {
      const err = await validateResponse(fixture({ statusCode: 'urn:oasis:names:tc:SAML:2.0:status:Responder' }), validationOptions({ clock })).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(StatusError).with.property('code', 'STATUS_NOT_SUCCESS');
      expect((err as StatusError).statusCodes).to.deep.equal(['urn:oasis:names:tc:SAML:2.0:status:Responder']);
    });
    it('a wrong Destination', async () => {
      await rejectsWith(fixture({ destination: 'https://evil.test/acs' }), 'DESTINATION_MISMATCH');
    });
    it('a signed response without Destination', async () => {
      await rejectsWith(fixture({ destination: null, signResponse: true }), 'DESTINATION_MISMATCH');
    });
    it('a wrong Recipient', async () => {
      await rejectsWith(fixture({ recipient: 'https://other-sp.test/acs' }), 'RECIPIENT_MISMATCH');
    });
    it('a bearer confirmation without NotOnOrAfter', async () => {
      await rejectsWith(fixture({ confirmationNotOnOrAfter: null }), 'SUBJECT_CONFIRMATION_INVALID');
    });
    it('a wrong Audience', async () => {
      await rejectsWith(fixture({ audience: 'https://other-sp.test' }), 'AUDIENCE_MISMATCH');
    });
    it('no AudienceRestriction at all', async () => {
      await rejectsWith(fixture({ audience: null }), 'AUDIENCE_MISMATCH');
    });
    it('a wrong Issuer', async () => {
      await rejectsWith(fixture({ issuer: 'https://evil-idp.test' }), 'ISSUER_MISMATCH');
    });
    it('an assertion Issuer differing from the expected IdP', async () => {
      await rejectsWith(fixture({ assertionIssuer: 'https://evil-idp.test' }), 'ISSUER_MISMATCH');
    });
    it('an InResponseTo we never sent', async () => {
      await rejectsWith(fixture({ inResponseTo: '_forged' }), 'IN_RESPONSE_TO_MISMATCH');
    });
    it('an InResponseTo used once already', async () => {
      const requestIds = memoryRequestIds(REQUEST_ID);
      await validateResponse(fixture(), validationOptions({ clock, requestIds }));
      await rejectsWith(fixture(), 'IN_RESPONSE_TO_MISMATCH', { requestIds });
    });
    it('an unsolicited response by default', async () => {
      await rejectsWith(fixture({ inResponseTo: null }), 'UNSOLICITED_RESPONSE');
    });
    it('an expired assertion', async () => {
      await rejectsWith(fixture({ now: NOW - 3600_000 }), 'ASSERTION_EXPIRED');
    });
    it('an assertion not yet valid', async () => {
      await rejectsWith(fixture({ notBefore: NOW + 600_000 }), 'ASSERTION_NOT_YET_VALID');
    });
    it('an ended IdP session', async () => {
      await rejectsWith(fixture({ sessionNotOnOrAfter: NOW - 600_000 }), 'ASSERTION_EXPIRED');
    });
    it('a replayed assertion', async () => {
      const replayCache = memoryReplayCache();
      const xml = fixture({ inResponseTo: null });
      await validateResponse(xml, validationOptions({ clock, replayCache, allowUnsolicited: true }));
      await rejectsWith(xml, 'REPLAYED_ASSERTION', { replayCache, allowUnsolicited: true });
      expect(replayCache.seen.size).to.equal(1);
    });
    it('an encrypted assertion we have no key for', async () => {
      await rejectsWith(fixture({ encrypt: 'aes256-gcm' }), 'DECRYPTION_FAILED', { sp: { entityId: 'https://sp.example.test/metadata', acsUrl: ACS_URL, decryptionKeys: [testKeyPair('other-sp').privateKey] } });
    });
    it('rsa-1_5 key transport unless allowed', async () => {
      await rejectsWith(fixture({ encrypt: 'aes256-cbc', keyTransport: 'rsa-1_5' }), 'ENCRYPTION_ALGORITHM_FORBIDDEN');
    });
    it('non-XML input', async () => {
      await rejectsWith('this is not xml', 'XML_INVALID');
    });
    it('oversized input, before parsing', async () => {
      await rejectsWith(`<a>${'x'.repeat(300 * 1024)}</a>`, 'INPUT_TOO_LARGE');
    });
    it('a message that is not a Response', async () => {
      await rejectsWith('<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_x" Version="2.0" IssueInstant="2026-11-24T12:00:00Z"/>', 'MESSAGE_TYPE_UNEXPECTED');
    });
  });

  it('accepts rsa-1_5 key transport when the policy allows it', async () => {
    const assertion = await validateResponse(fixture({ encrypt: 'aes256-cbc', keyTransport: 'rsa-1_5' }), validationOptions({ clock, policy: { allowRsa15KeyTransport: true } }));
    expect(assertion.nameId).to.equal('alice-1234');
  });
});
