// Two SPs we did not write, one IdP session: mod_auth_mellon and SimpleSAMLphp (saml:SP) both in
// front of our IdP, in Chromium. A login at one is reused by the other (no second password), and
// single logout started at either reaches the other through the browser (saml-profiles §4.4.3.3:
// the IdP sends each other session participant a LogoutRequest before answering the initiator).
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { IdpApp, RELEASED_ATTRIBUTES, appUser } from '../../helpers/idp-app.js';
import { PeerBrowser, carried, recordSaml, signInAtIdp } from '../../helpers/idp-browser.js';
import { SimpleSamlPhpSp } from '../../helpers/ssp-sp.js';
import { expectReleased, readSspStatus } from '../simplesamlphp/as-sp-pages.js';
import { MellonApache } from './apache.js';
import { expectUserEnv, readEnv } from './pages.js';

const SUCCESS = 'urn:oasis:names:tc:SAML:2.0:status:Success';

describe('interop: mod_auth_mellon and SimpleSAMLphp sharing one session at our IdP, in Chromium', function () {
  this.timeout(60_000);
  let app: IdpApp | undefined;
  let ssp: SimpleSamlPhpSp | undefined;
  let mellon: MellonApache | undefined;
  let browser: PeerBrowser | undefined;
  let failed = false;

  const running = <T>(thing: T | undefined, name: string): T => {
    if (thing === undefined) throw new Error(`${name} is not running (the before hook failed)`);
    return thing;
  };
  const idp = () => running(app, 'the IdP app');
  const sspSp = () => running(ssp, 'SimpleSAMLphp');
  const apache = () => running(mellon, 'Apache');
  const chromium = () => running(browser, 'Chromium');

  before(async function () {
    this.timeout(30_000);
    app = await IdpApp.start();
    const published = app.published();
    [ssp, mellon, browser] = await Promise.all([SimpleSamlPhpSp.start(), MellonApache.start({ idpMetadata: published.metadata }), PeerBrowser.launch()]);
    ssp.useIdp(published.entityId, published.metadata);
  });

  beforeEach(async () => {
    const [sspMetadata, mellonMetadata] = await Promise.all([sspSp().metadataXml(), apache().metadataXml()]);
    idp().configure({
      serviceProviders: [
        { metadata: sspMetadata, attributes: RELEASED_ATTRIBUTES },
        { metadata: mellonMetadata, attributes: RELEASED_ATTRIBUTES },
      ],
    });
  });

  afterEach(async function () {
    const title = this.currentTest?.state === 'failed' ? this.currentTest.fullTitle() : undefined;
    if (title !== undefined) {
      failed = true;
      console.log(`${app?.describe() ?? ''}\n${ssp?.logTail(40) ?? ''}\n${mellon?.logTail(30) ?? ''}`);
    }
    await browser?.endTest(title);
  });

  after(async () => {
    await browser?.close();
    await app?.stop();
    await Promise.all([ssp?.stop({ keepDir: failed }), mellon?.stop({ keepDir: failed })]);
    if (failed) console.log(`kept: ${ssp?.dir ?? ''} ${mellon?.dir ?? ''}`);
  });

  /** Alice logs in at `first` with our form, then visits the other SP, which gets her in without one. */
  async function loginAtBoth(page: Page, first: 'ssp' | 'mellon'): Promise<void> {
    const atSsp = async () => {
      await page.goto(sspSp().loginUrl);
      if (first === 'ssp') await signInAtIdp(page, 'alice');
      await page.waitForURL(sspSp().loginUrl);
      expectReleased(await readSspStatus(page), appUser('alice'));
    };
    const atMellon = async () => {
      await page.goto(apache().secretUrl);
      if (first === 'mellon') await signInAtIdp(page, 'alice');
      await page.waitForURL(apache().secretUrl);
      expectUserEnv(await readEnv(page), appUser('alice'));
    };
    if (first === 'ssp') await atSsp().then(atMellon);
    else await atMellon().then(atSsp);
    // One trip to our login form for both SPs.
    expect(idp().handled.filter((line) => line.startsWith('POST /login '))).to.deep.equal(['POST /login 303']);
    expect(idp().events.filter((e) => e.msg === 'koa-mellon idp: assertion issued')).to.have.length(2);
  }

  it('mellon starts the logout: our IdP tells SSP through the browser, then answers mellon; both sessions are gone', async () => {
    const page = await chromium().page();
    await loginAtBoth(page, 'ssp');
    const saml = recordSaml(page);
    await page.goto(apache().logoutUrl('/whoami'));
    await page.waitForURL(apache().whoamiUrl);
    expect(await readEnv(page)).to.deep.equal(new Map());

    // mellon → us → SSP → us → mellon, every hop signed.
    const hops = saml.map((m) => `${m.xml.match(/^(?:<\?xml[^>]*>\s*)?<(?:\w+:)?(\w+)/)?.[1]} → ${m.to}`);
    expect(hops).to.deep.equal([
      `LogoutRequest → ${idp().idp.urls.slo}`,
      `LogoutRequest → ${sspSp().sloUrl}`,
      `LogoutResponse → ${idp().idp.urls.slo}`,
      `LogoutResponse → ${apache().sloUrl}`,
    ]);
    for (const message of saml) expect(message.signature, message.to).to.be.a('string').and.not.equal('');
    expect(carried(saml, idp().idp.urls.slo, 'LogoutResponse')[0]?.xml).to.include(SUCCESS);
    const [final] = carried(saml, apache().sloUrl, 'LogoutResponse');
    expect(final?.xml).to.include(SUCCESS);
    expect(final?.xml).not.to.include('PartialLogout');
    expect(idp().refusals()).to.deep.equal([]);

    // SSP's session is gone: its page starts a new login, and we ask for the password.
    await page.goto(sspSp().loginUrl);
    await page.waitForSelector('#password');
    expect(new URL(page.url()).origin).to.equal(idp().origin);
  });

  it('SSP starts the logout: our IdP tells mellon through the browser, then answers SSP; both sessions are gone', async () => {
    const page = await chromium().page();
    await loginAtBoth(page, 'mellon');
    const saml = recordSaml(page);
    await page.goto(sspSp().logoutUrl);
    await page.waitForURL((url) => url.href.startsWith(sspSp().loggedOutUrl));
    expect(await page.textContent('body')).to.include('You have been logged out.');

    const hops = saml.map((m) => `${m.xml.match(/^(?:<\?xml[^>]*>\s*)?<(?:\w+:)?(\w+)/)?.[1]} → ${m.to}`);
    expect(hops).to.deep.equal([
      `LogoutRequest → ${idp().idp.urls.slo}`,
      `LogoutRequest → ${apache().sloUrl}`,
      `LogoutResponse → ${idp().idp.urls.slo}`,
      `LogoutResponse → ${sspSp().sloUrl}`,
    ]);
    for (const message of saml) expect(message.signature, message.to).to.be.a('string').and.not.equal('');
    const [final] = carried(saml, sspSp().sloUrl, 'LogoutResponse');
    expect(final?.xml).to.include(SUCCESS);
    expect(final?.xml).not.to.include('PartialLogout');
    expect(idp().refusals()).to.deep.equal([]);

    // mellon's session is gone: the open page shows nobody, and /secret asks us again.
    await page.goto(apache().whoamiUrl);
    expect(await readEnv(page)).to.deep.equal(new Map());
    await page.goto(apache().secretUrl);
    await page.waitForSelector('#password');
    expect(new URL(page.url()).origin).to.equal(idp().origin);
  });
});
