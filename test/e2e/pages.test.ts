// Issue #13, "pages users see", in headless Chromium at 1280 and 390 px: the SP's IdP chooser, the
// IdP's consent page, the SP's page after Decline, and the IdP's error page, each in its app's
// name and colour (`pages` setting), checked for what a person needs (one h1 in a main landmark,
// labelled fields, keyboard focus visible, text contrast, no sideways scrolling) and screenshotted
// to test/artifacts/pages-*.png.
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import Koa from 'koa';
import type { Browser, Page } from 'playwright-core';
import { generateIdpMetadata } from '@koa-mellon/saml';
import { createMellon, type Mellon } from 'koa-mellon';
import { launchChromium, screenshot } from '../helpers/browser.js';
import { IdpApp, RELEASED_ATTRIBUTES } from '../helpers/idp-app.js';
import { signInAtIdp } from '../helpers/idp-browser.js';
import { testKeyPair } from '../helpers/keys.js';
import { withUiInfo } from '../helpers/mdui.js';
import { pageProblems } from '../helpers/page-checks.js';

const LOGO = '<svg xmlns="http://www.w3.org/2000/svg" width="80" height="40"><rect width="80" height="40" rx="6" fill="#6a1b9a"/><text x="40" y="26" font-size="15" text-anchor="middle" fill="#fff" font-family="sans-serif">Example</text></svg>';
const SILENT = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

describe('e2e: the pages a person sees, in the app’s name and colour (Chromium, two widths)', function () {
  this.timeout(90_000);
  let browser: Browser;
  let idp: IdpApp;
  let server: Server;
  let mellon: Mellon;
  let sp: string;

  before(async () => {
    idp = await IdpApp.start();
    let handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
    server = createServer((req, res) => handler?.(req, res));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    sp = `http://localhost:${(server.address() as AddressInfo).port}`;
    const idpPages = { appName: 'Example Identity', accentColor: '#6a1b9a' };
    const contoso = generateIdpMetadata({ entityId: 'https://contoso.example.test/idp', singleSignOnServiceUrl: 'https://contoso.example.test/sso', certificates: [testKeyPair('idp').certPem] });
    mellon = createMellon({
      baseUrl: `${sp}/sso`,
      privateKey: testKeyPair('sp').keyPem,
      publicKeys: [testKeyPair('sp').certPem],
      logger: SILENT,
      pages: { appName: 'Acme Portal', accentColor: '#1b5e20' },
      identityProviders: [
        { metadata: withUiInfo(idp.published({ pages: idpPages }).metadata, { displayName: 'Example staff sign-in', logos: ['https://logos.example.test/example.svg'] }) },
        { metadata: withUiInfo(contoso, { displayName: 'Contoso partners', logos: [] }) },
      ],
    });
    const app = new Koa();
    app.keys = ['sp-cookie-secret'];
    app.use(mellon.middleware());
    app.use(mellon.routes());
    app.use(async (ctx) => {
      if (ctx.path === '/whoami') ctx.body = { user: ctx.state.user?.username ?? null };
    });
    handler = app.callback();
    const metadata = await (await fetch(`${sp.replace('localhost', '127.0.0.1')}/sso/metadata/`)).text();
    idp.configure({ serviceProviders: [{ metadata, askConsent: true, attributes: RELEASED_ATTRIBUTES }], settings: { pages: idpPages } });
    browser = await launchChromium(['--host-resolver-rules=MAP localhost 127.0.0.1']);
  });
  after(async () => {
    await browser?.close();
    mellon?.close();
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

  it('the page checks find what a person would miss (so that their silence on our pages means something)', async () => {
    const page = await newPage(390);
    await page.setContent(
      '<html><body><main><h1>A</h1><h1>B</h1><p style="color:#999">faint</p><input name="email"><div style="width:900px">wide</div>' +
        '<a class="button" href="#" style="background:#ffcc00;color:#fff;outline:none">Go</a></main></body></html>',
    );
    expect(await pageProblems(page)).to.deep.equal(['no lang', 'not one h1', 'unlabelled input email', 'scrolls sideways (908 > 390)', 'contrast 2.85 of "faint"', 'contrast 1.51 of "Go"', 'focus ring auto 1px on INPUT']);
    await page.context().close();
  });

  for (const width of [1280, 390]) {
    it(`${width}px: SP chooser → IdP consent → Decline → the SP says the sign-in was declined, with a way back`, async () => {
      const page = await newPage(width);
      await page.goto(`${sp}/sso/login/?next=/whoami`);
      expect(await page.title()).to.equal('Sign in · Acme Portal');
      expect(await page.locator('.choice .name').allTextContents()).to.deep.equal(['Example staff sign-in', 'Contoso partners']);
      expect(await page.locator('.choice img').evaluateAll((imgs) => imgs.map((img) => (img as HTMLImageElement).naturalWidth))).to.deep.equal([80]);
      expect(await pageProblems(page)).to.deep.equal([]);
      await screenshot(page, `pages-sp-chooser-${width}`);

      await Promise.all([page.waitForURL(`${idp.origin}/login**`), page.click('text=Example staff sign-in')]);
      await signInAtIdp(page, 'alice');
      await page.waitForSelector('h1:text("Share your information?")');
      expect(await page.title()).to.equal('Share your information? · Example Identity');
      expect(await page.textContent('header')).to.equal('Example Identity');
      expect(await page.locator('table.released th').allTextContents()).to.include('mail');
      expect(await pageProblems(page)).to.deep.equal([]);
      await screenshot(page, `pages-idp-consent-${width}`);

      await Promise.all([page.waitForURL(`${sp}/sso/login/**`), page.click('button[value=decline]')]);
      await page.waitForSelector('h1');
      expect(await page.title()).to.equal('Sign-in declined · Acme Portal');
      expect(await page.textContent('h1')).to.equal('Sign-in declined');
      expect(await page.textContent('main [role=alert]')).to.include('You declined to share your information');
      expect(await page.getAttribute('main a.button', 'href')).to.equal('/whoami');
      expect(await pageProblems(page)).to.deep.equal([]);
      await screenshot(page, `pages-sp-declined-${width}`);
      expect(((await (await page.request.get(`${sp}/whoami`)).json()) as { user: string | null }).user).to.equal(null);
      await page.context().close();
    });

    it(`${width}px: the IdP's error page for a request it cannot read`, async () => {
      const page = await newPage(width);
      const response = await page.goto(`${idp.baseUrl}/sso/?SAMLRequest=not-a-request`);
      expect(response?.status()).to.equal(400);
      expect(await page.title()).to.equal('Sign-in problem · Example Identity');
      expect(await pageProblems(page)).to.deep.equal([]);
      await screenshot(page, `pages-idp-error-${width}`);
      await page.context().close();
    });
  }
});
