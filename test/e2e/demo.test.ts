// The demo, started as a user starts it (`npm run demo`), driven in headless Chromium: each user
// signs in to Acme App at the IdP, reaches Stats through the IdP without a password, and one
// "Sign out" logs them out of all three apps (single logout).
import { once } from 'node:events';
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, screenshot } from '../helpers/browser.js';
import { DemoProcess, freeDemoPorts, spawnDemo } from '../helpers/demo-process.js';

describe('the demo (npm run demo) in Chromium', function () {
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

  async function signInToAcme(page: Page, username: string, password: string): Promise<void> {
    await page.goto(url('ACME_PORT'));
    await screenshot(page, `demo-acme-home-${username}`);
    await page.click('#sign-in');
    await page.waitForURL(new RegExp(`^${url('IDP_PORT', '/login')}`));
    await screenshot(page, `demo-idp-form-${username}`);
    await page.fill('#username', username);
    await page.fill('#password', password);
    await Promise.all([page.waitForURL(url('ACME_PORT')), page.click('#sign-in')]);
  }

  for (const [username, password, name, email] of [
    ['alice', 'wonderland', 'Alice Liddell', 'alice@acme.example'],
    ['bob', 'builder', 'Bob Builder', 'bob@acme.example'],
  ] as const) {
    it(`${username}: signs in to Acme, reaches Stats without a password, and signs out of all three`, async () => {
      const context = await browser.newContext();
      const page = await context.newPage();
      await signInToAcme(page, username, password);
      expect(await page.textContent('#hello')).to.include(name);
      expect(await page.content()).to.include(email).and.include('nameIdContent');
      await screenshot(page, `demo-acme-signed-in-${username}`);

      const api = await page.request.get(url('ACME_PORT', '/api/me'));
      expect(await api.json()).to.deep.include({ username: email, email });

      // Stats asks consent: the IdP lists what Stats would receive.
      await Promise.all([page.waitForURL(url('IDP_PORT', '/saml/sso/init/**')), page.click('#statistics')]);
      expect(await page.textContent('h1')).to.equal('Share your information?');
      expect(await page.textContent('body')).to.include('Stats asks to sign you in and will receive').and.include(email).and.include(name);
      await screenshot(page, `demo-consent-${username}`);
      await Promise.all([page.waitForURL(url('STATS_PORT')), page.click('button[value=accept]')]);
      expect(await page.textContent('#hello')).to.include(`Statistics for ${name}`);
      await screenshot(page, `demo-stats-${username}`);

      await page.goto(url('ACME_PORT'));
      await Promise.all([page.waitForURL(url('ACME_PORT')), page.click('#sign-out')]);
      expect(await page.textContent('#sign-in')).to.include('Sign in with SSO');
      await page.goto(url('STATS_PORT'));
      expect(await page.textContent('body')).to.include('Not signed in');
      await page.goto(url('IDP_PORT'));
      expect(await page.textContent('body')).to.include('Nobody is signed in');
      expect((await page.request.get(url('ACME_PORT', '/api/me'))).status()).to.equal(401);
      await context.close();
    });
  }

  it('Decline on the consent page: Stats says the sign-in was declined, with a way back', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signInToAcme(page, 'alice', 'wonderland');
    await Promise.all([page.waitForURL(url('IDP_PORT', '/saml/sso/init/**')), page.click('#statistics')]);
    await Promise.all([page.waitForURL(new RegExp(`^${url('STATS_PORT')}`)), page.click('button[value=decline]')]);
    const body = (await page.textContent('body')) ?? '';
    expect(await page.textContent('h1')).to.equal('Sign-in declined');
    expect(body).to.include('You declined to share your information').and.include('STATUS_NOT_SUCCESS');
    expect(await page.getAttribute('main a.button', 'href')).to.be.a('string');
    await screenshot(page, 'demo-stats-declined');
    await page.goto(url('STATS_PORT'));
    expect(await page.textContent('body')).to.include('Not signed in');
    await context.close();
  });

  it('logs one readable line per SAML step', () => {
    expect(demo.output).to.match(/\[acme\] AuthnRequest sent/).and.match(/\[acme\] response verified/).and.match(/\[acme\] user logged in/);
  });

  it('says in one line which port is taken and which variable moves it', async () => {
    const ports = { ...(await freeDemoPorts()), ACME_PORT: demo.ports.ACME_PORT };
    const second = spawnDemo(ports, demo.dataDir, false);
    let text = '';
    second.stderr?.on('data', (d: Buffer) => (text += d.toString()));
    const [code] = (await once(second, 'exit')) as [number];
    expect(code).to.equal(1);
    expect(text).to.include(`port ${demo.ports.ACME_PORT} on 127.0.0.1 is already in use; set ACME_PORT to another port.`).and.not.include('    at ');
  });

  it('stops cleanly on Ctrl-C, without a stack trace', async () => {
    await demo.interrupt();
    expect(demo.output).to.include('koa-mellon demo: stopping').and.not.include('    at ');
  });
});
