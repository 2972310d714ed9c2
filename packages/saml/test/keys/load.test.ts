import { expect } from 'chai';
import { MellonError, certificateBase64, keysMatch, loadPrivateKey, loadPublicKey } from '@koa-mellon/saml';
import { testKeyPair } from '../../../../test/helpers/keys.js';

describe('loadPublicKey', () => {
  it('loads a PEM certificate, bare base64 DER, and a PEM public key to the same key', () => {
    const pair = testKeyPair('idp');
    const fromPem = loadPublicKey(pair.certPem);
    const fromDer = loadPublicKey(` ${pair.certBase64.match(/.{1,64}/g)?.join('\n')} `);
    const fromSpki = loadPublicKey(pair.publicKey.export({ type: 'spki', format: 'pem' }).toString());
    expect(fromPem.key.equals(fromDer.key)).to.equal(true);
    expect(fromPem.key.equals(fromSpki.key)).to.equal(true);
    expect(fromDer.certificate?.subject).to.include('CN=idp');
    expect(certificateBase64(pair.certPem)).to.equal(pair.certBase64);
  });
  it('refuses garbage with KEY_INVALID', () => {
    expect(() => loadPublicKey('not a key')).to.throw(MellonError).with.property('code', 'KEY_INVALID');
    expect(() => loadPublicKey('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----')).to.throw(MellonError).with.property('code', 'KEY_INVALID');
  });
});

describe('loadPrivateKey / keysMatch', () => {
  it('loads a PEM key that matches its certificate, and not another', () => {
    const key = loadPrivateKey(testKeyPair('sp').keyPem);
    expect(keysMatch(key, loadPublicKey(testKeyPair('sp').certPem).key)).to.equal(true);
    expect(keysMatch(key, loadPublicKey(testKeyPair('idp').certPem).key)).to.equal(false);
  });
  it('refuses a public key where a private one is needed', () => {
    expect(() => loadPrivateKey(testKeyPair('sp').publicKey)).to.throw(MellonError).with.property('code', 'KEY_INVALID');
    expect(() => loadPrivateKey('-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----')).to.throw(MellonError).with.property('code', 'KEY_INVALID');
  });
});
