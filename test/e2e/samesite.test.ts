// Issue #5: the ACS must not depend on a SameSite=Lax cookie. Browsers withhold Lax cookies from a
// cross-site POST, which is exactly what an IdP's auto-submitted form is. Here the SP is at
// http://localhost:<p1> and SimpleSAMLphp at http://127.0.0.1:<p2>: different sites for Chromium
// (a host name and an IP address share no registrable domain). koa-mellon keeps the login state on
// the server, named by RelayState, so the ACS needs no cookie: it validates, then answers 303 to
// login/finish/, a top-level GET on which the browser does send SameSite=Lax cookies — the
// browser-binding cookie set when the login started (login CSRF defence) — and the session cookie
// (SameSite=Lax) set there comes back on the next 303 GET.
import { expect } from 'chai';
import { screenshot } from '../helpers/browser.js';
import { expectPrivatePage, recordSaml, submitIdpForm, useWorld, whoami } from '../interop/simplesamlphp/world.js';

describe('e2e: SameSite — the ACS works when the IdP is on another site', function () {
  this.timeout(60_000);
  // localhost always resolves to loopback; pin it to 127.0.0.1 (the SP listens there, not on ::1).
  const world = useWorld({ ssp: { host: '127.0.0.1' }, chromiumArgs: ['--host-resolver-rules=MAP localhost 127.0.0.1'] });

  it('a cross-site POST from the IdP logs the user in, without the Lax cookies the browser withholds', async () => {
    const sp = await world.startSp({
      host: 'localhost',
      before: [
        // A SameSite=Lax probe cookie on the SP's site, to see which requests the browser sends it with.
        async (ctx, next) => {
          if (ctx.path !== '/probe') return next();
          ctx.cookies.set('probe', '1', { sameSite: 'lax', httpOnly: true, signed: false });
          ctx.body = 'probe set';
        },
      ],
    });
    expect(sp.origin).to.match(/^http:\/\/localhost:\d+$/);
    expect(world.ssp.origin).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
    const page = await world.page();
    const saml = recordSaml(page, sp);
    await page.goto(sp.url('/probe'));
    await page.goto(sp.url('/private'));
    await submitIdpForm(page, 'student');
    await expectPrivatePage(page, sp, 'student');
    await screenshot(page, 'samesite-logged-in');
    expect(saml.responses).to.have.length(1);

    const acsPath = new URL(sp.urls.login).pathname;
    const acs = sp.handled.filter((r) => r.method === 'POST' && r.path === acsPath);
    expect(acs).to.have.length(1);
    // The premise: the POST really was cross-site — the browser withheld the Lax probe cookie,
    // which it sent on the same-site navigation before.
    expect(sp.handled.find((r) => r.method === 'GET' && r.path === '/private')?.cookies).to.include('probe');
    expect(acs[0]?.cookies).to.not.include('probe');
    expect(acs[0]?.cookies).to.deep.equal([]);
    // The result: the ACS accepted it and sent the browser on to login/finish/, which received the
    // Lax binding cookie set at login start, and opened the session.
    expect(acs[0]?.status).to.equal(303);
    const start = sp.handled.find((r) => r.method === 'GET' && r.path.startsWith(`${acsPath}?`));
    expect(start?.status).to.equal(302);
    const finish = sp.handled.filter((r) => r.method === 'GET' && r.path.startsWith(`${acsPath}finish/`));
    expect(finish).to.have.length(1);
    expect(finish[0]?.cookies).to.include('mellon.sid.login');
    expect(finish[0]?.status).to.equal(303);
    expect(sp.refusals()).to.deep.equal([]);
    const landed = sp.handled.filter((r) => r.method === 'GET' && r.path === '/private').at(-1);
    expect(landed?.cookies).to.include('mellon.sid');
    const session = (await page.context().cookies(sp.origin)).find((c) => c.name === 'mellon.sid');
    expect(session).to.include({ sameSite: 'Lax', httpOnly: true, secure: false });
    expect((await whoami(page, sp)).user?.username).to.equal('student@saml');
  });
});
