// Genuine, correctly signed shapes that real IdPs emit and that an over-strict SP refused (issue:
// "Accept what real IdPs send"). Each fixture is built in the IdP's exact shape and signed by
// xmlsec1 (the reference implementation), not by us; beside each, the attack the old strictness
// might have been guarding against, still refused. The attack suites in test/attacks run unchanged.
import { expect, use } from 'chai';
import chaiAsPromised from 'chai-as-promised';
import { MellonError, validateResponse, type ResponseValidationOptions } from '@koa-mellon/saml';
import { requireXmlsec } from '../helpers/xmlsec.js';
import { xmlsecResponse, type ResponseFixture } from '../helpers/response-fixture.js';
import { validationOptions } from '../helpers/validation.js';
import { NS_URI, tamper } from '../helpers/tamper.js';

use(chaiAsPromised);

const NOW = Date.parse('2026-11-24T12:00:00Z');
const clock = () => NOW;
const EXC_C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#';
const C14N_10 = 'http://www.w3.org/TR/2001/REC-xml-c14n-20010315';
const C14N_11 = 'http://www.w3.org/2006/12/xml-c14n11';
const SHA1 = { signatureAlgorithm: 'http://www.w3.org/2000/09/xmldsig#rsa-sha1', digestAlgorithm: 'http://www.w3.org/2000/09/xmldsig#sha1' };

const signed = (f: ResponseFixture) => xmlsecResponse({ now: NOW, ...f });
const accept = (xml: string, overrides: Partial<ResponseValidationOptions> = {}) => validateResponse(xml, validationOptions({ clock, ...overrides }));

async function refused(xml: string, code: string, overrides: Partial<ResponseValidationOptions> = {}): Promise<MellonError> {
  return expect(accept(xml, overrides)).to.be.rejectedWith(MellonError).and.eventually.have.property('code', code).then(() => accept(xml, overrides).catch((err: MellonError) => err)) as Promise<MellonError>;
}

/** The element children `{ns}local` of `el`. */
function child(el: Element, ns: string, local: string): Element {
  return Array.from(el.childNodes).find((n) => (n as Element).localName === local && (n as Element).namespaceURI === ns) as Element;
}

/** Moves the (unsigned) signature template of `el` to be its last child, before xmlsec1 signs. */
function signatureLast(which: 'response' | 'assertion') {
  return (xml: string) =>
    tamper(xml, (_doc, p) => {
      const el = which === 'response' ? p.response : p.assertion;
      el.appendChild(child(el, NS_URI.DS, 'Signature'));
    });
}

/** Rewrites every canonicalization URI of the signature templates, before xmlsec1 signs. */
const canonicalizeWith = (uri: string) => (xml: string) => xml.replaceAll(`"${EXC_C14N}"`, `"${uri}"`);

