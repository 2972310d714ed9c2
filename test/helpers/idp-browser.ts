import { inflateRawSync } from 'node:zlib';
import type { Browser, BrowserContext, Page, Request } from 'playwright-core';
import { launchChromium, screenshot } from './browser.js';
import { appUser, type AppUserName } from './idp-app.js';

/**
 * Chromium for the suites where a peer SP (SimpleSAMLphp, mod_auth_mellon) meets our IdP
 * (idp-app.ts): one browser per file, a fresh context (no cookies) per test, and after a failed
 * test a screenshot of every page. The test file calls it from its mocha hooks (this folder is
 * also compiled without mocha's globals).
 */
export class PeerBrowser {
  private contexts: BrowserContext[] = [];
  private pages: Page[] = [];

  private constructor(readonly browser: Browser) {}

  static async launch(): Promise<PeerBrowser> {
    return new PeerBrowser(await launchChromium());
  }

  /** A fresh context and page. */
  async page(): Promise<Page> {
    const context = await this.browser.newContext();
    this.contexts.push(context);
    const page = await context.newPage();
    this.pages.push(page);
    return page;
  }

  /** After each test: on failure, screenshots (paths printed); then the test's contexts are closed. */
  async endTest(failedTitle?: string): Promise<void> {
    if (failedTitle !== undefined) {
      for (const [i, p] of this.pages.entries()) {
        if (p.isClosed()) continue;
        const path = await screenshot(p, `FAILED-${failedTitle}-${i}`).catch(() => undefined);
        console.log(`\n[page ${i}] ${p.url()}${path ? ` (screenshot ${path})` : ''}`);
      }
    }
    for (const context of this.contexts) await context.close().catch(() => undefined);
    this.contexts = [];
    this.pages = [];
  }

  async close(): Promise<void> {
    await this.browser.close();
  }
}

/** On our IdP app's login form: types the user's credentials and submits. */
export async function signInAtIdp(page: Page, user: AppUserName, password: string = appUser(user).password): Promise<void> {
  await page.waitForSelector('#username');
  await page.fill('#username', user);
  await page.fill('#password', password);
  await page.click('#sign-in');
}

/** One SAML message the browser carried. */
export interface CarriedMessage {
  /** Where it went, without the query. */
  readonly to: string;
  readonly method: string;
  readonly parameter: 'SAMLRequest' | 'SAMLResponse';
  readonly xml: string;
  readonly relayState: string | null;
  /** HTTP-Redirect signature (saml-bindings §3.4.4.1), when present. */
  readonly sigAlg: string | null;
  readonly signature: string | null;
}

/** Records every SAML message the page sends, by HTTP-Redirect (inflated) or HTTP-POST. */
export function recordSaml(page: Page): CarriedMessage[] {
  const seen: CarriedMessage[] = [];
  page.on('request', (request: Request) => {
    const url = new URL(request.url());
    const to = `${url.origin}${url.pathname}`;
    if (request.method() === 'GET') {
      for (const parameter of ['SAMLRequest', 'SAMLResponse'] as const) {
        const value = url.searchParams.get(parameter);
        if (value === null) continue;
        const xml = inflateRawSync(Buffer.from(value, 'base64')).toString('utf8');
        seen.push({ to, method: 'GET', parameter, xml, relayState: url.searchParams.get('RelayState'), sigAlg: url.searchParams.get('SigAlg'), signature: url.searchParams.get('Signature') });
      }
    } else if (request.method() === 'POST') {
      const form = new URLSearchParams(request.postData() ?? '');
      for (const parameter of ['SAMLRequest', 'SAMLResponse'] as const) {
        const value = form.get(parameter);
        if (value === null) continue;
        seen.push({ to, method: 'POST', parameter, xml: Buffer.from(value, 'base64').toString('utf8'), relayState: form.get('RelayState'), sigAlg: null, signature: null });
      }
    }
  });
  return seen;
}

/** The messages of one kind (`LogoutRequest`, `Response`...) sent to `to`. */
export function carried(messages: readonly CarriedMessage[], to: string, element: string): CarriedMessage[] {
  return messages.filter((m) => m.to === to && new RegExp(`^(<\\?xml[^>]*>\\s*)?<([A-Za-z0-9]+:)?${element}\\b`).test(m.xml));
}
