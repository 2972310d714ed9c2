// An IdP given by parts (entityId, ssoUrl, sloUrl, certificates) instead of metadata: the same code path
// (a descriptor generated from the parts, then served as inline metadata), and ConfigErrors naming the key.
import { expect } from 'chai';
import { ConfigError, createMellon, type IdentityProviderSettings, type MellonSettings } from 'koa-mellon';
import { testKeyPair } from '../../../../test/helpers/keys.js';
import { IDP_ENTITY_ID } from '../../../../test/helpers/response-fixture.js';
import { requireXmlsec } from '../../../../test/helpers/xmlsec.js';
import { IDP_SLO, IDP_SSO, TestSp, idpMetadata } from '../harness.js';

const parts = (overrides: Record<string, unknown> = {}): IdentityProviderSettings =>
  ({ entityId: IDP_ENTITY_ID, ssoUrl: IDP_SSO, sloUrl: IDP_SLO, certificates: [testKeyPair('idp').certPem], ...overrides }) as IdentityProviderSettings;

describe('an IdP given by parts', () => {
  let sp: TestSp | undefined;
  before(requireXmlsec);
  afterEach(async () => {
    await sp?.stop();
    sp = undefined;
  });

  for (const basePath of ['', '/accounts/mellon']) {
    it(`sends the AuthnRequest to ssoUrl and logs in with a response signed by the certificate (mounted at "${basePath || '/'}")`, async () => {
      sp = await TestSp.start(basePath, { identityProviders: [parts()] });
      expect((await sp.startLogin()).location.startsWith(`${IDP_SSO}?`)).to.equal(true);
      expect((await sp.login()).status).to.equal(303);
      expect((await sp.whoami()).user?.username).to.equal('alice-1234@saml');
    });
  }

  it('accepts the next certificate listed beside the current one (rollover), and no other key', async () => {
    sp = await TestSp.start('', { identityProviders: [parts({ certificates: [testKeyPair('idp').certPem, testKeyPair('idp-next').certPem] })] });
    expect((await sp.login({ signer: 'idp-next' })).status).to.equal(303);
    const rogue = await sp.login({ signer: 'rogue-idp' });
    expect(((await rogue.json()) as { error: string }).error).to.equal('SIGNATURE_INVALID');
  });

  it('sends the LogoutRequest to sloUrl', async () => {
    sp = await TestSp.start('', { identityProviders: [parts()] });
    await sp.login();
    const out = await sp.request(sp.mellon.urls.logout);
    expect(out.headers.get('location')?.startsWith(`${IDP_SLO}?`)).to.equal(true);
  });
});

describe('an IdP given by parts: ConfigErrors naming the key', () => {
  const settings = (idp: unknown): MellonSettings => ({
    baseUrl: 'https://app.example.test/accounts/mellon',
    identityProviders: [idp as IdentityProviderSettings],
    privateKey: testKeyPair('sp').keyPem,
    publicKeys: [testKeyPair('sp').certPem],
  });
  const refused = (idp: unknown, path: string) => expect(() => createMellon(settings(idp))).to.throw(ConfigError).with.property('path', path);

  it('requires entityId', () => refused(parts({ entityId: undefined }), 'identityProviders[0].entityId'));
  it('requires certificates, at least one', () => {
    refused(parts({ certificates: undefined }), 'identityProviders[0].certificates');
    refused(parts({ certificates: [] }), 'identityProviders[0].certificates');
  });
  it('requires ssoUrl when sloUrl or certificates are given', () => refused(parts({ ssoUrl: undefined }), 'identityProviders[0].ssoUrl'));
  it('refuses a metadata source beside the parts', () => refused(parts({ metadata: idpMetadata() }), 'identityProviders[0].metadata'));
  it('refuses metadataSigningCertificates (no metadata to verify)', () => refused(parts({ metadataSigningCertificates: [testKeyPair('idp').certPem] }), 'identityProviders[0].metadataSigningCertificates'));
  it('refuses a non-http(s) ssoUrl', () => refused(parts({ ssoUrl: 'javascript:alert(1)' }), 'identityProviders[0].ssoUrl'));
  it('refuses a certificate that is not one, naming its index', () => refused(parts({ certificates: [testKeyPair('idp').certPem, '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'] }), 'identityProviders[0].certificates[1]'));
});
