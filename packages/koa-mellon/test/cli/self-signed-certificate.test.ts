import { expect } from 'chai';
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { createSelfSignedCertificate } from '../../src/keys/self-signed-certificate.js';

describe('createSelfSignedCertificate', () => {
  const validity = { commonName: 'sp', notBefore: new Date('2030-01-01T00:00:00Z'), notAfter: new Date('2031-01-01T00:00:00Z') };

  it('certifies an RSA key, self-signed', () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const cert = new X509Certificate(createSelfSignedCertificate(privateKey, publicKey, validity));
    expect(cert.checkPrivateKey(privateKey)).to.equal(true);
    expect(cert.verify(publicKey)).to.equal(true);
    expect(cert.issuer).to.equal(cert.subject);
  });

  it('certifies an EC P-256 key, self-signed', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const cert = new X509Certificate(createSelfSignedCertificate(privateKey, publicKey, validity));
    expect(cert.checkPrivateKey(privateKey)).to.equal(true);
    expect(cert.verify(publicKey)).to.equal(true);
  });

  it('encodes dates from 2050 on as GeneralizedTime (RFC 5280 §4.1.2.5)', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const notAfter = new Date('2061-06-15T12:00:00Z');
    const cert = new X509Certificate(createSelfSignedCertificate(privateKey, publicKey, { ...validity, notAfter }));
    expect(Date.parse(cert.validTo)).to.equal(notAfter.getTime());
    expect(Date.parse(cert.validFrom)).to.equal(validity.notBefore.getTime());
  });

  it('encodes a non-ASCII common name as UTF-8', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const cert = new X509Certificate(createSelfSignedCertificate(privateKey, publicKey, { ...validity, commonName: 'Müller SP' }));
    expect(cert.subject).to.equal('CN=Müller SP');
  });

  it('refuses a key type it cannot sign for', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    expect(() => createSelfSignedCertificate(privateKey, publicKey, validity)).to.throw(TypeError);
  });
});
