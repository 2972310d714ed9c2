// Tampering with a captured signed response: stripped, altered or forged signatures, keys taken
// from the message (KeyInfo), HMAC with the IdP certificate as secret (CVE-2015-9235 class),
// SHA-1, and XSLT/XPath transforms (xmldsig-bestpractices §2.1).
import { createHmac } from 'node:crypto';
import { expect, use } from 'chai';
import chaiAsPromised from 'chai-as-promised';
import { MellonError, validateResponse } from '@koa-mellon/saml';
import { requireXmlsec } from '../helpers/xmlsec.js';
import { xmlsecResponse } from '../helpers/response-fixture.js';
import { validationOptions } from '../helpers/validation.js';
import { testKeyPair } from '../helpers/keys.js';
import { tamper, NS_URI } from '../helpers/tamper.js';

use(chaiAsPromised);
const NOW = Date.parse('2026-11-24T12:00:00Z');
const clock = () => NOW;

async function refused(xml: string, code: string, overrides = {}): Promise<void> {
  await expect(validateResponse(xml, validationOptions({ clock, ...overrides }))).to.be.rejectedWith(MellonError).and.eventually.have.property('code', code);
}

function first(el: Element | Document, local: string, ns = NS_URI.DS): Element {
  return el.getElementsByTagNameNS(ns, local)[0] as Element;
}

describe('attack: signature tampering', () => {
  let signed: string;
  before(() => {
    requireXmlsec();
    signed = xmlsecResponse({ now: NOW });
  });

  it('signature stripped from the assertion', async () => {
    await refused(tamper(signed, (_d, p) => p.assertion.removeChild(p.assertionSignature as Element)), 'SIGNATURE_MISSING');
  });

  it('NameID changed after signing', async () => {
    await refused(tamper(signed, (_d, p) => { p.nameId.textContent = 'admin'; }), 'DIGEST_MISMATCH');
  });

  it('attribute added after signing', async () => {
    const xml = tamper(signed, (doc) => {
      const value = first(doc, 'AttributeValue', NS_URI.SAML);
      value.parentNode?.appendChild(value.cloneNode(true));
    });
    await refused(xml, 'DIGEST_MISMATCH');
  });

  it('SignatureValue altered', async () => {
    const xml = tamper(signed, (doc) => {
      const value = first(doc, 'SignatureValue');
      const text = (value.textContent ?? '').replace(/\s/g, '');
      value.textContent = (text[0] === 'A' ? 'B' : 'A') + text.slice(1);
    });
    await refused(xml, 'SIGNATURE_INVALID');
  });

  it('DigestValue altered (SignedInfo no longer verifies)', async () => {
    const xml = tamper(signed, (doc) => {
      const value = first(doc, 'DigestValue');
      value.textContent = Buffer.alloc(32, 7).toString('base64');
    });
    await refused(xml, 'SIGNATURE_INVALID');
  });

  it('re-signed by the attacker with their certificate in KeyInfo', async () => {
    await refused(xmlsecResponse({ now: NOW, signer: 'attacker' }), 'SIGNATURE_INVALID');
  });

  it('HMAC-SHA256 keyed with the IdP’s public certificate', async () => {
    const idpCert = testKeyPair('idp').certPem;
    const xml = tamper(signed, (doc) => {
      first(doc, 'SignatureMethod').setAttribute('Algorithm', 'http://www.w3.org/2001/04/xmldsig-more#hmac-sha256');
      first(doc, 'SignatureValue').textContent = createHmac('sha256', idpCert).update('anything').digest('base64');
    });
    await refused(xml, 'SIGNATURE_ALGORITHM_FORBIDDEN');
  });

  it('rsa-sha1 unless allowSha1', async () => {
    const xml = xmlsecResponse({ now: NOW, signatureAlgorithm: 'http://www.w3.org/2000/09/xmldsig#rsa-sha1', digestAlgorithm: 'http://www.w3.org/2000/09/xmldsig#sha1' });
    await refused(xml, 'SIGNATURE_ALGORITHM_FORBIDDEN');
    const assertion = await validateResponse(xml, validationOptions({ clock, policy: { allowSha1: true } }));
    expect(assertion.nameId).to.equal('alice-1234');
  });

  it('sha1 digest with an rsa-sha256 signature unless allowSha1', async () => {
    await refused(xmlsecResponse({ now: NOW, digestAlgorithm: 'http://www.w3.org/2000/09/xmldsig#sha1' }), 'SIGNATURE_ALGORITHM_FORBIDDEN');
  });

  for (const [name, uri] of [
    ['XSLT', 'http://www.w3.org/TR/1999/REC-xslt-19991116'],
    ['XPath', 'http://www.w3.org/TR/1999/REC-xpath-19991116'],
    ['XPath Filter 2.0', 'http://www.w3.org/2002/06/xmldsig-filter2'],
    // Inclusive C14N 1.0 is accepted as the one canonicalization (test/vectors); as a second
    // one before exclusive c14n it is not: one canonicalization, last.
    ['inclusive C14N (a second canonicalization)', 'http://www.w3.org/TR/2001/REC-xml-c14n-20010315'],
    ['Canonical XML 1.1', 'http://www.w3.org/2006/12/xml-c14n11'],
  ] as const) {
    it(`an ${name} transform`, async () => {
      const xml = tamper(signed, (doc) => {
        const transform = first(doc, 'Transform');
        const extra = doc.createElementNS(NS_URI.DS, 'ds:Transform');
        extra.setAttribute('Algorithm', uri);
        transform.parentNode?.insertBefore(extra, transform.nextSibling);
      });
      await refused(xml, 'TRANSFORM_FORBIDDEN');
    });
  }

  it('a Reference to another element than the one carrying the signature', async () => {
    const xml = tamper(signed, (doc, p) => {
      first(doc, 'Reference').setAttribute('URI', `#${p.response.getAttribute('ID')}`);
    });
    await refused(xml, 'SIGNATURE_REFERENCE_INVALID');
  });

  it('an empty Reference URI (whole document)', async () => {
    await refused(tamper(signed, (doc) => first(doc, 'Reference').setAttribute('URI', '')), 'SIGNATURE_REFERENCE_INVALID');
  });

  it('two References in one SignedInfo', async () => {
    const xml = tamper(signed, (doc) => {
      const reference = first(doc, 'Reference');
      reference.parentNode?.appendChild(reference.cloneNode(true));
    });
    await refused(xml, 'SIGNATURE_REFERENCE_INVALID');
  });

  it('two Signature elements in the assertion', async () => {
    const xml = tamper(signed, (_d, p) => {
      p.assertion.insertBefore((p.assertionSignature as Element).cloneNode(true), p.assertionSignature as Element);
    });
    await refused(xml, 'XML_UNEXPECTED_CONTENT');
  });

  it('an ECDSA signature when only RSA keys are trusted', async () => {
    const xml = xmlsecResponse({ now: NOW, signer: 'idp-ec', signerType: 'ec', signatureAlgorithm: 'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256' });
    await refused(xml, 'NO_TRUSTED_KEY');
    const assertion = await validateResponse(xml, validationOptions({ clock, signingKeys: [testKeyPair('idp-ec', 'ec').publicKey] }));
    expect(assertion.nameId).to.equal('alice-1234');
  });
});
