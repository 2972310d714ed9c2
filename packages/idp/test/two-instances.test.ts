import { expect } from 'chai';
import type { StateStore } from '@koa-mellon/web';
import { SHARED_BACKENDS, type SharedStateServer } from '../../../test/helpers/shared-state.js';
import { requireXmlsec } from '../../../test/helpers/xmlsec.js';
import { Browser } from './helpers/browser.js';
import { RawSp } from './helpers/raw-sp.js';
import { nextOf } from './helpers/saml.js';
import { IdpServer } from './helpers/world.js';

// Two IdP instances behind a load balancer share a real server (Redis, PostgreSQL): either
// finishes what the other started; neither answers a request twice.
for (const backend of SHARED_BACKENDS) describe(`two @koa-mellon/idp instances sharing ${backend.name}`, () => {
  const sp = new RawSp();
  let server: SharedStateServer;
  let a: IdpServer;
  let b: IdpServer;
  let browser: Browser;
  let toB: Browser;
  let stores: StateStore[];
  before(requireXmlsec);
  beforeEach(async () => {
    server = await backend.start();
    browser = new Browser();
    toB = new Browser();
    stores = [await server.connect(), await server.connect()];
    a = await IdpServer.start(browser, [{ metadata: sp.metadata() }], { settings: { store: stores[0] } });
    b = await IdpServer.start(toB, [{ metadata: sp.metadata() }], { settings: { store: stores[1] } });
  });
  afterEach(async () => {
    await a.stop();
    await b.stop();
    // The clients would otherwise keep reconnecting to the stopped server.
    await Promise.all(stores.map((store) => store.close()));
    await server.stop();
  });

  /** The same browser (its cookies), sent to instance B by the load balancer. */
  function switchToB(): void {
    for (const [name, value] of browser.cookies(a.origin)) toB.cookies(b.origin).set(name, value);
  }

  it('a request received by one instance is resumed and answered by the other', async () => {
    const atLogin = await browser.go(sp.redirectRequest(a.idp.urls.sso).url);
    await browser.go(a.url('/login/as?user=alice&next=/'));
    switchToB();
    const done = await toB.go(b.url(nextOf(atLogin.url)));
    expect(done.url).to.equal(sp.acs);
    expect(Buffer.from(done.form?.get('SAMLResponse') ?? '', 'base64').toString()).to.include('EncryptedAssertion');
  });

  it('a request ID answered by one instance is refused by the other', async () => {
    const { url } = sp.redirectRequest(a.idp.urls.sso);
    await browser.go(url);
    const replay = await toB.go(url);
    expect(replay.body).to.include('REPLAYED_ASSERTION');
  });
});
