// Issue #18, finding the organization, in headless Chromium: from the identity-first page at
// {base}/login/ through a real login at an @koa-mellon/idp IdP back to the app, and the chooser
// when two organizations share an e-mail domain (their IdPs' mdui names and https logos).
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import Koa from 'koa';
import type { Browser, Page } from 'playwright-core';
import { createMellonOrganizations, type MellonOrganizations } from 'koa-mellon';
import { launchChromium, screenshot } from '../helpers/browser.js';
import { IdpApp } from '../helpers/idp-app.js';
import { signInAtIdp } from '../helpers/idp-browser.js';
import { testKeyPair } from '../helpers/keys.js';
import { withUiInfo } from '../helpers/mdui.js';
import { pageProblems } from '../helpers/page-checks.js';

// A logo: an SVG the test serves for the IdPs' https logo URLs.
const LOGO = '<svg xmlns="http://www.w3.org/2000/svg" width="80" height="40"><rect width="80" height="40" rx="6" fill="#0b3d91"/><text x="40" y="26" font-size="16" text-anchor="middle" fill="#fff" font-family="sans-serif">IdP</text></svg>';

describe('e2e: finding the organization (identity-first page, chooser) in Chromium', function () {
  this.timeout(60_000);
  let browser: Browser;
  let idp: IdpApp;
  let server: Server;
  let orgs: MellonOrganizations;
  let sp: string;

  before(async () => {
    idp = await IdpApp.start();
    let handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
    server = createServer((req, res) => handler?.(req, res));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    sp = `http://localhost:${(server.address() as AddressInfo).port}`;
    const metadata = idp.published().metadata;
    orgs = createMellonOrganizations({
      baseUrl: `${sp}/sso`,
      privateKey: testKeyPair('sp').keyPem,
      publicKeys: [testKeyPair('sp').certPem],
      logger: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
      pages: { appName: 'Acme Portal' },
      organizations: [
        { slug: 'acme', name: 'Acme Corporation', metadata, emailDomains: ['acme.example'] },
        { slug: 'globex', name: 'Globex', metadata: withUiInfo(metadata, { displayName: 'Globex staff sign-in', logos: ['https://logos.example.test/globex.svg'] }), emailDomains: ['shared.example'] },
        { slug: 'hooli', name: 'Hooli & Partners <Europe>', metadata, emailDomains: ['shared.example'] },
        { slug: 'initech', name: 'Initech', metadata, emailDomains: ['shared.example'], enabled: false },
      ],
    });
    const app = new Koa();
    app.keys = ['sp-cookie-secret'];
    app.use(orgs.middleware());
    app.use(orgs.routes());
    app.use(async (ctx) => {
      if (ctx.path === '/whoami') ctx.body = { user: ctx.state.user?.username ?? null };
    });
    handler = app.callback();
    const spMetadata = async (slug: string) => ({ metadata: await (await fetch(`${sp.replace('localhost', '127.0.0.1')}/sso/${slug}/metadata/`)).text() });
    idp.configure({ serviceProviders: [await spMetadata('acme'), await spMetadata('globex'), await spMetadata('hooli')] });
    browser = await launchChromium(['--host-resolver-rules=MAP localhost 127.0.0.1']);
  });
  after(async () => {
    await browser?.close();
    orgs?.close();
    await idp?.stop();
    server?.closeAllConnections();
    server?.close();
  });

  async function newPage(width: number): Promise<Page> {
    const context = await browser.newContext({ viewport: { width, height: 800 } });
    const page = await context.newPage();
    await page.route('https://logos.example.test/**', (route) => route.fulfill({ status: 200, contentType: 'image/svg+xml', body: LOGO }));
    return page;
  }

  async function whoami(page: Page): Promise<string | null> {
    return ((await (await page.request.get(`${sp}/whoami`)).json()) as { user: string | null }).user;
  }

  for (const width of [1280, 390]) {
    it(`${width}px: types an e-mail, lands at the organization's IdP, signs in, and is back in the app`, async () => {
      const page = await newPage(width);
      await page.goto(`${sp}/sso/login/?next=/whoami`);
      // The field has the focus and its label.
      expect(await page.evaluate(() => document.activeElement?.id)).to.equal('email');
      expect(await page.getByLabel('Work e-mail address').getAttribute('autocomplete')).to.equal('email');
      expect(await page.title()).to.equal('Sign in · Acme Portal');
      await screenshot(page, `find-org-form-${width}`);
      await page.fill('#email', 'nobody@unknown.example');
      await page.click('button[type=submit]');
      expect(await page.textContent('#notice')).to.include('No organization signs in');
      expect(await pageProblems(page)).to.deep.equal([]);
      await screenshot(page, `find-org-none-${width}`);
      await page.fill('#email', 'alice@acme.example');
      await Promise.all([page.waitForURL(`${idp.origin}/login**`), page.click('button[type=submit]')]);
      await signInAtIdp(page, 'alice');
      await page.waitForURL(`${sp}/whoami`);
      expect(await whoami(page)).to.match(/@acme$/); // the IdP's pairwise NameID, scoped by the slug
      await page.context().close();
    });

    it(`${width}px: two organizations share the domain: the chooser lists both (not the disabled one), then signs in at the one picked`, async () => {
      const page = await newPage(width);
      await page.goto(`${sp}/sso/login/?next=/whoami`);
      await page.fill('#email', 'bob@shared.example');
      await page.click('button[type=submit]');
      await page.waitForSelector('h1:text("Choose your organization")');
      const names = await page.locator('.choice .name').allTextContents();
      expect(names).to.deep.equal(['Globex', 'Hooli & Partners <Europe>']);
      expect(await page.locator('.choice img').evaluateAll((imgs) => imgs.map((img) => (img as HTMLImageElement).naturalWidth))).to.deep.equal([80]);
      expect(await page.textContent('.choice .detail')).to.equal('Globex staff sign-in');
      expect(await pageProblems(page)).to.deep.equal([]);
      await screenshot(page, `find-org-chooser-${width}`);
      await Promise.all([page.waitForURL(`${idp.origin}/login**`), page.click('text=Hooli & Partners <Europe>')]);
      await signInAtIdp(page, 'bob');
      await page.waitForURL(`${sp}/whoami`);
      expect(await whoami(page)).to.match(/@hooli$/);
      await page.context().close();
    });
  }
});
