import { expect } from 'chai';
import { BINDING, NAMEID_FORMAT, getIdpDescriptor, parseMetadata, singleEntity } from '@koa-mellon/saml';
import { testKeyPair } from '../../../test/helpers/keys.js';
import { Browser } from './helpers/browser.js';
import { RawSp } from './helpers/raw-sp.js';
import { IdpServer } from './helpers/world.js';

describe('@koa-mellon/idp metadata/', () => {
  const sp = new RawSp();
  let browser: Browser;
  let idp: IdpServer | undefined;
  beforeEach(() => {
    browser = new Browser();
  });
  afterEach(() => idp?.stop());

  it('serves an IDPSSODescriptor with SSO and SLO for Redirect and POST, and our signing key', async () => {
    idp = await IdpServer.start(browser, [{ metadata: sp.metadata(), nameIdFormat: 'emailAddress' }]);
    // A browser is shown the XML (application/xml); a peer fetching metadata gets the SAML type.
    expect((await browser.request(idp.idp.urls.metadata)).headers.get('content-type')).to.equal('application/xml; charset=utf-8');
    const response = await browser.request(idp.idp.urls.metadata, { accept: '*/*' });
    expect(response.headers.get('content-type')).to.match(/^application\/samlmetadata\+xml/);
    const entity = singleEntity(parseMetadata(await response.text()));
    expect(entity.entityId).to.equal(idp.idp.urls.entityId);
    const descriptor = getIdpDescriptor(entity);
    expect(descriptor.singleSignOnServices.map((e) => [e.binding, e.location])).to.deep.equal([
      [BINDING.redirect, idp.idp.urls.sso],
      [BINDING.post, idp.idp.urls.sso],
    ]);
    expect(descriptor.singleLogoutServices.map((e) => e.location)).to.deep.equal([idp.idp.urls.slo, idp.idp.urls.slo]);
    expect(descriptor.artifactResolutionServices).to.deep.equal([]);
    expect(descriptor.wantAuthnRequestsSigned).to.equal(false);
    expect(descriptor.nameIdFormats).to.deep.equal([NAMEID_FORMAT.persistent, NAMEID_FORMAT.transient, NAMEID_FORMAT.emailAddress]);
    expect(descriptor.signingKeys[0]?.equals(testKeyPair('idp').publicKey)).to.equal(true);
  });

  it('lists the ArtifactResolutionService when HTTP-Artifact is on, and says WantAuthnRequestsSigned when set', async () => {
    idp = await IdpServer.start(browser, [{ metadata: sp.metadata() }], { settings: { artifactResolution: true, wantAuthnRequestsSigned: true } });
    const descriptor = getIdpDescriptor(singleEntity(parseMetadata(idp.idp.metadata())));
    expect(descriptor.artifactResolutionServices.map((e) => [e.binding, e.location, e.index])).to.deep.equal([[BINDING.soap, idp.idp.urls.artifact, 0]]);
    expect(descriptor.wantAuthnRequestsSigned).to.equal(true);
  });

  it('is signed when signMetadata is set: it verifies against our certificate', async () => {
    idp = await IdpServer.start(browser, [{ metadata: sp.metadata() }], { settings: { signMetadata: true } });
    const parsed = parseMetadata(idp.idp.metadata(), { signingCertificates: [testKeyPair('idp').certPem] });
    expect(parsed.signed).to.equal(true);
  });
});
