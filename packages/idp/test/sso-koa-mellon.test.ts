import { expect } from 'chai';
import { NAMEID_FORMAT, STATUS } from '@koa-mellon/saml';
import { requireXmlsec } from '../../../test/helpers/xmlsec.js';
import type { Browser } from './helpers/browser.js';
import { lastPostedResponse, nextOf, redirectMessage } from './helpers/saml.js';
import { startWorld, type IdpServer, type SpServer } from './helpers/world.js';

const RELEASE = { attributes: { mail: 'email', displayName: 'name', groups: 'groups' } } as const;

/** Logs the browser in at the IdP app's login page the IdP sent it to, and goes on. */
async function loginAt(browser: Browser, idp: IdpServer, loginPageUrl: string, user = 'alice') {
  return browser.go(idp.url(`/login/as?user=${user}&next=${encodeURIComponent(nextOf(loginPageUrl))}`));
}

// CONVENTIONS: router suites run mounted at the root and under a path (absolute-URL bugs).
for (const basePath of ['', '/idp/saml']) {
  describe(`@koa-mellon/idp with koa-mellon as the SP, IdP mounted at "${basePath || '/'}"`, () => {
    let world: Awaited<ReturnType<typeof startWorld>>;
    let browser: Browser;
    let idp: IdpServer;
    let sp: SpServer;
    before(requireXmlsec);
    beforeEach(async () => {
      world = await startWorld({ idp: { basePath }, sps: [{ idpSettings: RELEASE }] });
      ({ browser, idp } = world);
      sp = world.sps[0] as SpServer;
    });
    afterEach(() => world.stop());

    it('SP-initiated: signed Redirect request, login page with next, POST response, the SP logs the user in', async () => {
      const atLogin = await browser.go(`${sp.mellon.urls.login}?next=/dashboard`);
      const request = atLogin.history.find((step) => step.url.includes('/sso/?SAMLRequest='));
      expect(request && redirectMessage(request.url).signed).to.equal(true);
      expect(atLogin.url.startsWith(idp.url('/login?next='))).to.equal(true);
      expect(nextOf(atLogin.url)).to.match(new RegExp(`^${basePath}/sso/resume/\\?k=[0-9a-f]{32}$`));

      const done = await loginAt(browser, idp, atLogin.url);
      expect(done.url).to.equal('https://sp.example.test/dashboard');
      const me = await sp.whoami();
      expect(me.user?.username).to.match(/^[A-Za-z0-9_-]{43}@saml$/);
      expect(me.mellon?.issuer).to.equal(idp.idp.urls.entityId);
      expect(me.mellon?.nameIdFormat).to.equal(NAMEID_FORMAT.persistent);
      expect(me.mellon?.attributes).to.deep.include({ mail: ['alice@example.test'], displayName: ['Alice Liddell'], groups: ['staff', 'admins'] });
    });

    it('the posted response is signed and, since koa-mellon publishes an encryption key, encrypted', async () => {
      const atLogin = await browser.go(`${sp.mellon.urls.login}?next=/`);
      await loginAt(browser, idp, atLogin.url);
      const xml = lastPostedResponse(browser);
      expect(xml).to.include('<saml:EncryptedAssertion').and.not.include('alice@example.test');
      expect((await sp.whoami()).mellon?.attributes['mail']).to.deep.equal(['alice@example.test']);
    });

    it('single sign-on: a second SP logs the user in without the login page, under its own pairwise NameID', async () => {
      await world.stop();
      world = await startWorld({ idp: { basePath }, sps: [{ idpSettings: RELEASE }, { origin: 'https://sp2.example.test', idpSettings: RELEASE }] });
      ({ browser, idp } = world);
      const [sp1, sp2] = world.sps as [SpServer, SpServer];
      await loginAt(browser, idp, (await browser.go(`${sp1.mellon.urls.login}?next=/a`)).url);
      const second = await browser.go(`${sp2.mellon.urls.login}?next=/b`);
      expect(second.url).to.equal('https://sp2.example.test/b');
      expect(idp.loginPages).to.have.length(1);
      const [one, two] = [(await sp1.whoami()).mellon, (await sp2.whoami()).mellon];
      expect(one?.nameIdContent).to.be.a('string').and.not.equal(two?.nameIdContent);
      expect(one?.sessionIndex).to.equal(two?.sessionIndex);
    });

    it('the same user gets the same persistent NameID at the next login', async () => {
      await loginAt(browser, idp, (await browser.go(`${sp.mellon.urls.login}?next=/a`)).url);
      const nameId = (await sp.whoami()).mellon?.nameIdContent;
      await browser.go(`${sp.mellon.urls.logout}?next=/out`);
      const again = await browser.go(`${sp.mellon.urls.login}?next=/b`);
      // The SP's logout ended the IdP session too (single logout): the login page again.
      expect(again.url.startsWith(idp.url('/login'))).to.equal(true);
      await loginAt(browser, idp, again.url);
      expect((await sp.whoami()).mellon?.nameIdContent).to.equal(nameId);
      expect(idp.logins).to.equal(2);
    });

    it('IdP-initiated: sso/init/?sp=… posts an unsolicited response with RelayState = next', async () => {
      await world.stop();
      world = await startWorld({ idp: { basePath }, sps: [{ settings: { allowIdpInitiated: true }, idpSettings: RELEASE }] });
      ({ browser, idp } = world);
      sp = world.sps[0] as SpServer;
      const atLogin = await browser.go(idp.idp.initiateUrl(sp.mellon.urls.entityId, '/welcome'));
      const done = await loginAt(browser, idp, atLogin.url);
      expect(done.url).to.equal('https://sp.example.test/welcome');
      expect(lastPostedResponse(browser)).to.not.include('InResponseTo');
      expect((await sp.whoami()).user).to.not.equal(null);
    });

    it('ForceAuthn: a logged-in user is sent to the login page again, and the AuthnInstant moves', async () => {
      await loginAt(browser, idp, (await browser.go(`${sp.mellon.urls.login}?next=/`)).url);
      const before = (await sp.whoami()).mellon?.authnInstant;
      await new Promise((resolve) => setTimeout(resolve, 1100)); // AuthnInstant has second precision
      const forced = await browser.go(`${sp.mellon.urls.login}?next=/again&forceAuthn=1`);
      expect(forced.url.startsWith(idp.url('/login?'))).to.equal(true);
      expect(new URL(forced.url).searchParams.get('forceAuthn')).to.equal('1');
      const done = await loginAt(browser, idp, forced.url);
      expect(done.url).to.equal('https://sp.example.test/again');
      const after = (await sp.whoami()).mellon?.authnInstant;
      expect(Date.parse(after ?? '')).to.be.greaterThan(Date.parse(before ?? ''));
      expect(idp.logins).to.equal(2);
    });

    it('IsPassive without a user: NoPassive status, the SP shows STATUS_NOT_SUCCESS, no login page', async () => {
      const done = await browser.go(`${sp.mellon.urls.login}?next=/&isPassive=1`);
      expect(idp.loginPages).to.have.length(0);
      expect(done.status).to.equal(403);
      expect(done.body).to.include('STATUS_NOT_SUCCESS');
      expect(lastPostedResponse(browser)).to.include(STATUS.noPassive).and.not.include('Assertion');
    });

    it('IsPassive with an IdP session: logged in silently', async () => {
      await browser.go(idp.url('/login/as?user=alice&next=/'));
      const done = await browser.go(`${sp.mellon.urls.login}?next=/quiet&isPassive=1`);
      expect(done.url).to.equal('https://sp.example.test/quiet');
      expect(idp.loginPages).to.have.length(0);
    });
  });
}

