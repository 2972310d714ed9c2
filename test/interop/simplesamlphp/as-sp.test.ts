// Our IdP (@koa-mellon/idp) against SimpleSAMLphp 1.19 as a service provider (its saml:SP auth
// source), in headless Chromium: SP-initiated login with a signed AuthnRequest and an encrypted
// assertion, IdP-initiated login (sso/init/), single logout both ways, and refusals each side.
//
// Encryption: SSP 1.19 bundles xmlseclibs 3.1.1, which decrypts our default aes256-gcm (+
// rsa-oaep-mgf1p) — checked below — so no per-SP `encryptionAlgorithm` is needed for it.
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { NAMEID_FORMAT } from '@koa-mellon/saml';
import { screenshot } from '../../helpers/browser.js';
import { IdpApp, RELEASED_ATTRIBUTES, appUser, type AppUser } from '../../helpers/idp-app.js';
import { PeerBrowser, carried, recordSaml, signInAtIdp } from '../../helpers/idp-browser.js';
import { testKeyPair } from '../../helpers/keys.js';
import { SimpleSamlPhpSp } from '../../helpers/ssp-sp.js';
import { expectReleased, readSspStatus, type SspStatus } from './as-sp-pages.js';
import type { ServiceProviderSettings } from '@koa-mellon/idp';

const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
const AES256_GCM = 'http://www.w3.org/2009/xmlenc11#aes256-gcm';
const RSA_OAEP_MGF1P = 'http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p';

