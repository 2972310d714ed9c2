import { expect } from 'chai';
import { deflateRawSync } from 'node:zlib';
import { MellonError, buildAuthnRequest, decodeRedirect, encodeRedirect, parseAuthnRequest, parseXml, serializeXml, verifyRedirectSignature } from '@koa-mellon/saml';
import { testKeyPair } from '../../../../test/helpers/keys.js';

const IDP_SSO = 'https://idp.example.test/sso';

function signedRedirect(relayState?: string): string {
  const { document } = buildAuthnRequest({ issuer: 'https://sp.example.test', destination: IDP_SSO, assertionConsumerServiceUrl: 'https://sp.example.test/acs' });
  return encodeRedirect({ url: IDP_SSO, parameter: 'SAMLRequest', xml: serializeXml(document), relayState, signingKey: testKeyPair('sp').privateKey });
}

const queryOf = (url: string) => url.slice(url.indexOf('?') + 1);

describe('encodeRedirect / decodeRedirect', () => {
  it('round-trips a signed AuthnRequest with RelayState, verifying over the received octets', () => {
    const message = decodeRedirect(queryOf(signedRedirect('abc/def?x=1&y')));
    expect(message.parameter).to.equal('SAMLRequest');
    expect(message.relayState).to.equal('abc/def?x=1&y');
    verifyRedirectSignature(message, [testKeyPair('sp').publicKey]);
    const request = parseAuthnRequest(parseXml(message.xml).root);
    expect(request.destination).to.equal(IDP_SSO);
    expect(request.assertionConsumerServiceUrl).to.equal('https://sp.example.test/acs');
  });

  it('appends to a URL that already has a query string', () => {
    const { document } = buildAuthnRequest({ issuer: 'sp', destination: IDP_SSO });
    expect(encodeRedirect({ url: `${IDP_SSO}?tenant=1`, parameter: 'SAMLRequest', xml: serializeXml(document) })).to.match(/\?tenant=1&SAMLRequest=/);
  });

  it('refuses a signature from an untrusted key', () => {
    const message = decodeRedirect(queryOf(signedRedirect()));
    expect(() => verifyRedirectSignature(message, [testKeyPair('attacker').publicKey])).to.throw(MellonError).with.property('code', 'SIGNATURE_INVALID');
  });

  it('refuses a RelayState changed after signing', () => {
    const tampered = queryOf(signedRedirect('one')).replace('RelayState=one', 'RelayState=two');
    expect(() => verifyRedirectSignature(decodeRedirect(tampered), [testKeyPair('sp').publicKey])).to.throw(MellonError).with.property('code', 'SIGNATURE_INVALID');
  });

  it('refuses an unsigned message when a signature is required', () => {
    const message = decodeRedirect(queryOf(signedRedirect()).replace(/&SigAlg=.*$/, ''));
    expect(() => verifyRedirectSignature(message, [testKeyPair('sp').publicKey])).to.throw(MellonError).with.property('code', 'SIGNATURE_MISSING');
  });

  it('refuses rsa-sha1 SigAlg by default', () => {
    const query = queryOf(signedRedirect()).replace(/SigAlg=[^&]+/, `SigAlg=${encodeURIComponent('http://www.w3.org/2000/09/xmldsig#rsa-sha1')}`);
    expect(() => verifyRedirectSignature(decodeRedirect(query), [testKeyPair('sp').publicKey])).to.throw(MellonError).with.property('code', 'SIGNATURE_ALGORITHM_FORBIDDEN');
  });

  it('refuses a repeated parameter', () => {
    const query = queryOf(signedRedirect());
    expect(() => decodeRedirect(`${query}&SAMLRequest=abc`)).to.throw(MellonError).with.property('code', 'BINDING_INVALID');
  });

  it('refuses a query without SAMLRequest or SAMLResponse', () => {
    expect(() => decodeRedirect('RelayState=x')).to.throw(MellonError).with.property('code', 'BINDING_INVALID');
  });

  it('refuses data that is not DEFLATE', () => {
    expect(() => decodeRedirect(`SAMLRequest=${encodeURIComponent(Buffer.from('<a/>').toString('base64'))}`)).to.throw(MellonError).with.property('code', 'INFLATE_FAILED');
  });

  it('refuses bad base64', () => {
    expect(() => decodeRedirect('SAMLRequest=%%%')).to.throw(MellonError).with.property('code', 'BINDING_INVALID');
    expect(() => decodeRedirect('SAMLRequest=ab$c')).to.throw(MellonError).with.property('code', 'BASE64_INVALID');
  });

  it('caps inflation (compression bomb)', () => {
    const bomb = deflateRawSync(Buffer.alloc(10 * 1024 * 1024, 0x20)).toString('base64');
    expect(() => decodeRedirect(`SAMLRequest=${encodeURIComponent(bomb)}`)).to.throw(MellonError).with.property('code', 'INPUT_TOO_LARGE');
  });
});
