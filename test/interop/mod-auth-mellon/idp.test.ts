// Our IdP (@koa-mellon/idp) against Apache 2.4 + mod_auth_mellon 0.18.1 (Lasso 2.8 inside), the
// reference SP koa-mellon is named after, in headless Chromium: SP-initiated login with a signed
// AuthnRequest and an encrypted assertion, IdP-initiated login (sso/init/), single logout both
// ways, and refusals each side. A CGI behind mellon prints REMOTE_USER and the MELLON_* variables.
//
// Encryption: Lasso 2.8.1 (through xmlsec1 1.2.37) decrypts our default aes256-gcm with
// rsa-oaep-mgf1p; the per-SP `encryptionAlgorithm: aes256-cbc` setting is checked as well.
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import type { ServiceProviderSettings } from '@koa-mellon/idp';
import { screenshot } from '../../helpers/browser.js';
import { IdpApp, RELEASED_ATTRIBUTES, appUser, type AppUser, type AppUserName } from '../../helpers/idp-app.js';
import { PeerBrowser, carried, recordSaml, signInAtIdp } from '../../helpers/idp-browser.js';
import { testKeyPair } from '../../helpers/keys.js';
import { MellonApache } from './apache.js';
import { expectUserEnv, readEnv } from './pages.js';

const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
const AES256_GCM = 'http://www.w3.org/2009/xmlenc11#aes256-gcm';
const AES256_CBC = 'http://www.w3.org/2001/04/xmlenc#aes256-cbc';
const RSA_OAEP_MGF1P = 'http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p';

/** mellon's metadata with its signing certificate replaced by another one (the encryption key stays). */
function withWrongSigningCert(metadata: string): string {
  const other = testKeyPair('not-mellon').certBase64;
  const replaced = metadata.replace(/(<KeyDescriptor use="signing">[\s\S]*?<ds:X509Certificate>)[^<]+/, `$1${other}`);
  if (replaced === metadata) throw new Error('no signing certificate found in mellon metadata');
  return replaced;
}