describe('interop: SimpleSAMLphp 1.19 as SP in front of our IdP, in Chromium', function () {
  this.timeout(60_000);
  let ssp: SimpleSamlPhpSp | undefined;
  let app: IdpApp | undefined;
  let failed = false;
  let browser: PeerBrowser | undefined;

  const peer = (): SimpleSamlPhpSp => {
    if (!ssp) throw new Error('SimpleSAMLphp is not running (the before hook failed)');
    return ssp;
  };
  const idp = (): IdpApp => {
    if (!app) throw new Error('the IdP app is not running (the before hook failed)');
    return app;
  };
  const chromium = (): PeerBrowser => {
    if (!browser) throw new Error('Chromium is not running (the before hook failed)');
    return browser;
  };

  /** Our IdP with SSP registered from the metadata SSP serves; SSP given our metadata. */
  async function configure(sp: Partial<ServiceProviderSettings<AppUser>> = {}, settings: Parameters<IdpApp['configure']>[0]['settings'] = {}): Promise<void> {
    const metadata = await peer().metadataXml();
    idp().configure({ serviceProviders: [{ metadata, attributes: RELEASED_ATTRIBUTES, ...sp }], settings });
  }

  before(async function () {
    this.timeout(30_000);
    ssp = await SimpleSamlPhpSp.start();
    app = await IdpApp.start();
    // SSP trusts our IdP's metadata as published (the default key).
    const published = app.published();
    ssp.useIdp(published.entityId, published.metadata);
    browser = await PeerBrowser.launch();
  });

  beforeEach(async () => {
    peer().configureSp({});
    await configure();
  });

  afterEach(async function () {
    const title = this.currentTest?.state === 'failed' ? this.currentTest.fullTitle() : undefined;
    if (title !== undefined) {
      failed = true;
      console.log(`${app?.describe() ?? ''}\n${ssp?.logTail(60) ?? ''}`);
    }
    await browser?.endTest(title);
  });

  after(async () => {
    await browser?.close();
    if (failed && ssp) console.log(`SimpleSAMLphp directory kept: ${ssp.dir}`);
    await app?.stop();
    await ssp?.stop({ keepDir: failed });
  });

  async function login(page: Page, user: 'alice' | 'bob'): Promise<SspStatus> {
    await page.goto(peer().loginUrl);
    await page.waitForURL((url) => url.origin === idp().origin && url.pathname === '/login');
    await signInAtIdp(page, user);
    await page.waitForURL(peer().loginUrl);
    return readSspStatus(page);
  }

  it('SP-initiated: SSP\'s signed AuthnRequest, our login form, and SSP decrypts the aes256-gcm assertion and shows the attributes', async () => {
    const page = await chromium().page();
    const saml = recordSaml(page);
    const mark = peer().logMark();
    await page.goto(peer().loginUrl);
    await page.waitForSelector('#sign-in');
    expect(new URL(page.url()).origin).to.equal(idp().origin);
    await screenshot(page, 'idp-ssp-01-login-form');
    await signInAtIdp(page, 'alice');
    await page.waitForURL(peer().loginUrl);
    const status = await readSspStatus(page);
    await screenshot(page, 'idp-ssp-02-attributes');

    expectReleased(status, appUser('alice'));
    // SSP asks for transient NameIDs by default; its page shows ours, qualified by both entities.
    expect(status.nameIdFormat).to.equal(NAMEID_FORMAT.transient);
    expect(status.nameId).to.have.length.above(16).and.not.include('alice');
    expect(status.nameQualifier).to.equal(idp().idp.urls.entityId);
    expect(status.spNameQualifier).to.equal(peer().entityId);
    expect(status.authData['saml:sp:IdP']).to.equal(idp().idp.urls.entityId);
    expect(status.authData['saml:sp:AuthnContext']).to.equal('urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport');

    // SSP signed its AuthnRequest (HTTP-Redirect, rsa-sha256), and our IdP checked it.
    const [request, ...moreRequests] = carried(saml, idp().idp.urls.sso, 'AuthnRequest');
    expect(moreRequests).to.deep.equal([]);
    expect(request?.sigAlg).to.equal(RSA_SHA256);
    expect(request?.signature).to.be.a('string').and.not.equal('');
    expect(request?.xml).to.include(`AssertionConsumerServiceURL="${peer().acsUrl}"`);
    // Our Response went by HTTP-POST to SSP's ACS, the assertion encrypted with our defaults.
    const [response] = carried(saml, peer().acsUrl, 'Response');
    expect(response?.xml).to.include('<saml:EncryptedAssertion');
    expect(response?.xml).to.include(`Algorithm="${AES256_GCM}"`);
    expect(response?.xml).to.include(`Algorithm="${RSA_OAEP_MGF1P}"`);
    expect(response?.xml).not.to.match(/<saml:Assertion\b/);
    expect(response?.xml).not.to.include(appUser('alice').email);
    // SSP decrypted it with its key and verified our assertion signature with our metadata key.
    const log = peer().log(mark);
    expect(log).to.include('Decryption with key #0 succeeded.');
    expect(log).to.include('Validation with key #0 succeeded.');
    expect(idp().refusals()).to.deep.equal([]);

    // SSP now has a session: its page shows the attributes again without a trip to us.
    const before = idp().handled.length;
    await page.goto(peer().loginUrl);
    expectReleased(await readSspStatus(page), appUser('alice'));
    expect(idp().handled.slice(before)).to.deep.equal([]);
  });

  it('IdP-initiated: sso/init/?sp= sends SSP an unsolicited Response (pairwise persistent NameID), which lands on next', async () => {
    const page = await chromium().page();
    const saml = recordSaml(page);
    await page.goto(idp().idp.initiateUrl(peer().entityId, peer().loginUrl));
    await signInAtIdp(page, 'bob');
    await page.waitForURL(peer().loginUrl);
    const status = await readSspStatus(page);

    expectReleased(status, appUser('bob'));
    // No AuthnRequest, so no NameIDPolicy: the SP's configured format (persistent, pairwise).
    expect(status.nameIdFormat).to.equal(NAMEID_FORMAT.persistent);
    expect(status.nameId).not.to.include('u-1002');
    expect(carried(saml, idp().idp.urls.sso, 'AuthnRequest')).to.deep.equal([]);
    const [response] = carried(saml, peer().acsUrl, 'Response');
    expect(response?.xml).not.to.include('InResponseTo');
    expect(response?.relayState).to.equal(peer().loginUrl);
    expect((status.authData['saml:sp:prevAuth'] as { inResponseTo: unknown }).inResponseTo).to.equal(null);
  });

  it('SP-initiated logout: SSP\'s signed LogoutRequest ends our session, and SSP accepts our signed LogoutResponse', async () => {
    const page = await chromium().page();
    await login(page, 'alice');
    const saml = recordSaml(page);
    const mark = peer().logMark();
    await page.click(`a[href="${peer().logoutUrl}"]`);
    await page.waitForURL((url) => url.href.startsWith(peer().loggedOutUrl));
    expect(await page.textContent('body')).to.include('You have been logged out.');

    const [request] = carried(saml, idp().idp.urls.slo, 'LogoutRequest');
    expect(request?.sigAlg).to.equal(RSA_SHA256);
    expect(request?.signature).to.be.a('string').and.not.equal('');
    const [response] = carried(saml, peer().sloUrl, 'LogoutResponse');
    expect(response?.sigAlg).to.equal(RSA_SHA256);
    expect(response?.xml).to.include('urn:oasis:names:tc:SAML:2.0:status:Success');
    // SSP (validate.logout) checked our LogoutResponse's signature with our metadata key.
    expect(peer().log(mark)).to.include('Validation with key #0 succeeded.');
    expect(idp().refusals()).to.deep.equal([]);
    expect(idp().events.map((e) => e.msg)).to.include('koa-mellon idp: single logout finished');

    // Our app's session is gone, and so is SSP's: a new visit to SSP asks us, and we ask for the password.
    await page.goto(`${idp().origin}/`);
    expect(await page.textContent('#status')).to.equal('Signed out.');
    await page.goto(peer().loginUrl);
    await page.waitForSelector('#password');
    expect(new URL(page.url()).origin).to.equal(idp().origin);
  });

  it('IdP-initiated logout: slo/?next= sends SSP a signed LogoutRequest, SSP answers, and the browser ends at next', async () => {
    const page = await chromium().page();
    await login(page, 'alice');
    const saml = recordSaml(page);
    const mark = peer().logMark();
    await page.goto(`${idp().origin}/`);
    expect(await page.textContent('#user')).to.equal('alice');
    await page.click('#sign-out');
    await page.waitForURL(`${idp().origin}/`);
    expect(await page.textContent('#status')).to.equal('Signed out.');

    const [request] = carried(saml, peer().sloUrl, 'LogoutRequest');
    expect(request?.sigAlg).to.equal(RSA_SHA256);
    const [response] = carried(saml, idp().idp.urls.slo, 'LogoutResponse');
    expect(response?.sigAlg).to.equal(RSA_SHA256);
    expect(response?.xml).to.include('urn:oasis:names:tc:SAML:2.0:status:Success');
    const log = peer().log(mark);
    expect(log).to.include('Validation with key #0 succeeded.');
    expect(idp().refusals()).to.deep.equal([]);
    const finished = idp().events.find((e) => e.msg === 'koa-mellon idp: single logout finished');
    expect(finished?.obj).to.deep.include({ partial: false }).and.have.property('trace').that.is.a('string');

    // SSP's session is gone: its page starts a new login at our IdP.
    await page.goto(peer().loginUrl);
    await page.waitForSelector('#password');
    expect(new URL(page.url()).origin).to.equal(idp().origin);
  });

  it('refusal (ours): with wantAuthnRequestsSigned, an unsigned AuthnRequest from SSP gets our error page with SIGNATURE_MISSING', async () => {
    peer().configureSp({ signAuthnRequest: false });
    await configure({ wantAuthnRequestsSigned: true });
    const page = await chromium().page();
    const saml = recordSaml(page);
    const answer = page.waitForResponse((r) => r.url().startsWith(idp().idp.urls.sso));
    await page.goto(peer().loginUrl);
    expect((await answer).status()).to.equal(400);
    await page.waitForSelector('code.error-code');
    expect(await page.textContent('h1')).to.equal('Sign-in problem');
    expect(await page.textContent('code.error-code')).to.equal('SIGNATURE_MISSING');
    await screenshot(page, 'idp-ssp-03-unsigned-request-refused');
    const [request] = carried(saml, idp().idp.urls.sso, 'AuthnRequest');
    expect(request?.signature).to.equal(null);
    expect(idp().refusals()).to.deep.equal(['SIGNATURE_MISSING']);
    expect(carried(saml, peer().acsUrl, 'Response')).to.deep.equal([]);
  });

  it('refusal (SSP\'s): an assertion signed with a key our metadata does not publish is rejected, and SSP opens no session', async () => {
    // Misconfigured on our side: a new signing key, while SSP still holds our published metadata.
    const other = testKeyPair('idp-not-in-metadata');
    // Only the assertion signed, so that SSP reaches the assertion's signature (a signed Response, the
    // default, is refused one step earlier, on the Response signature, by the same check).
    await configure({ signResponse: false }, { privateKey: other.keyPem, publicKeys: [other.certPem] });
    const page = await chromium().page();
    const saml = recordSaml(page);
    const mark = peer().logMark();
    await page.goto(peer().loginUrl);
    await signInAtIdp(page, 'alice');
    await page.waitForURL((url) => url.href.startsWith(peer().acsUrl));
    await page.waitForLoadState();
    const html = await page.content();
    expect(html).to.include('Unhandled exception');
    expect(html).not.to.include('table_with_attributes');
    expect(carried(saml, peer().acsUrl, 'Response')).to.have.length(1);
    // It decrypted the assertion, then failed our signature with the key of our metadata.
    const log = peer().log(mark);
    expect(log).to.include('Decryption with key #0 succeeded.');
    expect(log).to.include('Validation with key #0 failed with exception: Unable to validate Signature');
    expect(log).not.to.include('Validation with key #0 succeeded.');
    // And no session: SSP asks us again, and with our key back in place the login completes.
    await configure();
    const asked = page.waitForRequest((r) => r.url().startsWith(`${idp().idp.urls.sso}?`));
    await page.goto(peer().loginUrl);
    await asked;
    await page.waitForURL(peer().loginUrl);
    expectReleased(await readSspStatus(page), appUser('alice'));
  });
});
