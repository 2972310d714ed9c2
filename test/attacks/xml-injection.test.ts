// Parser-level attacks: DTDs (XXE, billion laughs), comments and processing instructions that
// split a signed value (Duo Labs 2018, CVE-2017-11427 family), namespace tricks, duplicate IDs,
// multiple roots and oversized input.
import { expect, use } from 'chai';
import chaiAsPromised from 'chai-as-promised';
import { MellonError, validateResponse } from '@koa-mellon/saml';
import { requireXmlsec } from '../helpers/xmlsec.js';
import { xmlsecResponse, unsignedResponse } from '../helpers/response-fixture.js';
import { validationOptions } from '../helpers/validation.js';
import { tamper, NS_URI } from '../helpers/tamper.js';

use(chaiAsPromised);
const NOW = Date.parse('2026-11-24T12:00:00Z');
const clock = () => NOW;

async function refused(xml: string, code: string): Promise<void> {
  await expect(validateResponse(xml, validationOptions({ clock }))).to.be.rejectedWith(MellonError).and.eventually.have.property('code', code);
}

describe('attack: XML injection', () => {
  before(requireXmlsec);

  it('a comment inside the signed NameID (signature still valid: c14n drops comments)', async () => {
    const xml = xmlsecResponse({ now: NOW, beforeSigning: (s) => s.replace('>alice-1234<', '>admin@example.test<!---->.evil.test<') });
    await refused(xml, 'XML_SPLIT_VALUE');
  });

  it('a comment inside a signed attribute value', async () => {
    const xml = xmlsecResponse({ now: NOW, beforeSigning: (s) => s.replace('>staff<', '>ad<!-- -->mins<') });
    await refused(xml, 'XML_SPLIT_VALUE');
  });

  it('a processing instruction inside the NameID', async () => {
    const xml = tamper(xmlsecResponse({ now: NOW }), (doc, p) => {
      p.nameId.appendChild(doc.createProcessingInstruction('x', 'y'));
    });
    await refused(xml, 'XML_PI_FORBIDDEN');
  });

  it('an external entity (XXE) in a DOCTYPE', async () => {
    const xml = '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>' + unsignedResponse({ now: NOW }).replace('alice-1234', '&x;');
    await refused(xml, 'XML_DOCTYPE_FORBIDDEN');
  });

  it('billion laughs', async () => {
    const entities = Array.from({ length: 10 }, (_, i) => `<!ENTITY l${i + 1} "${`&l${i};`.repeat(10)}">`).join('');
    await refused(`<!DOCTYPE r [<!ENTITY l0 "lol">${entities}]><r>&l10;</r>`, 'XML_DOCTYPE_FORBIDDEN');
  });

  it('a DOCTYPE in lower case after a comment', async () => {
    await refused('<!-- x --><!doctype r><r/>', 'XML_DOCTYPE_FORBIDDEN');
  });

  it('two root elements', async () => {
    await refused(unsignedResponse({ now: NOW }) + unsignedResponse({ now: NOW }), 'XML_INVALID');
  });

  it('a NUL character reference', async () => {
    await refused(unsignedResponse({ now: NOW }).replace('alice-1234', 'alice&#0;'), 'XML_INVALID');
  });

  it('nesting deeper than the limit', async () => {
    await refused(`${'<a>'.repeat(200)}${'</a>'.repeat(200)}`, 'XML_TOO_DEEP');
  });

  it('duplicate IDs (a copy of the signed assertion elsewhere)', async () => {
    const xml = tamper(xmlsecResponse({ now: NOW }), (doc, p) => {
      const ext = doc.createElementNS(NS_URI.SAMLP, 'samlp:Extensions');
      const copy = doc.createElementNS(NS_URI.SAML, 'saml:Foo');
      copy.setAttribute('ID', p.assertion.getAttribute('ID') as string);
      ext.appendChild(copy);
      p.response.insertBefore(ext, p.response.getElementsByTagNameNS(NS_URI.SAMLP, 'Status')[0] as Element);
    });
    await refused(xml, 'XML_DUPLICATE_ID');
  });

  it('two assertions in one response', async () => {
    const xml = tamper(xmlsecResponse({ now: NOW }), (_doc, p) => {
      const copy = p.assertion.cloneNode(true) as Element;
      copy.setAttribute('ID', '_second');
      p.response.appendChild(copy);
    });
    await refused(xml, 'XML_UNEXPECTED_CONTENT');
  });

  it('an Assertion whose saml prefix is rebound to another namespace', async () => {
    const xml = tamper(xmlsecResponse({ now: NOW }), (_doc, p) => {
      p.assertion.setAttribute('xmlns:saml', 'urn:evil');
    });
    await refused(xml, 'XML_UNEXPECTED_CONTENT');
  });

  it('a Signature in the wrong namespace (looks like ds:Signature)', async () => {
    const xml = xmlsecResponse({ now: NOW, signAssertion: false, beforeSigning: (s) => s.replace('<saml:Subject>', '<ds:Signature xmlns:ds="urn:not-xmldsig"/><saml:Subject>') });
    await refused(xml, 'SIGNATURE_MISSING');
  });

  it('text smuggled between elements of the Response', async () => {
    const xml = tamper(xmlsecResponse({ now: NOW }), (doc, p) => {
      p.response.insertBefore(doc.createTextNode('admin'), p.assertion);
    });
    await refused(xml, 'XML_UNEXPECTED_CONTENT');
  });

  it('oversized input', async () => {
    await refused(unsignedResponse({ now: NOW, attributes: { big: ['x'.repeat(300 * 1024)] } }), 'INPUT_TOO_LARGE');
  });
});
