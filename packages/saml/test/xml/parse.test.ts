import { expect } from 'chai';
import { MellonError, parseXml, textOf, requiredChild, isElement } from '@koa-mellon/saml';

const code = (fn: () => unknown) => expect(fn).to.throw(MellonError);

describe('parseXml', () => {
  it('parses, skipping the XML declaration, and indexes ID, Id and id', () => {
    const parsed = parseXml('<?xml version="1.0"?><a ID="x"><b Id="y"/><c id="z"/></a>');
    expect([...parsed.ids.keys()]).to.have.members(['x', 'y', 'z']);
    expect(parsed.root.localName).to.equal('a');
  });
  it('refuses the same value in ID and Id', () => {
    code(() => parseXml('<a ID="x"><b Id="x"/></a>')).with.property('code', 'XML_DUPLICATE_ID');
  });
  it('refuses an undeclared prefix', () => {
    code(() => parseXml('<p:a/>')).with.property('code', 'XML_INVALID');
  });
  it('refuses trailing content', () => {
    code(() => parseXml('<a/>junk')).with.property('code', 'XML_INVALID');
  });
  it('refuses a raw NUL', () => {
    code(() => parseXml('<a>\u0000</a>')).with.property('code', 'XML_INVALID');
  });
  it('refuses a PI, also before the root', () => {
    code(() => parseXml('<?foo bar?><a/>')).with.property('code', 'XML_PI_FORBIDDEN');
  });
  it('honours a smaller size limit', () => {
    code(() => parseXml('<a>0123456789</a>', { maxBytes: 10 })).with.property('code', 'INPUT_TOO_LARGE');
  });
  it('counts bytes, not characters', () => {
    code(() => parseXml(`<a>${'é'.repeat(8)}</a>`, { maxBytes: 20 })).with.property('code', 'INPUT_TOO_LARGE');
  });
});

describe('textOf / requiredChild', () => {
  it('joins text and CDATA', () => {
    expect(textOf(parseXml('<a>x<![CDATA[<y>]]></a>').root)).to.equal('x<y>');
  });
  it('refuses a comment inside a value', () => {
    code(() => textOf(parseXml('<a>x<!---->y</a>').root)).with.property('code', 'XML_SPLIT_VALUE');
  });
  it('is namespace-exact, prefix-blind', () => {
    const root = parseXml('<x:r xmlns:x="urn:oasis:names:tc:SAML:2.0:protocol"><y:Issuer xmlns:y="urn:oasis:names:tc:SAML:2.0:assertion">i</y:Issuer></x:r>').root;
    expect(isElement(requiredChild(root, 'saml', 'Issuer'), 'saml', 'Issuer')).to.equal(true);
    code(() => requiredChild(root, 'samlp', 'Issuer')).with.property('code', 'MESSAGE_INVALID');
  });
});
