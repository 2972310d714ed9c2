import { expect } from 'chai';
import { loadPublicKey } from '@koa-mellon/saml';
import { ConfigError, createIdp, type IdpSettings } from '@koa-mellon/idp';
import { testKeyPair } from '../../../test/helpers/keys.js';
import { RawSp } from './helpers/raw-sp.js';

const sp = new RawSp();

function settings(overrides: Record<string, unknown> = {}): IdpSettings {
  return {
    baseUrl: 'https://idp.example.test/saml',
    privateKey: testKeyPair('idp').keyPem,
    publicKeys: [testKeyPair('idp').certPem],
    secret: 'a-secret-of-at-least-32-characters!!',
    serviceProviders: [{ metadata: sp.metadata() }],
    authenticate: () => null,
    loginUrl: '/login',
    ...overrides,
  } as IdpSettings; // overrides are deliberately wrong: that is what these tests feed in
}

function refusedAt(overrides: Record<string, unknown>): string {
  try {
    createIdp(settings(overrides)).close();
  } catch (err) {
    if (err instanceof ConfigError) return err.path;
    throw err;
  }
  throw new Error('createIdp accepted the settings');
}

describe('createIdp settings validation (ConfigError naming the key path)', () => {
  it('accepts a minimal valid configuration and derives the URLs from baseUrl', () => {
    const idp = createIdp(settings());
    expect(idp.urls.entityId).to.equal('https://idp.example.test/saml/metadata/');
    expect(idp.urls.sso).to.equal('https://idp.example.test/saml/sso/');
    expect(idp.urls.slo).to.equal('https://idp.example.test/saml/slo/');
    expect(idp.initiateUrl(sp.entityId, '/x')).to.equal(`https://idp.example.test/saml/sso/init/?sp=${encodeURIComponent(sp.entityId)}&next=%2Fx`);
    idp.close();
  });

  for (const key of ['baseUrl', 'publicKeys', 'secret', 'serviceProviders', 'authenticate', 'loginUrl']) {
    it(`requires ${key}`, () => {
      expect(refusedAt({ [key]: undefined })).to.equal(key);
    });
  }

  it('refuses unknown keys, globally and per SP', () => {
    expect(refusedAt({ identityProviders: [] })).to.equal('identityProviders');
    expect(refusedAt({ serviceProviders: [{ metadata: sp.metadata(), nameIdFromat: 'persistent' }] })).to.equal('serviceProviders[0].nameIdFromat');
  });

  it('says which setting a misspelt key was meant to be', () => {
    expect(() => createIdp(settings({ serviceProviders: [{ metadata: sp.metadata(), nameIdFromat: 'persistent' }] }))).to.throw(
      ConfigError,
      'serviceProviders[0].nameIdFromat: unknown setting (did you mean nameIdFormat?)',
    );
    expect(() => createIdp(settings({ login_url: '/login' }))).to.throw(ConfigError, 'login_url: unknown setting (did you mean loginUrl?)');
  });

  it('refuses a store that is not a state store (a Keyv, what the IdP took before)', () => {
    expect(refusedAt({ store: { namespace: 'keyv', get() {}, set() {}, opts: {} } })).to.equal('store');
  });

  it('refuses a short secret (it keys the pairwise NameIDs)', () => {
    expect(refusedAt({ secret: 'short' })).to.equal('secret');
  });

  it('refuses a baseUrl that is not an http(s) URL', () => {
    expect(refusedAt({ baseUrl: 'idp.example.test' })).to.equal('baseUrl');
  });

  it('requires a signing key, and one matching a published certificate', () => {
    expect(refusedAt({ privateKey: undefined })).to.equal('privateKey');
    expect(refusedAt({ privateKey: testKeyPair('other').keyPem })).to.equal('privateKey');
    expect(refusedAt({ privateKey: 'no/such/file.pem' })).to.equal('privateKey');
  });

  it('rolls keys over: privateKeys[0] signs, every certificate is published', () => {
    const idp = createIdp(
      settings({ privateKey: undefined, privateKeys: [testKeyPair('idp-next').keyPem], publicKeys: [testKeyPair('idp').certPem, testKeyPair('idp-next').certPem] }),
    );
    expect(idp.metadata()).to.include(testKeyPair('idp').certBase64).and.include(testKeyPair('idp-next').certBase64);
    idp.close();
    expect(refusedAt({ privateKey: undefined, privateKeys: [testKeyPair('other').keyPem] })).to.equal('privateKeys[0]');
  });

  it('wants exactly one metadata source per SP', () => {
    expect(refusedAt({ serviceProviders: [{}] })).to.equal('serviceProviders[0]');
    expect(refusedAt({ serviceProviders: [{ metadata: sp.metadata(), metadataPath: '/tmp/x.xml' }] })).to.equal('serviceProviders[0]');
  });

  it('checks metadata URLs as the SP does (https, or http on loopback)', () => {
    expect(refusedAt({ serviceProviders: [{ metadataUrl: 'http://sp.example.test/metadata' }] })).to.equal('serviceProviders[0].metadataUrl');
  });

  it('checks NameID settings', () => {
    expect(refusedAt({ serviceProviders: [{ metadata: sp.metadata(), nameIdFormat: 'x509' }] })).to.equal('serviceProviders[0].nameIdFormat');
    expect(refusedAt({ serviceProviders: [{ metadata: sp.metadata(), nameIdFormat: 'unspecified' }] })).to.equal('serviceProviders[0].nameIdField');
  });

  it('checks attribute release entries', () => {
    const at = (attributes: unknown) => refusedAt({ serviceProviders: [{ metadata: sp.metadata(), attributes }] });
    expect(at({ mail: '' })).to.equal('serviceProviders[0].attributes.mail');
    expect(at({ mail: { value: 'email' } })).to.equal('serviceProviders[0].attributes.mail.value');
    expect(at({ mail: {} })).to.equal('serviceProviders[0].attributes.mail');
    expect(at({ mail: { field: 'email', friendly: 'mail' } })).to.equal('serviceProviders[0].attributes.mail.friendly');
    expect(at(['email'])).to.equal('serviceProviders[0].attributes');
  });

  it('checks kinds: booleans, positive numbers, functions', () => {
    expect(refusedAt({ signMetadata: 'yes' })).to.equal('signMetadata');
    expect(refusedAt({ sessionLifetime: -1 })).to.equal('sessionLifetime');
    expect(refusedAt({ consent: true })).to.equal('consent');
    expect(refusedAt({ serviceProviders: [{ metadata: sp.metadata(), encryptAssertions: 1 }] })).to.equal('serviceProviders[0].encryptAssertions');
    expect(refusedAt({ bodyTimeout: 0 })).to.equal('bodyTimeout');
  });

  it('refuses loaded key objects where PEM text is expected, naming the element (not a silent "no trusted key")', () => {
    const loaded = loadPublicKey(testKeyPair('sp').certPem);
    expect(refusedAt({ serviceProviders: [{ metadata: sp.metadata(), metadataSigningCertificates: [loaded] }] })).to.equal('serviceProviders[0].metadataSigningCertificates[0]');
    expect(refusedAt({ publicKeys: [testKeyPair('idp').certPem, loaded.key] })).to.equal('publicKeys[1]');
  });
});
