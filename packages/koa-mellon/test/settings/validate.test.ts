import { expect } from 'chai';
import { loadPublicKey } from '@koa-mellon/saml';
import { ConfigError, createMellon, type MellonSettings } from 'koa-mellon';
import { testKeyPair } from '../../../../test/helpers/keys.js';
import { idpMetadata } from '../harness.js';

const base = (): MellonSettings => ({
  baseUrl: 'https://app.example.test/accounts/mellon',
  identityProviders: [{ metadata: idpMetadata() }],
  privateKey: testKeyPair('sp').keyPem,
  publicKeys: [testKeyPair('sp').certPem],
});

function refused(settings: unknown, path: string): void {
  expect(() => createMellon(settings as MellonSettings)).to.throw(ConfigError).with.property('path', path);
}

describe('createMellon settings validation', () => {
  it('accepts a minimal configuration, keys given as file paths', () => {
    const mellon = createMellon({ ...base(), privateKey: testKeyPair('sp').keyPath, publicKeys: [testKeyPair('sp').certPath] });
    expect(mellon.urls.login).to.equal('https://app.example.test/accounts/mellon/login/');
    expect(mellon.urls.entityId).to.equal('https://app.example.test/accounts/mellon/metadata/');
    mellon.close();
  });
  it('names an unknown key', () => refused({ ...base(), usernameTempalte: 'x' }, 'usernameTempalte'));
  it('suggests the setting a misspelt key was meant to be (typo, case, django-mellon spelling), and nothing for a stranger', () => {
    const hint = (key: string) => {
      try {
        createMellon({ ...base(), [key]: true } as MellonSettings);
      } catch (err) {
        return (err as ConfigError).message;
      }
      return 'accepted';
    };
    expect(hint('usernameTempalte')).to.equal('usernameTempalte: unknown setting (did you mean usernameTemplate?)');
    expect(hint('BaseURL')).to.match(/^BaseURL: unknown setting \(did you mean baseUrl\?\)/);
    expect(hint('MELLON_IDENTITY_PROVIDERS')).to.equal('MELLON_IDENTITY_PROVIDERS: unknown setting (did you mean identityProviders?)');
    expect(hint('login_redirect_url')).to.equal('login_redirect_url: unknown setting (did you mean loginRedirectUrl?)');
    expect(hint('colour')).to.equal('colour: unknown setting');
  });
  it('finds every mistake in one pass: path names the first, problems lists them all', () => {
    const settings = { ...base(), provision: 'yes', usernameTempalte: 'x', identityProviders: [{ metadataUrl: 42 }, {}] };
    try {
      createMellon(settings as unknown as MellonSettings);
      expect.fail('accepted');
    } catch (err) {
      expect(err).to.be.instanceOf(ConfigError);
      const error = err as ConfigError;
      expect(error.path).to.equal('provision');
      expect(error.problems.map((problem) => problem.path)).to.deep.equal(['provision', 'usernameTempalte', 'identityProviders[0].metadataUrl', 'identityProviders[1]']);
      expect(error.message).to.match(/^provision: expected a boolean; and 3 more: usernameTempalte: unknown setting .*; identityProviders\[0\]\.metadataUrl: .*; identityProviders\[1\]: expected exactly one of/);
    }
  });
  it('names a missing required key', () => refused({ identityProviders: base().identityProviders }, 'baseUrl'));
  it('names a wrong type', () => refused({ ...base(), provision: 'yes' }, 'provision'));
  // What a Keyv looks like to the check (koa-mellon took one before the state port): namespace is a string.
  it('names a store that is not a state store (a Keyv)', () => refused({ ...base(), store: { namespace: 'keyv', get() {}, set() {}, opts: {} } }, 'store'));
  it('names a bad URL', () => refused({ ...base(), baseUrl: 'ftp://x' }, 'baseUrl'));
  it('names a per-IdP key inside the list', () => refused({ ...base(), identityProviders: [{ metadata: idpMetadata() }, { metadataUrl: 42 }] }, 'identityProviders[1].metadataUrl'));
  it('refuses a global-only key set per IdP', () => refused({ ...base(), identityProviders: [{ metadata: idpMetadata(), baseUrl: 'https://x.test' }] }, 'identityProviders[0].baseUrl'));
  it('refuses two metadata sources in one entry', () => refused({ ...base(), identityProviders: [{ metadata: idpMetadata(), metadataPath: '/tmp/x' }] }, 'identityProviders[0]'));
  it('refuses an empty identityProviders', () => refused({ ...base(), identityProviders: [] }, 'identityProviders'));
  it('refuses an unreadable key file', () => refused({ ...base(), privateKey: '/nonexistent/sp.key' }, 'privateKey'));
  it('refuses a private key matching no public key', () => refused({ ...base(), publicKeys: [testKeyPair('idp').certPem] }, 'privateKey'));
  it('refuses a private key without a published certificate', () => refused({ ...base(), publicKeys: [] }, 'publicKeys'));
  it('refuses an invalid username template, naming the IdP override', () =>
    refused({ ...base(), identityProviders: [{ metadata: idpMetadata(), usernameTemplate: '{attributes[mail]' }] }, 'identityProviders[0].usernameTemplate'));
  it('refuses a bad lookupByAttributes rule', () => refused({ ...base(), lookupByAttributes: [{ userField: 'email' }] }, 'lookupByAttributes'));
  it('refuses a zero bodyTimeout (every POST would be refused)', () => refused({ ...base(), bodyTimeout: 0 }, 'bodyTimeout'));
  it('refuses loaded key objects where PEM text is expected, naming the element (not a silent "no trusted key")', () => {
    const loaded = loadPublicKey(testKeyPair('idp').certPem);
    refused({ ...base(), identityProviders: [{ metadata: idpMetadata(), metadataSigningCertificates: [loaded] }] }, 'identityProviders[0].metadataSigningCertificates[0]');
    refused({ ...base(), publicKeys: [testKeyPair('sp').certPem, loadPublicKey(testKeyPair('sp').certPem).key] }, 'publicKeys[1]');
  });
});

describe('createMellon template checks', () => {
  it('names a bad attributeMapping template at start-up', () => {
    expect(() => createMellon({ ...base(), attributeMapping: { email: ['{attributes[mail][0]}', '{attributes[mail]'] } }))
      .to.throw(ConfigError).with.property('path', 'attributeMapping.email[1]');
  });
});