describe('@koa-mellon/idp with koa-mellon: per-SP choices', () => {
  before(requireXmlsec);

  it('encryptAssertions: false sends the signed assertion in the clear', async () => {
    const world = await startWorld({ sps: [{ idpSettings: { ...RELEASE, encryptAssertions: false } }] });
    try {
      const sp = world.sps[0] as SpServer;
      await loginAt(world.browser, world.idp, (await world.browser.go(`${sp.mellon.urls.login}?next=/`)).url);
      const xml = lastPostedResponse(world.browser);
      expect(xml).to.include('<saml:Assertion ').and.include('alice@example.test').and.not.include('EncryptedAssertion');
      expect((await sp.whoami()).user).to.not.equal(null);
    } finally {
      await world.stop();
    }
  });

  it('transient NameIDs: random, and the SP needs a federation attribute (as django-mellon)', async () => {
    const world = await startWorld({
      sps: [{ settings: { transientFederationAttribute: 'mail' }, idpSettings: { ...RELEASE, nameIdFormat: 'transient' } }],
    });
    try {
      const sp = world.sps[0] as SpServer;
      await loginAt(world.browser, world.idp, (await world.browser.go(`${sp.mellon.urls.login}?next=/`)).url);
      const me = await sp.whoami();
      expect(me.mellon?.nameIdFormat).to.equal(NAMEID_FORMAT.transient);
      expect(me.mellon?.nameIdContent).to.match(/^_[0-9a-f]{40}$/);
    } finally {
      await world.stop();
    }
  });

  it('HTTP-Artifact: the browser carries an artifact, the SP resolves it over SOAP (signed, single use)', async () => {
    const world = await startWorld({
      idp: { origin: 'local', settings: { artifactResolution: true } },
      sps: [{ settings: { defaultAssertionConsumerBinding: 'artifact' }, idpSettings: RELEASE }],
    });
    try {
      const sp = world.sps[0] as SpServer;
      const atLogin = await world.browser.go(`${sp.mellon.urls.login}?next=/art`);
      const done = await loginAt(world.browser, world.idp, atLogin.url);
      expect(done.url).to.equal('https://sp.example.test/art');
      const artifactHop = done.history.find((step) => step.url.includes('SAMLart='));
      expect(artifactHop?.url.startsWith(sp.mellon.urls.login)).to.equal(true);
      expect(world.browser.posts.some((post) => post.form.has('SAMLResponse'))).to.equal(false);
      expect((await sp.whoami()).mellon?.attributes['mail']).to.deep.equal(['alice@example.test']);
      // The artifact was consumed: the same URL again finds nothing to resolve.
      const replay = await world.browser.request(artifactHop?.url ?? '', { accept: 'application/json' });
      expect(((await replay.json()) as { error: string }).error).to.equal('ARTIFACT_RESOLUTION_FAILED');
    } finally {
      await world.stop();
    }
  });

  it('consent refused: RequestDenied to the SP, no assertion', async () => {
    const world = await startWorld({ idp: { settings: { consent: () => false } }, sps: [{ idpSettings: RELEASE }] });
    try {
      const sp = world.sps[0] as SpServer;
      const done = await loginAt(world.browser, world.idp, (await world.browser.go(`${sp.mellon.urls.login}?next=/`)).url);
      expect(done.body).to.include('STATUS_NOT_SUCCESS');
      expect(lastPostedResponse(world.browser)).to.include(STATUS.requestDenied).and.not.include('Assertion');
    } finally {
      await world.stop();
    }
  });
});
