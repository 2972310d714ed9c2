// XML Encryption attacks: Bleichenbacher on rsa-1_5 (Jager, Schinzel, Somorovsky, ESORICS 2012),
// algorithm downgrade GCM→CBC (Jager, Paterson, Somorovsky, NDSS 2013), altered ciphertext (the
// CBC oracle of CCS 2011 needs distinguishable failures: all are DECRYPTION_FAILED), and an
// attacker encrypting their own assertion to our public key.
import { expect, use } from 'chai';
import chaiAsPromised from 'chai-as-promised';
import { MellonError, validateResponse } from '@koa-mellon/saml';
import { requireXmlsec } from '../helpers/xmlsec.js';
import { xmlsecResponse } from '../helpers/response-fixture.js';
import { validationOptions } from '../helpers/validation.js';
import { tamper, NS_URI } from '../helpers/tamper.js';

use(chaiAsPromised);
const NOW = Date.parse('2026-11-24T12:00:00Z');
const clock = () => NOW;
const XENC = 'http://www.w3.org/2001/04/xmlenc#';

async function refused(xml: string, code: string, overrides = {}): Promise<void> {
  await expect(validateResponse(xml, validationOptions({ clock, ...overrides }))).to.be.rejectedWith(MellonError).and.eventually.have.property('code', code);
}

function cipherValues(doc: Document): Element[] {
  return Array.from(doc.getElementsByTagNameNS(XENC, 'CipherValue'));
}

describe('attack: XML encryption', () => {
  before(requireXmlsec);

  it('rsa-1_5 key transport is refused by default', async () => {
    await refused(xmlsecResponse({ now: NOW, encrypt: 'aes128-cbc', keyTransport: 'rsa-1_5' }), 'ENCRYPTION_ALGORITHM_FORBIDDEN');
  });

  it('a GCM ciphertext relabelled as CBC (downgrade)', async () => {
    const xml = tamper(xmlsecResponse({ now: NOW, encrypt: 'aes128-gcm' }), (doc) => {
      const method = doc.getElementsByTagNameNS(XENC, 'EncryptionMethod')[0] as Element;
      method.setAttribute('Algorithm', `${XENC}aes128-cbc`);
    });
    await refused(xml, 'DECRYPTION_FAILED');
  });

  it('a 3DES block cipher', async () => {
    const xml = tamper(xmlsecResponse({ now: NOW, encrypt: 'aes128-cbc' }), (doc) => {
      (doc.getElementsByTagNameNS(XENC, 'EncryptionMethod')[0] as Element).setAttribute('Algorithm', `${XENC}tripledes-cbc`);
    });
    await refused(xml, 'ENCRYPTION_ALGORITHM_FORBIDDEN');
  });

  for (const [what, index] of [['content ciphertext (last block)', 1], ['wrapped key', 0]] as const) {
    it(`altered ${what}`, async () => {
      const xml = tamper(xmlsecResponse({ now: NOW, encrypt: 'aes256-cbc' }), (doc) => {
        const value = cipherValues(doc)[index] as Element;
        const bytes = Buffer.from((value.textContent ?? '').replace(/\s/g, ''), 'base64');
        bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 1;
        value.textContent = bytes.toString('base64');
      });
      await refused(xml, 'DECRYPTION_FAILED');
    });
  }

  it('an unsigned assertion the attacker encrypted to our public key', async () => {
    await refused(xmlsecResponse({ now: NOW, encrypt: 'aes256-gcm', signAssertion: false }), 'SIGNATURE_MISSING', { wantAssertionsSigned: false });
  });

  it('an EncryptedAssertion with an unexpected sibling element inside', async () => {
    const xml = tamper(xmlsecResponse({ now: NOW, encrypt: 'aes256-gcm' }), (doc) => {
      const container = doc.getElementsByTagNameNS(NS_URI.SAML, 'EncryptedAssertion')[0] as Element;
      container.appendChild(doc.createElementNS(NS_URI.SAML, 'saml:Assertion'));
    });
    await refused(xml, 'XML_UNEXPECTED_CONTENT');
  });
});