describe('interop: Apache + mod_auth_mellon 0.18 as SP in front of our IdP, in Chromium', function () {
  this.timeout(60_000);
  let mellon: MellonApache | undefined;
  let app: IdpApp | undefined;
  let metadata = '';
  let failed = false;
  let browser: PeerBrowser | undefined;

  const peer = (): MellonApache => {
    if (!mellon) throw new Error('Apache is not running (the before hook failed)');
    return mellon;
  };
  const idp = (): IdpApp => {
    if (!app) throw new Error('the IdP app is not running (the before hook failed)');
    return app;
  };
  const chromium = (): PeerBrowser => {
    if (!browser) throw new Error('Chromium is not running (the before hook failed)');
    return browser;
  };

  function configure(sp: Partial<ServiceProviderSettings<AppUser>> = {}, settings: Parameters<IdpApp['configure']>[0]['settings'] = {}): void {
    idp().configure({ serviceProviders: [{ metadata, attributes: RELEASED_ATTRIBUTES, ...sp }], settings });
  }

  before(async function () {
    this.timeout(30_000);
    app = await IdpApp.start();
    // mellon reads our metadata (default key) at start-up; its own comes from /mellon/metadata.
    mellon = await MellonApache.start({ idpMetadata: app.published().metadata });
    metadata = await mellon.metadataXml();
    browser = await PeerBrowser.launch();
  });

  beforeEach(() => configure());

  afterEach(async function () {
    const title = this.currentTest?.state === 'failed' ? this.currentTest.fullTitle() : undefined;
    if (title !== undefined) {
      failed = true;
      console.log(`${app?.describe() ?? ''}\n${mellon?.logTail(40) ?? ''}`);
    }
    await browser?.endTest(title);
  });

  after(async () => {
    await browser?.close();
    if (failed && mellon) console.log(`Apache directory kept: ${mellon.dir}`);
    await app?.stop();
    await mellon?.stop({ keepDir: failed });
  });

  async function login(page: Page, user: AppUserName): Promise<Map<string, string>> {
    await page.goto(peer().secretUrl);
    await signInAtIdp(page, user);
    await page.waitForURL(peer().secretUrl);
    return readEnv(page);
  }

  it('SP-initiated: mellon\'s signed AuthnRequest, our login form, and mellon decrypts the aes256-gcm assertion and shows the attributes', async () => {
    const page = await chromium().page();
    const saml = recordSaml(page);
    await page.goto(peer().secretUrl);
    await page.waitForSelector('#sign-in');
    expect(new URL(page.url()).origin).to.equal(idp().origin);
    await signInAtIdp(page, 'alice');
    await page.waitForURL(peer().secretUrl);
    const env = await readEnv(page);
    await screenshot(page, 'idp-mellon-01-secret');
    expectUserEnv(env, appUser('alice'));

    // Lasso signed the AuthnRequest (HTTP-Redirect, rsa-sha256); mellon's metadata says
    // AuthnRequestsSigned, so our IdP required and checked it.
    const [request, ...more] = carried(saml, idp().idp.urls.sso, 'AuthnRequest');
    expect(more).to.deep.equal([]);
    expect(request?.sigAlg).to.equal(RSA_SHA256);
    expect(request?.signature).to.be.a('string').and.not.equal('');
    expect(request?.xml).to.include(peer().acsUrl);
    const [response] = carried(saml, peer().acsUrl, 'Response');
    expect(response?.xml).to.include('<saml:EncryptedAssertion');
    expect(response?.xml).to.include(`Algorithm="${AES256_GCM}"`);
    expect(response?.xml).to.include(`Algorithm="${RSA_OAEP_MGF1P}"`);
    expect(response?.xml).not.to.include(appUser('alice').email);
    // The assertion mellon shows is the one we issued.
    const issued = idp().events.find((e) => e.msg === 'koa-mellon idp: assertion issued');
    expect(env.get('MELLON_ASSERTION_ID')).to.equal(issued?.obj['assertionId']);
    expect(idp().refusals()).to.deep.equal([]);
  });

  it('per-SP encryptionAlgorithm aes256-cbc: mellon decrypts that too', async () => {
    configure({ encryptionAlgorithm: AES256_CBC });
    const page = await chromium().page();
    const saml = recordSaml(page);
    expectUserEnv(await login(page, 'bob'), appUser('bob'));
    const [response] = carried(saml, peer().acsUrl, 'Response');
    expect(response?.xml).to.include(`Algorithm="${AES256_CBC}"`);
    expect(response?.xml).not.to.include(AES256_GCM);
  });

  it('IdP-initiated: sso/init/?sp= sends mellon an unsolicited Response, and mellon follows RelayState to next', async () => {
    const page = await chromium().page();
    const saml = recordSaml(page);
    await page.goto(idp().idp.initiateUrl(peer().entityId, '/secret'));
    await signInAtIdp(page, 'bob');
    await page.waitForURL(peer().secretUrl);
    expectUserEnv(await readEnv(page), appUser('bob'));
    expect(carried(saml, idp().idp.urls.sso, 'AuthnRequest')).to.deep.equal([]);
    const [response] = carried(saml, peer().acsUrl, 'Response');
    expect(response?.xml).not.to.include('InResponseTo');
    expect(response?.relayState).to.equal('/secret');
  });

  it('SP-initiated logout: mellon\'s signed LogoutRequest ends our session, and mellon accepts our signed LogoutResponse', async () => {
    const page = await chromium().page();
    await login(page, 'alice');
    const saml = recordSaml(page);
    const mark = peer().logMark();
    await page.goto(peer().logoutUrl('/whoami'));
    await page.waitForURL(peer().whoamiUrl);
    // mellon's session is gone: the open page shows no user.
    expect(await readEnv(page)).to.deep.equal(new Map());

    const [request] = carried(saml, idp().idp.urls.slo, 'LogoutRequest');
    expect(request?.sigAlg).to.equal(RSA_SHA256);
    expect(request?.signature).to.be.a('string').and.not.equal('');
    const [response] = carried(saml, peer().sloUrl, 'LogoutResponse');
    expect(response?.sigAlg).to.equal(RSA_SHA256);
    expect(response?.xml).to.include('urn:oasis:names:tc:SAML:2.0:status:Success');
    expect(response?.relayState).to.equal('/whoami');
    expect(peer().errorLog(mark)).not.to.match(/\[auth_mellon:error\]/);
    expect(idp().refusals()).to.deep.equal([]);
    expect(idp().events.find((e) => e.msg === 'koa-mellon idp: single logout finished')?.obj).to.deep.include({ partial: false }).and.have.property('trace').that.is.a('string');

    // Our app's session is gone too: /secret sends us an AuthnRequest and we ask for the password.
    await page.goto(`${idp().origin}/`);
    expect(await page.textContent('#status')).to.equal('Signed out.');
    await page.goto(peer().secretUrl);
    await page.waitForSelector('#password');
    expect(new URL(page.url()).origin).to.equal(idp().origin);
  });

  it('IdP-initiated logout: slo/?next= sends mellon a signed LogoutRequest, mellon answers, and its session is gone', async () => {
    const page = await chromium().page();
    await login(page, 'alice');
    const cookies = (await page.context().cookies(peer().origin)).filter((c) => c.name === 'mellon-cookie');
    expect(cookies).to.have.length(1);
    const cookie = `mellon-cookie=${cookies[0]?.value ?? ''}`;
    const whoami = async () => (await (await fetch(peer().whoamiUrl, { headers: { cookie } })).text()).includes('MELLON_NAME_ID=');
    expect(await whoami()).to.equal(true);

    const saml = recordSaml(page);
    const mark = peer().logMark();
    await page.goto(`${idp().origin}/`);
    await page.click('#sign-out');
    await page.waitForURL(`${idp().origin}/`);
    expect(await page.textContent('#status')).to.equal('Signed out.');

    const [request] = carried(saml, peer().sloUrl, 'LogoutRequest');
    expect(request?.sigAlg).to.equal(RSA_SHA256);
    const [response] = carried(saml, idp().idp.urls.slo, 'LogoutResponse');
    expect(response?.sigAlg).to.equal(RSA_SHA256);
    expect(response?.signature).to.be.a('string').and.not.equal('');
    expect(response?.xml).to.include('urn:oasis:names:tc:SAML:2.0:status:Success');
    expect(peer().errorLog(mark)).not.to.match(/\[auth_mellon:error\]/);
    expect(idp().refusals()).to.deep.equal([]);
    expect(idp().events.find((e) => e.msg === 'koa-mellon idp: single logout finished')?.obj).to.deep.include({ partial: false }).and.have.property('trace').that.is.a('string');

    // mellon ended the session on its side: the old cookie, replayed from Node, is worthless...
    expect(await whoami()).to.equal(false);
    // ...and the browser's next visit to /secret is a new login at our IdP.
    await page.goto(peer().secretUrl);
    await page.waitForSelector('#password');
    expect(new URL(page.url()).origin).to.equal(idp().origin);
  });

  it('refusal (ours): an AuthnRequest whose signature does not verify with the registered key gets our error page with SIGNATURE_INVALID', async () => {
    // Misregistered on our side: mellon's metadata with another signing certificate.
    idp().configure({ serviceProviders: [{ metadata: withWrongSigningCert(metadata), attributes: RELEASED_ATTRIBUTES }] });
    const page = await chromium().page();
    const saml = recordSaml(page);
    const answer = page.waitForResponse((r) => r.url().startsWith(`${idp().idp.urls.sso}?`));
    await page.goto(peer().secretUrl);
    expect((await answer).status()).to.equal(400);
    await page.waitForSelector('code.error-code');
    expect(await page.textContent('code.error-code')).to.equal('SIGNATURE_INVALID');
    await screenshot(page, 'idp-mellon-02-bad-signature-refused');
    expect(carried(saml, idp().idp.urls.sso, 'AuthnRequest')[0]?.sigAlg).to.equal(RSA_SHA256);
    expect(idp().refusals()).to.deep.equal(['SIGNATURE_INVALID']);
    expect(carried(saml, peer().acsUrl, 'Response')).to.deep.equal([]);
  });

  it('refusal (mellon\'s): an assertion signed with a key our metadata does not publish is rejected, and mellon opens no session', async () => {
    const other = testKeyPair('idp-not-in-metadata');
    configure({}, { privateKey: other.keyPem, publicKeys: [other.certPem] });
    const page = await chromium().page();
    const saml = recordSaml(page);
    const mark = peer().logMark();
    const acsAnswer = page.waitForResponse((r) => r.url() === peer().acsUrl);
    await page.goto(peer().secretUrl);
    await signInAtIdp(page, 'alice');
    const answer = await acsAnswer;
    expect(answer.status()).to.equal(400);
    await screenshot(page, 'idp-mellon-03-bad-assertion-refused');
    expect(carried(saml, peer().acsUrl, 'Response')).to.have.length(1);
    // Lasso checked our signature with the key of the metadata it holds, and refused it.
    expect(peer().errorLog(mark)).to.include('Error processing authn response. Lasso error: [-111] Failed to verify signature.');
    // No mellon session: /whoami shows nobody.
    await page.goto(peer().whoamiUrl);
    expect(await readEnv(page)).to.deep.equal(new Map());
  });
});
