// The eight XML Signature Wrapping variants of Somorovsky et al., "On Breaking SAML: Be Whoever
// You Want to Be" (USENIX Security 2012), as SAML Raider builds them, against the assertion and
// the response signature. Each must be refused with its specific code.
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

async function refused(xml: string, code: string, overrides = {}): Promise<void> {
  await expect(validateResponse(xml, validationOptions({ clock, ...overrides }))).to.be.rejectedWith(MellonError).and.eventually.have.property('code', code);
}

/** The evil twin: a copy of the signed element with the attacker as subject. */
function evilCopy(el: Element, id?: string): Element {
  const copy = el.cloneNode(true) as Element;
  for (const nameId of Array.from(copy.getElementsByTagNameNS(NS_URI.SAML, 'NameID'))) nameId.textContent = 'admin';
  if (id) copy.setAttribute('ID', id);
  return copy;
}

function removeSignature(el: Element): Element | undefined {
  const sig = Array.from(el.childNodes).find((n) => (n as Element).localName === 'Signature') as Element | undefined;
  if (sig) el.removeChild(sig);
  return sig;
}

describe('attack: XML signature wrapping (Somorovsky et al. 2012)', () => {
  let assertionSigned: string;
  let responseSigned: string;
  before(() => {
    requireXmlsec();
    assertionSigned = xmlsecResponse({ now: NOW });
    responseSigned = xmlsecResponse({ now: NOW, signAssertion: false, signResponse: true });
  });

  it('XSW1: signed Response moved into its own Signature, evil Response at the root with a new ID', async () => {
    const xml = tamper(responseSigned, (doc, p) => {
      const original = p.response.cloneNode(true) as Element;
      const sig = p.responseSignature as Element;
      p.response.setAttribute('ID', '_evil');
      p.assertion.setAttribute('ID', '_evil-assertion');
      p.nameId.textContent = 'admin';
      const object = doc.createElementNS(NS_URI.DS, 'ds:Object');
      object.appendChild(original);
      sig.appendChild(object);
    });
    await refused(xml, 'XML_UNEXPECTED_CONTENT', { wantAssertionsSigned: false });
  });

  it('XSW2: signed Response detached beside the Signature, evil Response at the root with a new ID', async () => {
    const xml = tamper(responseSigned, (_doc, p) => {
      const original = p.response.cloneNode(true) as Element;
      removeSignature(original);
      p.response.setAttribute('ID', '_evil');
      p.assertion.setAttribute('ID', '_evil-assertion');
      p.nameId.textContent = 'admin';
      p.response.insertBefore(original, p.responseSignature as Element);
    });
    await refused(xml, 'XML_UNEXPECTED_CONTENT', { wantAssertionsSigned: false });
  });

  it('XSW1 keeping the ID: the root evil Response reuses the signed ID (duplicate)', async () => {
    const xml = tamper(responseSigned, (doc, p) => {
      const original = p.response.cloneNode(true) as Element;
      p.nameId.textContent = 'admin';
      const object = doc.createElementNS(NS_URI.DS, 'ds:Object');
      object.appendChild(original);
      (p.responseSignature as Element).appendChild(object);
    });
    await refused(xml, 'XML_DUPLICATE_ID', { wantAssertionsSigned: false });
  });

  it('XSW3: evil Assertion (new ID) inserted before the signed one', async () => {
    const xml = tamper(assertionSigned, (_doc, p) => {
      const evil = evilCopy(p.assertion, '_evil');
      removeSignature(evil);
      p.response.insertBefore(evil, p.assertion);
    });
    await refused(xml, 'XML_UNEXPECTED_CONTENT');
  });

  it('XSW4: signed Assertion wrapped inside the evil Assertion', async () => {
    const xml = tamper(assertionSigned, (_doc, p) => {
      const evil = evilCopy(p.assertion, '_evil');
      removeSignature(evil);
      p.response.replaceChild(evil, p.assertion);
      evil.appendChild(p.assertion);
    });
    await refused(xml, 'SIGNATURE_MISSING');
  });

  it('XSW5: the signature moved into the evil Assertion, the signed one appended after it', async () => {
    const xml = tamper(assertionSigned, (doc, p) => {
      const evil = evilCopy(p.assertion);
      const original = p.assertion.cloneNode(true) as Element;
      removeSignature(original);
      p.response.replaceChild(evil, p.assertion);
      doc.documentElement.appendChild(original);
    });
    await refused(xml, 'XML_DUPLICATE_ID');
  });

  it('XSW5 with a fresh ID on the evil Assertion: the reference no longer points at it', async () => {
    const xml = tamper(assertionSigned, (_doc, p) => {
      const evil = evilCopy(p.assertion, '_evil');
      p.response.replaceChild(evil, p.assertion);
    });
    await refused(xml, 'SIGNATURE_REFERENCE_INVALID');
  });

  it('XSW6: the signed Assertion hidden in the evil Assertion’s Signature (ds:Object)', async () => {
    const xml = tamper(assertionSigned, (doc, p) => {
      const evil = evilCopy(p.assertion, '_evil');
      const evilSig = Array.from(evil.childNodes).find((n) => (n as Element).localName === 'Signature') as Element;
      const original = p.assertion.cloneNode(true) as Element;
      const object = doc.createElementNS(NS_URI.DS, 'ds:Object');
      object.appendChild(original);
      evilSig.appendChild(object);
      p.response.replaceChild(evil, p.assertion);
    });
    await refused(xml, 'XML_UNEXPECTED_CONTENT');
  });

  it('XSW7: the signed Assertion parked in samlp:Extensions, evil Assertion in its place', async () => {
    const xml = tamper(assertionSigned, (doc, p) => {
      const ext = doc.createElementNS(NS_URI.SAMLP, 'samlp:Extensions');
      ext.appendChild(p.assertion.cloneNode(true));
      const status = p.response.getElementsByTagNameNS(NS_URI.SAMLP, 'Status')[0] as Element;
      p.response.insertBefore(ext, status);
      const evil = evilCopy(p.assertion, '_evil');
      removeSignature(evil);
      p.response.replaceChild(evil, p.assertion);
    });
    await refused(xml, 'SIGNATURE_MISSING');
  });

  it('XSW8: the signed Assertion inside an Object of the evil Assertion’s copied Signature', async () => {
    const xml = tamper(assertionSigned, (doc, p) => {
      const evil = evilCopy(p.assertion);
      const evilSig = Array.from(evil.childNodes).find((n) => (n as Element).localName === 'Signature') as Element;
      const original = p.assertion.cloneNode(true) as Element;
      removeSignature(original);
      const object = doc.createElementNS(NS_URI.DS, 'ds:Object');
      object.appendChild(original);
      evilSig.appendChild(object);
      p.response.replaceChild(evil, p.assertion);
    });
    await refused(xml, 'XML_DUPLICATE_ID');
  });

  it('the signed Assertion moved into the evil Assertion’s saml:Advice', async () => {
    const xml = tamper(assertionSigned, (doc, p) => {
      const evil = evilCopy(p.assertion, '_evil');
      removeSignature(evil);
      const advice = doc.createElementNS(NS_URI.SAML, 'saml:Advice');
      advice.appendChild(p.assertion.cloneNode(true));
      const statement = evil.getElementsByTagNameNS(NS_URI.SAML, 'AuthnStatement')[0] as Element;
      evil.insertBefore(advice, statement);
      p.response.replaceChild(evil, p.assertion);
    });
    await refused(xml, 'SIGNATURE_MISSING');
  });
});
