// The demo's single-page app (`npm run demo`, Acme SPA) in headless Chromium: SAML login through
// the JWT bridge's code handoff with PKCE, an API call with the access token, a refresh, then
// "Statistics" (a one-time launch link: Acme API's IdP logs the user in to Stats, IdP-initiated),
// "Sign out everywhere" (tokens revoked, SAML single logout at both IdPs, Stats included), after
// which the API refuses the old token.
import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { launchChromium, screenshot } from '../helpers/browser.js';
import { DemoProcess } from '../helpers/demo-process.js';

describe('the demo SPA (Acme SPA on the JWT bridge) in Chromium', function () {
  this.timeout(90_000);
  let demo: DemoProcess;
  let browser: Browser;
  const url: DemoProcess['url'] = (name, path) => demo.url(name, path);

  before(async () => {
    demo = await DemoProcess.start();
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await demo?.stop();
  });

  it("the start-up banner lists the SPA's URL", () => {
    expect(demo.output).to.include(`Acme SPA   ${url('SPA_PORT')}`);
  });

  it('signs in through SAML (code + PKCE), calls the API, refreshes, opens Statistics, signs out everywhere; the old token is refused', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const tokens: string[] = [];
    page.on('response', async (response) => {
      if (response.url() === url('API_PORT', '/jwt/token') && response.request().method() === 'POST' && response.ok()) tokens.push(((await response.json()) as { access_token: string }).access_token);
    });
    await page.goto(url('SPA_PORT'));
    expect(await page.textContent('#status')).to.equal('Not signed in.');
    await screenshot(page, 'demo-spa-1-home');

    await Promise.all([page.waitForURL(new RegExp(`^${url('IDP_PORT', '/login')}`)), page.click('#sign-in')]);
    await page.fill('#username', 'alice');
    await page.fill('#password', 'wonderland');
    await Promise.all([page.waitForURL(url('SPA_PORT')), page.click('#sign-in')]);
    await page.waitForSelector('#call-api:enabled');
    expect(await page.textContent('#status')).to.equal('Signed in as Alice Liddell (alice@acme.example).');
    const claims = (await page.textContent('#claims')) ?? '';
    expect(claims).to.include('typ at+jwt, alg EdDSA').and.include('acme-spa').and.include(url('API_PORT')).and.include('analysts');
    expect(page.url()).to.equal(url('SPA_PORT'), 'the code is gone from the address bar');
    await screenshot(page, 'demo-spa-2-signed-in');

    await page.click('#call-api');
    await page.waitForFunction(() => document.getElementById('api')?.textContent?.startsWith('HTTP 200'));
    expect(await page.textContent('#api')).to.include('"email": "alice@acme.example"');
    await screenshot(page, 'demo-spa-3-api');

    await page.click('#refresh');
    await page.waitForFunction(() => document.getElementById('log')?.textContent?.includes('replaced by'));
    // The response listener reads bodies asynchronously: give it the moment it needs.
    for (let i = 0; i < 50 && tokens.length < 2; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(tokens).to.have.length(2);
    expect(tokens[1]).to.not.equal(tokens[0]);
    await page.click('#call-api');
    await page.waitForFunction(() => (document.getElementById('log')?.textContent?.match(/HTTP 200/g) ?? []).length === 2);
    await screenshot(page, 'demo-spa-4-refreshed');

    // Statistics: a one-time launch link to Acme API's IdP logs alice in to Stats, no password.
    const [stats] = await Promise.all([context.waitForEvent('page'), page.click('#statistics')]);
    await stats.waitForURL(url('STATS_PORT'));
    expect(await stats.textContent('#hello')).to.equal('Statistics for Alice Liddell: 42 reports this week.');
    await screenshot(stats, 'demo-spa-5-stats');
    await screenshot(page, 'demo-spa-6-launched');
    const launch = (await page.textContent('#log')) ?? '';
    expect(launch).to.include('one-time launch link');

    await Promise.all([page.waitForURL(url('SPA_PORT')), page.click('#sign-out')]);
    await page.waitForFunction(() => document.getElementById('status')?.textContent?.startsWith('Signed out everywhere'));
    await screenshot(page, 'demo-spa-7-signed-out');
    // Acme API's IdP ran single logout too: Stats is signed out.
    await stats.reload();
    expect(await stats.textContent('body')).to.include('Not signed in.');
    // The IdP session ended too (SAML single logout), and the API refuses the tokens it had issued.
    await page.goto(url('IDP_PORT'));
    expect(await page.textContent('body')).to.include('Nobody is signed in');
    for (const token of tokens) {
      const refused = await page.request.get(url('API_PORT', '/api/profile'), { headers: { authorization: `Bearer ${token}` } });
      expect(refused.status()).to.equal(401);
      expect(await refused.json()).to.have.property('code', 'TOKEN_REVOKED');
    }
    await context.close();
  });

  it("a logout started elsewhere (Acme App's Sign out, SAML single logout at the IdP) revokes the SPA's tokens too", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    let token = '';
    page.on('response', async (response) => {
      if (response.url() === url('API_PORT', '/jwt/token') && response.ok()) token = ((await response.json()) as { access_token: string }).access_token;
    });
    await page.goto(url('SPA_PORT'));
    await Promise.all([page.waitForURL(new RegExp(`^${url('IDP_PORT', '/login')}`)), page.click('#sign-in')]);
    await page.fill('#username', 'bob');
    await page.fill('#password', 'builder');
    await Promise.all([page.waitForURL(url('SPA_PORT')), page.click('#sign-in')]);
    await page.waitForSelector('#call-api:enabled');
    for (let i = 0; i < 50 && token === ''; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    const profile = () => page.request.get(url('API_PORT', '/api/profile'), { headers: { authorization: `Bearer ${token}` } });
    expect((await profile()).status()).to.equal(200);
    // Acme App: the IdP session signs bob in without a password; its Sign out runs single logout.
    await page.goto(url('ACME_PORT'));
    await Promise.all([page.waitForURL(url('ACME_PORT')), page.click('#sign-in')]);
    await Promise.all([page.waitForURL(url('ACME_PORT')), page.click('#sign-out')]);
    const refused = await profile();
    expect(refused.status()).to.equal(401);
    expect(await refused.json()).to.have.property('code', 'TOKEN_REVOKED');
    await context.close();
  });
});
