import { generateKeyPairSync, createSecretKey } from 'node:crypto';
import { expect } from 'chai';
import { ConfigError, loadPublicKey, toKeyObjects } from '@koa-mellon/saml';
import { testKeyPair } from '../../../../test/helpers/keys.js';

describe('toKeyObjects', () => {
  const pair = testKeyPair('idp');

  it('keeps public KeyObjects, and takes the key of what loadPublicKey returns (both shapes the docs show)', () => {
    const loaded = loadPublicKey(pair.certPem);
    const keys = toKeyObjects([loaded.key, loaded], 'idp.signingKeys');
    expect(keys).to.have.length(2);
    for (const key of keys) expect(key.type === 'public' && key.equals(loaded.key)).to.equal(true);
  });

  it('gives the public half of a private KeyObject', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const [key] = toKeyObjects([privateKey], 'keys');
    expect(key?.type).to.equal('public');
    expect(key?.equals(publicKey)).to.equal(true);
  });

  for (const [what, entry] of [
    ['a PEM string', pair.certPem],
    ['an X509Certificate', loadPublicKey(pair.certPem).certificate],
    ['a secret key', createSecretKey(Buffer.alloc(32))],
    ['an object without a key', { certificate: loadPublicKey(pair.certPem).certificate }],
  ] as const) {
    it(`refuses ${what} with CONFIG_INVALID naming the entry, instead of matching nothing`, () => {
      expect(() => toKeyObjects([loadPublicKey(pair.certPem).key, entry], 'idp.signingKeys'))
        .to.throw(ConfigError)
        .with.property('path', 'idp.signingKeys[1]');
    });
  }

  it('refuses a value that is not an array', () => {
    expect(() => toKeyObjects(loadPublicKey(pair.certPem).key, 'idp.signingKeys')).to.throw(ConfigError).with.property('code', 'CONFIG_INVALID');
  });
});

describe('loadPublicKey of its own result', () => {
  it('is the same key and certificate (a loaded key is not "garbage")', () => {
    const loaded = loadPublicKey(testKeyPair('idp').certPem);
    const again = loadPublicKey(loaded);
    expect(again.key.equals(loaded.key)).to.equal(true);
    expect(again.certificate).to.equal(loaded.certificate);
  });
});
