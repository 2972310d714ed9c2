// IdP-initiated login from SimpleSAMLphp (SSOService.php?spentityid=...): an unsolicited Response
// with no InResponseTo. koa-mellon accepts it only with allowIdpInitiated, and follows the IdP's
// RelayState only when it is a path of this site.
import { expect } from 'chai';
import { screenshot } from '../../helpers/browser.js';
import { expectPrivatePage, recordSaml, submitIdpForm, useWorld, whoami } from './world.js';

describe('interop: SimpleSAMLphp — IdP-initiated login in Chromium', function () {
  this.timeout(60_000);
  const world = useWorld();

  it('is accepted with allowIdpInitiated: true, landing on the RelayState path', async () => {
    const sp = await world.startSp({ settings: { allowIdpInitiated: true } });
    const page = await world.page();
    const saml = recordSaml(page, sp);
    await page.goto(world.ssp.idpInitiatedLoginUrl(sp.urls.entityId, '/private'));
    await submitIdpForm(page, 'employee');
    await expectPrivatePage(page, sp, 'employee');
    expect(saml.authnRequests).to.deep.equal([]);
    expect(saml.responses).to.have.length(1);
    expect(saml.responses[0]).not.to.include('InResponseTo');
    expect(sp.refusals()).to.deep.equal([]);
  });

  it('is refused by default: a friendly error page with UNSOLICITED_RESPONSE, and no session', async () => {
    const sp = await world.startSp();
    const page = await world.page();
    const saml = recordSaml(page, sp);
    const acsAnswer = page.waitForResponse((r) => r.url() === sp.urls.login && r.request().method() === 'POST');
    await page.goto(world.ssp.idpInitiatedLoginUrl(sp.urls.entityId, '/private'));
    await submitIdpForm(page, 'employee');
    const answer = await acsAnswer;
    expect(answer.status()).to.equal(400);
    await page.waitForSelector('h1');
    expect(await page.textContent('h1')).to.equal('Sign-in problem');
    expect(await page.textContent('code.error-code')).to.equal('UNSOLICITED_RESPONSE');
    // Nothing from the wire is echoed: not the user's attributes, not the IdP's entityID.
    const html = await page.content();
    expect(html).not.to.include('employee@example.org');
    expect(html).not.to.include(world.ssp.entityId);
    await screenshot(page, 'ssp-05-idp-initiated-refused');
    expect(saml.responses).to.have.length(1);
    expect(sp.refusals()).to.deep.equal(['UNSOLICITED_RESPONSE']);
    expect((await page.context().cookies(sp.origin)).map((c) => c.name)).not.to.include('mellon.sid');
    expect((await whoami(page, sp)).user).to.equal(null);
  });
});