describe('real IdP output: accepted shapes, and the attacks beside them', () => {
  before(requireXmlsec);

  describe('Response signature as the last child (Auth0, 2016)', () => {
    it('is accepted: an enveloped signature covers its parent wherever it stands among the children', async () => {
      const xml = signed({ signAssertion: false, signResponse: true, beforeSigning: signatureLast('response') });
      expect((await accept(xml)).nameId).to.equal('alice-1234');
    });

    it('is accepted on the assertion as well', async () => {
      const xml = signed({ beforeSigning: signatureLast('assertion') });
      expect((await accept(xml)).nameId).to.equal('alice-1234');
    });

    it('attack: a second Signature in the Response (one in place, one last) is refused', async () => {
      const xml = tamper(signed({ signResponse: true, signAssertion: false }), (_doc, p) => {
        p.response.appendChild((p.responseSignature as Element).cloneNode(true));
      });
      await refused(xml, 'XML_UNEXPECTED_CONTENT');
    });

    it('attack: the last-child signature of a Response whose assertion was swapped no longer verifies', async () => {
      const xml = tamper(signed({ signAssertion: false, signResponse: true, beforeSigning: signatureLast('response') }), (_doc, p) => {
        p.nameId.textContent = 'admin';
      });
      await refused(xml, 'DIGEST_MISMATCH');
    });
  });

  describe('NotBefore on the bearer SubjectConfirmationData (SecureWorks)', () => {
    const withConfirmationNotBefore = (at: number) => (xml: string) =>
      tamper(xml, (doc) => {
        const data = doc.getElementsByTagNameNS(NS_URI.SAML, 'SubjectConfirmationData')[0] as Element;
        data.setAttribute('NotBefore', new Date(at).toISOString().replace('.000Z', 'Z'));
      });

    it('is accepted and enforced as a lower bound (saml-profiles §4.1.4.2 forbids it; it only narrows the window)', async () => {
      const assertion = await accept(signed({ beforeSigning: withConfirmationNotBefore(NOW - 5_000) }));
      expect(assertion.nameId).to.equal('alice-1234');
    });

    it('is accepted within the clock skew of its NotBefore', async () => {
      await accept(signed({ beforeSigning: withConfirmationNotBefore(NOW + 60_000) }), { clockSkew: 120 });
    });

    it('attack: a NotBefore still in the future (beyond the skew) is refused', async () => {
      await refused(signed({ beforeSigning: withConfirmationNotBefore(NOW + 600_000) }), 'ASSERTION_NOT_YET_VALID');
    });
  });

  describe('no NameID in the Subject (ADFS without a NameID claim rule; saml-core §2.4.1)', () => {
    const UPN = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn';
    const withoutNameId = (xml: string) => tamper(xml, (_doc, p) => p.nameId.parentNode?.removeChild(p.nameId));

    it('is accepted when subjectAttribute names the attribute that identifies the user', async () => {
      const xml = signed({ attributes: { [UPN]: ['alice@corp.example'] }, beforeSigning: withoutNameId });
      const assertion = await accept(xml, { subjectAttribute: UPN });
      expect(assertion.nameId).to.equal(undefined);
      expect(assertion.nameIdFormat).to.equal(undefined);
      expect(assertion.attributes[UPN]).to.deep.equal(['alice@corp.example']);
    });

    it('is refused with NAMEID_MISSING when nothing says which attribute identifies the user', async () => {
      await refused(signed({ attributes: { [UPN]: ['alice@corp.example'] }, beforeSigning: withoutNameId }), 'NAMEID_MISSING');
    });

    it('attack: the identifying attribute sent twice (which one is the user?) is refused', async () => {
      const xml = signed({ attributes: { [UPN]: ['alice@corp.example', 'admin@corp.example'] }, beforeSigning: withoutNameId });
      await refused(xml, 'NAMEID_MISSING', { subjectAttribute: UPN });
    });

    it('attack: the identifying attribute absent is refused', async () => {
      await refused(signed({ attributes: { mail: ['alice@corp.example'] }, beforeSigning: withoutNameId }), 'NAMEID_MISSING', { subjectAttribute: UPN });
    });
  });

  describe('inclusive Canonical XML 1.0 (older IdPs; saml-core §5.4.3 says exclusive SHOULD be used)', () => {
    /** Namespaces and xml:lang on the Response that inclusive c14n carries onto the assertion. */
    const inheritedContext = (xml: string) =>
      tamper(xml, (_doc, p) => {
        p.response.setAttributeNS('http://www.w3.org/2000/xmlns/', 'xmlns:ext', 'urn:example:unused-extension');
        p.response.setAttributeNS('http://www.w3.org/XML/1998/namespace', 'xml:lang', 'en');
      });

    it('is accepted as SignedInfo canonicalization and Reference transform, with inherited namespaces and xml:lang', async () => {
      const xml = signed({ beforeSigning: (x) => canonicalizeWith(C14N_10)(inheritedContext(x)) });
      expect(xml).to.include(`Algorithm="${C14N_10}"`);
      expect((await accept(xml)).nameId).to.equal('alice-1234');
    });

    it('is accepted on a Response signature', async () => {
      const xml = signed({ signAssertion: false, signResponse: true, beforeSigning: canonicalizeWith(C14N_10) });
      expect((await accept(xml)).nameId).to.equal('alice-1234');
    });

    it('is what a Reference with only the enveloped-signature transform means (xmldsig-core §4.3.3.2)', async () => {
      const onlyEnveloped = (xml: string) =>
        tamper(inheritedContext(xml), (doc) => {
          for (const transform of Array.from(doc.getElementsByTagNameNS(NS_URI.DS, 'Transform'))) {
            if (transform.getAttribute('Algorithm') === EXC_C14N) transform.parentNode?.removeChild(transform);
          }
        });
      expect((await accept(signed({ beforeSigning: onlyEnveloped }))).nameId).to.equal('alice-1234');
    });

    it('attack: a comment split inside the NameID is still refused (c14n drops comments, the reader does not)', async () => {
      const xml = tamper(signed({ beforeSigning: canonicalizeWith(C14N_10) }), (doc, p) => {
        p.nameId.insertBefore(doc.createComment('x'), p.nameId.firstChild?.nextSibling ?? null);
      });
      await refused(xml, 'XML_SPLIT_VALUE');
    });

    it('attack: an inherited namespace changed after signing no longer verifies (SignedInfo inherits it too)', async () => {
      const xml = tamper(signed({ beforeSigning: (x) => canonicalizeWith(C14N_10)(inheritedContext(x)) }), (_doc, p) => {
        p.response.setAttributeNS('http://www.w3.org/2000/xmlns/', 'xmlns:ext', 'urn:example:other');
      });
      await refused(xml, 'SIGNATURE_INVALID');
    });

    it('Canonical XML 1.1 stays refused, and the refusal names it', async () => {
      const err = await refused(signed({ beforeSigning: canonicalizeWith(C14N_11) }), 'SIGNATURE_ALGORITHM_FORBIDDEN');
      // The refusal must say what the IdP used, so that the operator can ask for exclusive c14n.
      expect(err.message).to.include('Canonical XML 1.1');
    });

    it('Canonical XML 1.0 with comments stays refused', async () => {
      await refused(signed({ beforeSigning: canonicalizeWith(`${C14N_10}#WithComments`) }), 'SIGNATURE_ALGORITHM_FORBIDDEN');
    });
  });

  describe('Response-only signatures, by default (Google "signed response", OneLogin, PingFederate, some Okta apps)', () => {
    it('are accepted without any setting: the verified Response signature covers the assertion read', async () => {
      const assertion = await accept(signed({ signAssertion: false, signResponse: true }));
      expect(assertion.nameId).to.equal('alice-1234');
    });

    it('are accepted when the assertion inside is encrypted (the ciphertext is what the Response signature covers)', async () => {
      const assertion = await accept(signed({ signAssertion: false, signResponse: true, encrypt: 'aes256-gcm' }));
      expect(assertion.attributes['mail']).to.deep.equal(['alice@example.test']);
    });

    it('wantAssertionsSigned: true still insists on the assertion’s own signature', async () => {
      await refused(signed({ signAssertion: false, signResponse: true }), 'SIGNATURE_MISSING', { wantAssertionsSigned: true });
    });

    it('attack: an unsigned Response carrying an unsigned assertion is refused', async () => {
      await refused(signed({ signAssertion: false }), 'SIGNATURE_MISSING');
    });

    it('attack: an assertion swapped into a signed Response breaks its digest', async () => {
      const xml = tamper(signed({ signAssertion: false, signResponse: true }), (_doc, p) => {
        p.nameId.textContent = 'admin';
      });
      await refused(xml, 'DIGEST_MISMATCH');
    });
  });

  describe('SHA-1 (every OneLogin response, Oracle, older Okta test IdPs)', () => {
    it('stays refused by default, and the refusal names the setting that accepts it', async () => {
      const err = await refused(signed(SHA1), 'SIGNATURE_ALGORITHM_FORBIDDEN');
      expect(err.message).to.include('allowSha1');
    });

    it('is accepted with allowSha1', async () => {
      expect((await accept(signed(SHA1), { policy: { allowSha1: true } })).nameId).to.equal('alice-1234');
    });
  });

  describe('date-times with an explicit zero offset (2015-08-31T08:54:06+00:00)', () => {
    const zeroOffset = (offset: string) => (xml: string) => xml.replace(/(="\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})Z"/g, `$1${offset}"`);

    it('are accepted as UTC', async () => {
      const xml = signed({ beforeSigning: zeroOffset('+00:00') });
      expect(xml).to.include('+00:00"').and.not.match(/T\d{2}:\d{2}:\d{2}Z"/);
      const assertion = await accept(xml);
      expect(assertion.authnInstant.getTime()).to.equal(NOW - 1000);
      expect(assertion.notOnOrAfter.getTime()).to.equal(NOW + 300_000);
    });

    it('attack: a non-zero offset (a window moved by hours) is refused', async () => {
      await refused(signed({ beforeSigning: zeroOffset('+05:00') }), 'MESSAGE_INVALID');
    });
  });

  describe('NameID white space (taken exactly as signed)', () => {
    it('keeps a trailing space: "alice-1234 " and "alice-1234" are two identities', async () => {
      expect((await accept(signed({ nameId: 'alice-1234 ' }))).nameId).to.equal('alice-1234 ');
      expect((await accept(signed({ nameId: 'alice-1234' }))).nameId).to.equal('alice-1234');
    });

    it('attack: a NameID of white space only is refused', async () => {
      await refused(signed({ nameId: '   ' }), 'MESSAGE_INVALID');
    });

    // Found by the fuzzer (test/fuzz): JavaScript's trim() strips more than XML white space (NBSP,
    // U+FEFF, U+3000...), so a signed "\ufeffadmin" once logged in as "admin".
    it('attack: a NameID with a BOM or a no-break space is not the account without it', async () => {
      expect((await accept(signed({ nameId: '\ufeffadmin' }))).nameId).to.equal('\ufeffadmin');
      expect((await accept(signed({ nameId: 'admin\u00a0' }))).nameId).to.equal('admin\u00a0');
    });

    it('attack: an Audience or Issuer followed by a no-break space is not ours', async () => {
      await refused(signed({ audience: 'https://sp.example.test/metadata\u00a0' }), 'AUDIENCE_MISMATCH');
      await refused(signed({ issuer: 'https://idp.example.test/metadata\u00a0' }), 'ISSUER_MISMATCH');
    });

    it('an Issuer and Audience with XML white space around them still match (xml §2.3)', async () => {
      const assertion = await accept(signed({ issuer: '\n  https://idp.example.test/metadata\n', audience: ' https://sp.example.test/metadata\t' }));
      expect(assertion.issuer).to.equal('https://idp.example.test/metadata');
    });
  });
});
