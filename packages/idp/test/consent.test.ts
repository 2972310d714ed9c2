import { expect } from 'chai';
import { createMemoryStore } from '@koa-mellon/web';
import { STATUS } from '@koa-mellon/saml';
import type { ConsentPage, IdpPage } from '@koa-mellon/idp';
import { requireXmlsec } from '../../../test/helpers/xmlsec.js';
import { Browser, type Stop } from './helpers/browser.js';
import { lastPostedResponse, nextOf } from './helpers/saml.js';
import { IdpServer, startWorld, type IdpServerOptions, type SpServer, type TestUser, type World } from './helpers/world.js';

const RELEASE = { attributes: { mail: 'email', displayName: 'name', motto: { value: () => '<b>carpe diem</b>', friendlyName: 'Motto' } } } as const;

/** The hidden `k` of the consent form. */
function consentKey(page: Stop): string {
  const key = /<input type="hidden" name="k" value="([0-9a-f]{32})">/.exec(page.body ?? '')?.[1];
  if (!key) throw new Error(`not a consent page: ${page.body?.slice(0, 200)}`);
  return key;
}

describe('@koa-mellon/idp consent page', () => {
  let world: World;
  let browser: Browser;
  let sp: SpServer;
  before(requireXmlsec);
  afterEach(() => world.stop());

  async function start(idp: IdpServerOptions = {}, spSettings: { askConsent?: boolean } = { askConsent: true }): Promise<void> {
    world = await startWorld({ idp, sps: [{ idpSettings: { ...RELEASE, ...spSettings } }] });
    browser = world.browser;
    sp = world.sps[0] as SpServer;
  }

  /** SP-initiated login through the app's login page, up to the consent page. */
  async function toConsentPage(user = 'alice'): Promise<Stop> {
    const atLogin = await browser.go(`${sp.mellon.urls.login}?next=/after`);
    const page = await browser.go(world.idp.url(`/login/as?user=${user}&next=${encodeURIComponent(nextOf(atLogin.url))}`));
    expect(page.status).to.equal(200);
    return page;
  }

  function answer(page: Stop, decision: 'accept' | 'decline', remember = false, from = browser): Promise<Stop> {
    return from.go(world.idp.idp.urls.base.href + 'sso/consent/', { form: { k: consentKey(page), decision, ...(remember ? { remember: '1' } : {}) } });
  }

  it('lists exactly what the SP would receive, escaped, in a page that cannot be framed', async () => {
    await start();
    const atLogin = await browser.go(`${sp.mellon.urls.login}?next=/after`);
    const response = await browser.request(world.idp.url(`/login/as?user=alice&next=${encodeURIComponent(nextOf(atLogin.url))}`));
    const page = await browser.request(new URL(response.headers.get('location') ?? '', world.idp.origin).href);
    expect(page.status).to.equal(200);
    expect(page.headers.get('x-frame-options')).to.equal('DENY');
    expect(page.headers.get('content-security-policy')).to.include("frame-ancestors 'none'").and.include("default-src 'none'");
    expect(page.headers.get('cache-control')).to.equal('no-store');
    const html = await page.text();
    expect(html).to.include(sp.mellon.urls.metadata).and.include('alice@example.test').and.include('Alice Liddell');
    expect(html).to.include('<th scope="row">Motto</th><td>&#60;b&#62;carpe diem&#60;/b&#62;</td>').and.not.include('<b>carpe');
    expect(html).to.include('name="decision" value="accept"').and.include('name="decision" value="decline"').and.include('name="remember" value="1"');
  });

  it('accept: the assertion goes to the SP, which logs the user in with the listed attributes', async () => {
    await start();
    const done = await answer(await toConsentPage(), 'accept');
    expect(done.url).to.equal('https://sp.example.test/after');
    const me = await sp.whoami();
    expect(me.mellon?.attributes).to.deep.include({ mail: ['alice@example.test'], motto: ['<b>carpe diem</b>'] });
  });

  it('decline: RequestDenied at the SP, no assertion', async () => {
    await start();
    const done = await answer(await toConsentPage(), 'decline');
    expect(done.body).to.include('STATUS_NOT_SUCCESS');
    expect(lastPostedResponse(browser)).to.include(STATUS.requestDenied).and.not.include('Assertion');
    expect((await sp.whoami()).user).to.equal(null);
  });

  it('asks again at the next login unless the user asked to remember the choice', async () => {
    await start();
    await answer(await toConsentPage(), 'accept');
    const again = await browser.go(`${sp.mellon.urls.login}?next=/again`);
    await answer(again, 'accept', true);
    const third = await browser.go(`${sp.mellon.urls.login}?next=/third`);
    expect(third.url).to.equal('https://sp.example.test/third');
  });

  it('a remembered consent covers the same attribute names only: releasing a new one asks again', async () => {
    const store = createMemoryStore();
    await start({ settings: { store } });
    await answer(await toConsentPage(), 'accept', true);
    // The same IdP, restarted with one more attribute for this SP, on the same store.
    await world.idp.stop();
    const entry = { metadata: await sp.metadata(), askConsent: true, attributes: { ...RELEASE.attributes, groups: 'groups' } };
    world.idp = await IdpServer.start(browser, [entry], { settings: { store } });
    const page = await browser.go(`${sp.mellon.urls.login}?next=/more`);
    expect(page.body).to.include('staff').and.include('Share your information?');
  });

  it('the answer is single use and only from the browser that was asked', async () => {
    await start();
    const page = await toConsentPage();
    const stranger = new Browser().map(world.idp.origin, world.idp.local);
    const elsewhere = await answer(page, 'accept', false, stranger);
    expect(elsewhere.status).to.equal(400);
    expect(elsewhere.body).to.include('LOGIN_BROWSER_MISMATCH');
    // The key was used up by that attempt: the real browser must start again.
    const late = await answer(page, 'accept');
    expect(late.body).to.include('IN_RESPONSE_TO_MISMATCH');
    expect((await sp.whoami()).user).to.equal(null);
  });

  it('another user logged in meanwhile gets their own consent page, not the first one’s answer', async () => {
    await start();
    const page = await toConsentPage('alice');
    await browser.go(world.idp.url('/login/as?user=bob&next=/'));
    const bobs = await answer(page, 'accept');
    expect(bobs.body).to.include('bob@example.test').and.not.include('alice@example.test');
  });

  it("the app's consent hook decides: 'ask' shows the app's own page, true releases, false denies", async () => {
    const views: ConsentPage<TestUser>[] = [];
    // Asked again when the user accepts ('ask' again: the acceptance stands), then at each login.
    const answers: (boolean | 'ask')[] = ['ask', 'ask', true, false];
    await start(
      {
        settings: {
          consent: () => answers.shift() ?? false,
          pages: {
            render: (view: IdpPage<TestUser>) => {
              if (view.kind !== 'consent') return undefined;
              views.push(view);
              return `<form method="post" action="${view.action}"><input type="hidden" name="k" value="${view.key}"></form>`;
            },
          },
        },
      },
      {},
    );
    const page = await toConsentPage();
    expect(views[0]?.spName).to.equal(sp.mellon.urls.metadata);
    expect(views[0]?.user.id).to.equal('u-1001');
    expect(views[0]?.attributes.map((a) => a.name)).to.deep.equal(['mail', 'displayName', 'motto']);
    expect((await answer(page, 'accept')).url).to.equal('https://sp.example.test/after');
    expect((await browser.go(`${sp.mellon.urls.login}?next=/released`)).url).to.equal('https://sp.example.test/released');
    await browser.go(`${sp.mellon.urls.login}?next=/denied`);
    expect(lastPostedResponse(browser)).to.include(STATUS.requestDenied);
  });

  it("the hook is asked again when the user accepts: access revoked meanwhile is RequestDenied", async () => {
    const answers: (boolean | 'ask')[] = ['ask', false];
    await start({ settings: { consent: () => answers.shift() ?? false } }, {});
    const done = await answer(await toConsentPage(), 'accept');
    expect(done.body).to.include('STATUS_NOT_SUCCESS');
    expect(lastPostedResponse(browser)).to.include(STATUS.requestDenied).and.not.include('Assertion');
  });

  it('what would be released changed while the page was open: the page is shown again, nothing is sent', async () => {
    let motto = 'carpe diem';
    world = await startWorld({ sps: [{ idpSettings: { askConsent: true, attributes: { mail: 'email', motto: { value: () => motto } } } }] });
    browser = world.browser;
    sp = world.sps[0] as SpServer;
    const page = await toConsentPage();
    motto = 'sapere aude';
    const again = await answer(page, 'accept');
    expect(again.body).to.include('Share your information?').and.include('sapere aude');
    expect(browser.posts.some((post) => post.form.has('SAMLResponse'))).to.equal(false);
    expect((await answer(again, 'accept')).url).to.equal('https://sp.example.test/after');
  });

  it('IsPassive: NoPassive instead of the consent page (a passive request must not show one)', async () => {
    await start();
    await browser.go(world.idp.url('/login/as?user=alice&next=/'));
    const done = await browser.go(`${sp.mellon.urls.login}?next=/quiet&isPassive=1`);
    expect(done.body).to.include('STATUS_NOT_SUCCESS').and.not.include('Share your information?');
    expect(lastPostedResponse(browser)).to.include(STATUS.noPassive);
  });

  it('no consent page for an SP without askConsent', async () => {
    await start({}, {});
    const atLogin = await browser.go(`${sp.mellon.urls.login}?next=/after`);
    const done = await browser.go(world.idp.url(`/login/as?user=alice&next=${encodeURIComponent(nextOf(atLogin.url))}`));
    expect(done.url).to.equal('https://sp.example.test/after');
  });
});
