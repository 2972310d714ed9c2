import { inflateRawSync } from 'node:zlib';
import { expect } from 'chai';
import type { Browser, BrowserContext, Page, Request } from 'playwright-core';
import { launchChromium, screenshot } from '../../helpers/browser.js';
import { SimpleSamlPhp, SSP_USERS, type SspStartOptions, type SspUser } from '../../helpers/ssp.js';
import { SpApp, type SpAppOptions } from './sp-app.js';

/**
 * One SimpleSAMLphp and one Chromium per test file (before/after hooks), a fresh browser context
 * (no cookies: no SSP or SP session) per test, and every SP a test starts stopped after it. When a
 * test fails, SSP's log tail, the SPs' requests and log lines, and a screenshot are printed/saved.
 */
export interface World {
  readonly ssp: SimpleSamlPhp;
  readonly browser: Browser;
  /** A fresh context and page for this test. */
  page(): Promise<Page>;
  /** Starts an SP app and registers its metadata with SSP (unless `register: false`). */
  startSp(options?: Partial<SpAppOptions> & { register?: boolean }): Promise<SpApp>;
  /** Keeps an SP (or any stoppable) to be stopped after the test. */
  track<T extends { stop(): Promise<void> }>(thing: T): T;
}

export function useWorld(options: { ssp?: SspStartOptions; chromiumArgs?: string[] } = {}): World {
  let ssp: SimpleSamlPhp | undefined;
  let browser: Browser | undefined;
  let contexts: BrowserContext[] = [];
  let pages: Page[] = [];
  let tracked: { stop(): Promise<void> }[] = [];
  let sps: SpApp[] = [];
  let failed = false;

  before(async function () {
    this.timeout(60_000);
    ssp = await SimpleSamlPhp.start(options.ssp);
    browser = await launchChromium(options.chromiumArgs);
  });

  beforeEach(() => {
    ssp?.configureIdp({});
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') {
      failed = true;
      const name = this.currentTest.fullTitle();
      for (const [i, p] of pages.entries()) {
        if (p.isClosed()) continue;
        const path = await screenshot(p, `FAILED-${name}-${i}`).catch(() => undefined);
        console.log(`\n[page ${i}] ${p.url()}${path ? ` (screenshot ${path})` : ''}`);
      }
      for (const sp of sps) console.log(sp.describe());
      if (ssp) console.log(ssp.logTail(80));
    }
    for (const context of contexts) await context.close().catch(() => undefined);
    for (const thing of tracked.reverse()) await thing.stop();
    contexts = [];
    pages = [];
    tracked = [];
    sps = [];
  });

  after(async function () {
    this.timeout(30_000);
    await browser?.close();
    // After a failure the SSP directory (config, full log, sessions) is kept for a look.
    if (failed && ssp) console.log(`SimpleSAMLphp directory kept: ${ssp.dir}`);
    await ssp?.stop({ keepDir: failed });
  });

  const world: World = {
    get ssp() {
      if (!ssp) throw new Error('SimpleSAMLphp is not running (the before hook failed)');
      return ssp;
    },
    get browser() {
      if (!browser) throw new Error('Chromium is not running (the before hook failed)');
      return browser;
    },
    async page() {
      const context = await world.browser.newContext();
      contexts.push(context);
      const page = await context.newPage();
      pages.push(page);
      return page;
    },
    async startSp(spOptions = {}) {
      const { register = true, ...rest } = spOptions;
      const sp = world.track(await SpApp.start({ idpMetadataUrl: world.ssp.metadataUrl, ...rest }));
      sps.push(sp);
      world.ssp.trustDomain(new URL(sp.origin).host);
      if (register) world.ssp.registerSp(await sp.metadataXml());
      return sp;
    },
    track(thing) {
      tracked.push(thing);
      return thing;
    },
  };
  return world;
}

/** On SSP's login form: types the user's credentials and submits. */
export async function submitIdpForm(page: Page, user: SspUser, password: string = SSP_USERS[user].password): Promise<void> {
  await page.waitForSelector('#username');
  await page.fill('#username', user);
  await page.fill('#password', password);
  await page.click('#submit_button');
}

/** Asserts the page is the app's /private page for `user`, with the mapped attributes. */
export async function expectPrivatePage(page: Page, sp: SpApp, user: SspUser): Promise<void> {
  await page.waitForURL(sp.url('/private'));
  expect(await page.textContent('#username')).to.equal(`${user}@saml`);
  expect(await page.textContent('#email')).to.equal(SSP_USERS[user].attributes.mail[0]);
  expect(await page.textContent('#name-id')).to.equal(user);
  const displayName = SSP_USERS[user].attributes.displayName[0];
  expect(await page.textContent('#display-name')).to.equal(displayName);
  expect(await page.textContent('#attributes tr[data-name="eduPersonAffiliation"] td')).to.equal(SSP_USERS[user].attributes.eduPersonAffiliation.join(', '));
}

/** Whether the browser's cookies make the app see a user (asked from the page's context, not the UI). */
export async function whoami(page: Page, sp: SpApp): Promise<{ user: { username: string } | null }> {
  const response = await page.context().request.get(sp.url('/whoami'));
  return (await response.json()) as { user: { username: string } | null };
}

/** Records the SAML messages the browser carries: the SAMLResponse posted to our ACS, the AuthnRequest URL. */
export function recordSaml(page: Page, sp: SpApp): { responses: string[]; authnRequests: URL[]; logoutRequests: URL[] } {
  const seen = { responses: [] as string[], authnRequests: [] as URL[], logoutRequests: [] as URL[] };
  page.on('request', (request: Request) => {
    const url = new URL(request.url());
    if (request.method() === 'POST' && request.url() === sp.urls.login) {
      const saml = new URLSearchParams(request.postData() ?? '').get('SAMLResponse');
      if (saml) seen.responses.push(Buffer.from(saml, 'base64').toString('utf8'));
    }
    if (url.pathname.endsWith('/saml2/idp/SSOService.php') && url.searchParams.has('SAMLRequest')) seen.authnRequests.push(url);
    if (url.pathname.endsWith('/saml2/idp/SingleLogoutService.php') && url.searchParams.has('SAMLRequest')) seen.logoutRequests.push(url);
  });
  return seen;
}

/** The XML of an HTTP-Redirect SAML message (saml-bindings §3.4.4.1: DEFLATE, base64, URL-encoded). */
export function redirectXml(url: URL, parameter: 'SAMLRequest' | 'SAMLResponse' = 'SAMLRequest'): string {
  const value = url.searchParams.get(parameter);
  if (value === null) throw new Error(`no ${parameter} in ${url.href.slice(0, 100)}`);
  return inflateRawSync(Buffer.from(value, 'base64')).toString('utf8');
}

export const authnRequestXml = (url: URL): string => redirectXml(url, 'SAMLRequest');
