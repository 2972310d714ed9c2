// Single logout with SimpleSAMLphp, both ways, over HTTP-Redirect with signed messages:
// SP-initiated (our logout/ → SSP → back) and IdP-initiated (SSP's initSLO.php).
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { screenshot } from '../../helpers/browser.js';
import type { SpApp } from './sp-app.js';
import { expectPrivatePage, recordSaml, redirectXml, submitIdpForm, useWorld, whoami } from './world.js';

/** The session cookies of the browser, as a Cookie header (to replay them from Node after logout). */
async function cookieHeader(page: Page, sp: SpApp): Promise<string> {
  return (await page.context().cookies(sp.origin)).map((c) => `${c.name}=${c.value}`).join('; ');
}

/** What the app says about a Cookie header, asked from Node: a session ended on the server stays ended. */
async function userWith(sp: SpApp, cookie: string): Promise<unknown> {
  const body = (await (await fetch(sp.url('/whoami'), { headers: { cookie } })).json()) as { user: unknown };
  return body.user;
}

describe('interop: SimpleSAMLphp — single logout in Chromium', function () {
  this.timeout(60_000);
  const world = useWorld();

  async function loggedIn(sp: SpApp): Promise<{ page: Page; saml: ReturnType<typeof recordSaml>; cookie: string }> {
    const page = await world.page();
    const saml = recordSaml(page, sp);
    await page.goto(sp.url('/private'));
    await submitIdpForm(page, 'student');
    await expectPrivatePage(page, sp, 'student');
    const cookie = await cookieHeader(page, sp);
    expect(await userWith(sp, cookie)).to.have.property('username', 'student@saml');
    return { page, saml, cookie };
  }

  it('SP-initiated: logout/ ends our session and SSP\'s, and comes back to next', async () => {
    // SSP checks our LogoutRequest's signature.
    world.ssp.configureIdp({ validateLogout: true });
    const sp = await world.startSp();
    const { page, saml, cookie } = await loggedIn(sp);
    const mark = world.ssp.logMark();
    await page.click('#sign-out');
    await page.waitForURL(sp.url('/'));
    expect(await page.textContent('#status')).to.equal('Signed out.');

    // A signed LogoutRequest went to SSP, whose signed LogoutResponse we accepted.
    expect(saml.logoutRequests).to.have.length(1);
    const request = saml.logoutRequests[0] as URL;
    expect(request.searchParams.get('Signature')).to.be.a('string');
    expect(redirectXml(request)).to.include('>student</saml:NameID>');
    const back = sp.handled.find((r) => r.path.startsWith(`${new URL(sp.urls.logout).pathname}?SAMLResponse=`));
    expect(back?.status).to.equal(302);
    expect(sp.events.map((e) => e.msg)).to.include('koa-mellon: logout complete');
    expect(world.ssp.log(mark)).to.include('Validation with key #0 succeeded.');
    expect(sp.refusals()).to.deep.equal([]);

    // Our session is gone on the server (the old cookie is worthless)...
    expect((await whoami(page, sp)).user).to.equal(null);
    expect(await userWith(sp, cookie)).to.equal(null);
    // ...and so is SSP's: a new login asks for the password again.
    await page.goto(sp.url('/private'));
    await page.waitForSelector('#password');
    expect(new URL(page.url()).origin).to.equal(world.ssp.origin);
  });

  it('IdP-initiated: initSLO.php ends our session', async () => {
    // SSP checks our LogoutResponse's signature.
    world.ssp.configureIdp({ validateLogout: true });
    const sp = await world.startSp();
    const { page, cookie } = await loggedIn(sp);
    const saml = recordSaml(page, sp);
    const mark = world.ssp.logMark();
    await page.goto(world.ssp.idpInitiatedLogoutUrl(sp.url('/')));
    await page.waitForURL(sp.url('/'));
    expect(await page.textContent('#status')).to.equal('Signed out.');
    await screenshot(page, 'ssp-06-after-idp-logout');

    // SSP sent us a signed LogoutRequest; we answered it (a redirect back to SSP's SLO endpoint).
    const incoming = sp.handled.find((r) => r.path.startsWith(`${new URL(sp.urls.logout).pathname}?SAMLRequest=`));
    expect(incoming?.status).to.equal(302);
    const ended = sp.events.find((e) => e.msg === 'koa-mellon: IdP-initiated logout');
    expect(ended?.obj).to.include({ idp: world.ssp.entityId, sessionsEnded: 1 });
    expect(world.ssp.log(mark)).to.include('Validation with key #0 succeeded.');
    expect(sp.refusals()).to.deep.equal([]);
    expect(saml.responses).to.deep.equal([]);

    expect((await whoami(page, sp)).user).to.equal(null);
    expect(await userWith(sp, cookie)).to.equal(null);
    await page.goto(sp.url('/private'));
    await page.waitForSelector('#password');
  });

  it('without sign.logout at SSP, its unsigned LogoutRequest is refused (SIGNATURE_MISSING) and our session stays', async () => {
    world.ssp.configureIdp({ signLogout: false });
    const sp = await world.startSp();
    const { page, cookie } = await loggedIn(sp);
    const refused = page.waitForResponse((r) => r.url().startsWith(`${sp.urls.logout}?SAMLRequest=`));
    await page.goto(world.ssp.idpInitiatedLogoutUrl(sp.url('/')));
    const answer = await refused;
    expect(new URL(answer.url()).searchParams.has('Signature')).to.equal(false);
    expect(answer.status()).to.equal(400);
    expect(sp.refusals()).to.deep.equal(['SIGNATURE_MISSING']);
    expect(await userWith(sp, cookie)).to.have.property('username', 'student@saml');
  });
});
