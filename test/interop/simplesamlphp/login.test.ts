// koa-mellon against SimpleSAMLphp 1.19 in headless Chromium: SP-initiated login (HTTP-Redirect
// AuthnRequest, HTTP-POST Response), encrypted assertions, signed AuthnRequests checked by SSP,
// ForceAuthn, and a wrong password. The SP is built only from koa-mellon's public API (sp-app.ts).
import { expect } from 'chai';
import { screenshot } from '../../helpers/browser.js';
import { authnRequestXml, expectPrivatePage, recordSaml, submitIdpForm, useWorld, whoami } from './world.js';

const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';

describe('interop: SimpleSAMLphp — SP-initiated login in Chromium', function () {
  this.timeout(60_000);
  const world = useWorld();

  it('logs in through the IdP form and lands on next with the mapped attributes', async () => {
    const sp = await world.startSp();
    const page = await world.page();
    const saml = recordSaml(page, sp);
    await page.goto(sp.url('/'));
    expect(await page.textContent('#status')).to.equal('Signed out.');
    await screenshot(page, 'ssp-01-sp-home');
    await page.click('#sign-in');
    await page.waitForSelector('#username');
    expect(new URL(page.url()).origin).to.equal(world.ssp.origin);
    await screenshot(page, 'ssp-02-idp-login-form');
    await submitIdpForm(page, 'employee');
    await expectPrivatePage(page, sp, 'employee');
    await screenshot(page, 'ssp-03-logged-in');

    // The AuthnRequest went by HTTP-Redirect, the Response came back by HTTP-POST to login/.
    expect(saml.authnRequests).to.have.length(1);
    const request = authnRequestXml(saml.authnRequests[0] as URL);
    expect(request).to.include(`AssertionConsumerServiceURL="${sp.urls.login}"`);
    expect(request).to.include('ProtocolBinding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"');
    expect(saml.responses).to.have.length(1);
    expect(saml.responses[0]).to.match(/<saml:Assertion\b/);
    expect(saml.responses[0]).not.to.include('EncryptedAssertion');
    // The ACS answered 303 to login/finish/ (the browser-binding check), which opened the session.
    const loginPath = new URL(sp.urls.login).pathname;
    const steps = sp.handled.filter((r) => r.path.startsWith(loginPath)).map((r) => `${r.method} ${r.path.split('?')[0]} ${r.status}`);
    expect(steps).to.deep.equal([`GET ${loginPath} 302`, `POST ${loginPath} 303`, `GET ${loginPath}finish/ 303`]);
    expect(sp.refusals()).to.deep.equal([]);
    // The session belongs to the browser context: the same app seen without its cookies is anonymous.
    expect((await whoami(page, sp)).user?.username).to.equal('employee@saml');
    expect(await (await fetch(sp.url('/whoami'))).json()).to.have.property('user', null);
  });

  it('accepts encrypted assertions (SSP: aes128-cbc + rsa-oaep-mgf1p to our metadata certificate)', async () => {
    world.ssp.configureIdp({ encryptAssertions: true });
    const sp = await world.startSp();
    const page = await world.page();
    const saml = recordSaml(page, sp);
    await page.goto(sp.url('/private'));
    await submitIdpForm(page, 'student');
    await expectPrivatePage(page, sp, 'student');

    const [response] = saml.responses;
    expect(response).to.include('EncryptedAssertion');
    expect(response).to.include('http://www.w3.org/2001/04/xmlenc#aes128-cbc');
    expect(response).to.include('http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p');
    // Nothing of the assertion travels in clear.
    expect(response).not.to.match(/<saml:Assertion\b/);
    expect(response).not.to.include('student@example.org');
  });

  it('signs its AuthnRequests, and SSP with validate.authnrequest accepts them (and refuses them unsigned or altered)', async () => {
    world.ssp.configureIdp({ validateAuthnRequest: true });
    const sp = await world.startSp();
    // Our metadata says AuthnRequestsSigned="true"; SSP maps that to validate.authnrequest for this SP as well.
    expect(await sp.metadataXml()).to.include('AuthnRequestsSigned="true"');

    // Negative controls first (from Node, no browser): SSP really checks the signature.
    const mark = world.ssp.logMark();
    const start = await fetch(`${sp.urls.login}?next=/private`, { redirect: 'manual' });
    const location = new URL(start.headers.get('location') ?? '');
    expect(location.searchParams.get('SigAlg')).to.equal(RSA_SHA256);
    const unsigned = new URL(location);
    unsigned.searchParams.delete('Signature');
    unsigned.searchParams.delete('SigAlg');
    const unsignedAnswer = await (await fetch(unsigned, { redirect: 'manual' })).text();
    expect(unsignedAnswer).not.to.include('id="username"');
    expect(world.ssp.log(mark)).to.include('Validation of received messages enabled, but no signature found on message.');
    const altered = new URL(location);
    const signature = Buffer.from(altered.searchParams.get('Signature') ?? '', 'base64');
    signature[10] = (signature[10] as number) ^ 1;
    altered.searchParams.set('Signature', signature.toString('base64'));
    const alteredAnswer = await (await fetch(altered, { redirect: 'manual' })).text();
    expect(alteredAnswer).not.to.include('id="username"');
    expect(world.ssp.log(mark)).to.include('Unable to validate signature on query string.');

    // Then the real thing in the browser.
    const validMark = world.ssp.logMark();
    const page = await world.page();
    const saml = recordSaml(page, sp);
    await page.goto(sp.url('/private'));
    await submitIdpForm(page, 'student');
    await expectPrivatePage(page, sp, 'student');
    const [sent] = saml.authnRequests;
    expect(sent?.searchParams.get('SigAlg')).to.equal(RSA_SHA256);
    expect(sent?.searchParams.get('Signature')).to.be.a('string').and.not.equal('');
    expect(world.ssp.log(validMark)).to.include('Validation with key #0 succeeded.');
  });

  it('ForceAuthn: login/?forceAuthn=1 makes SSP ask for the password although it has a session', async () => {
    const sp = await world.startSp();
    const page = await world.page();
    const saml = recordSaml(page, sp);
    await page.goto(sp.url('/private'));
    await submitIdpForm(page, 'student');
    await expectPrivatePage(page, sp, 'student');

    // Control: without ForceAuthn, SSP's session signs the user in again without a form.
    await page.goto(`${sp.urls.login}?next=/private`);
    await page.waitForURL(sp.url('/private'));
    expect(saml.responses).to.have.length(2);
    expect(authnRequestXml(saml.authnRequests[1] as URL)).not.to.include('ForceAuthn="true"');

    await page.goto(`${sp.urls.login}?forceAuthn=1&next=/private`);
    await page.waitForSelector('#password');
    expect(new URL(page.url()).origin).to.equal(world.ssp.origin);
    expect(authnRequestXml(saml.authnRequests[2] as URL)).to.include('ForceAuthn="true"');
    await submitIdpForm(page, 'student');
    await expectPrivatePage(page, sp, 'student');
    expect(saml.responses).to.have.length(3);
  });

  it('a wrong password leaves no session on our side', async () => {
    const sp = await world.startSp();
    const page = await world.page();
    const saml = recordSaml(page, sp);
    await page.goto(sp.url('/private'));
    await submitIdpForm(page, 'student', 'not-the-password');
    // SSP shows its form again, with an error; nothing is posted to us.
    await page.waitForSelector('#password');
    expect(new URL(page.url()).origin).to.equal(world.ssp.origin);
    expect(await page.content()).to.include('Incorrect username or password');
    await screenshot(page, 'ssp-04-wrong-password');
    expect(saml.responses).to.deep.equal([]);
    expect(sp.handled.some((r) => r.method === 'POST')).to.equal(false);
    expect((await page.context().cookies(sp.origin)).map((c) => c.name)).not.to.include('mellon.sid');
    expect((await whoami(page, sp)).user).to.equal(null);

    // The same login then succeeds with the right password.
    await submitIdpForm(page, 'student');
    await expectPrivatePage(page, sp, 'student');
  });
});
