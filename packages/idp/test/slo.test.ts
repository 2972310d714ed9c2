import { expect } from 'chai';
import {
  BINDING,
  STATUS,
  findSignature,
  parseLogoutRequest,
  parseLogoutResponse,
  parseXml,
  validateResponse,
  verifyEnvelopedSignature,
} from '@koa-mellon/saml';
import { testKeyPair } from '../../../test/helpers/keys.js';
import { requireXmlsec } from '../../../test/helpers/xmlsec.js';
import type { Browser } from './helpers/browser.js';
import { RawSp } from './helpers/raw-sp.js';
import { nextOf, redirectMessage } from './helpers/saml.js';
import { IdpServer, startWorld, type SpServer } from './helpers/world.js';

async function loginAt(browser: Browser, idp: IdpServer, loginPageUrl: string) {
  return browser.go(idp.url(`/login/as?user=alice&next=${encodeURIComponent(nextOf(loginPageUrl))}`));
}

describe('@koa-mellon/idp single logout (front-channel, across every SP of the IdP session)', () => {
  let world: Awaited<ReturnType<typeof startWorld>>;
  let browser: Browser;
  let idp: IdpServer;
  let sp1: SpServer;
  let sp2: SpServer;
  before(requireXmlsec);
  beforeEach(async () => {
    world = await startWorld({ sps: [{}, { origin: 'https://sp2.example.test' }] });
    ({ browser, idp } = world);
    [sp1, sp2] = world.sps as [SpServer, SpServer];
    await loginAt(browser, idp, (await browser.go(`${sp1.mellon.urls.login}?next=/`)).url);
    await browser.go(`${sp2.mellon.urls.login}?next=/`);
    expect((await sp1.whoami()).user).to.not.equal(null);
    expect((await sp2.whoami()).user).to.not.equal(null);
  });
  afterEach(() => world.stop());

  it('started at an SP: the other SP is told, then the initiator gets its LogoutResponse and goes to next', async () => {
    const done = await browser.go(`${sp1.mellon.urls.logout}?next=/bye`);
    expect(done.url).to.equal('https://sp.example.test/bye');
    expect((await sp1.whoami()).user).to.equal(null);
    expect((await sp2.whoami()).user).to.equal(null);

    const toSp2 = done.history.find((step) => step.url.startsWith(`${sp2.mellon.urls.logout}?SAMLRequest=`));
    const request = redirectMessage(toSp2?.url ?? '');
    expect(request.signed).to.equal(true);
    expect(parseLogoutRequest(request.parsed.root, { keys: [] }).issuer).to.equal(idp.idp.urls.entityId);
    const toSp1 = done.history.find((step) => step.url.startsWith(`${sp1.mellon.urls.logout}?SAMLResponse=`));
    const answer = parseLogoutResponse(redirectMessage(toSp1?.url ?? '').parsed.root);
    expect(answer.success).to.equal(true);
    expect(answer.statusCodes).to.deep.equal([STATUS.success]);
  });

  it('ends the IdP session and the app’s own session: the next login needs the login page', async () => {
    await browser.go(`${sp1.mellon.urls.logout}?next=/bye`);
    expect(browser.cookies(idp.origin).has('app.user')).to.equal(false);
    const again = await browser.go(`${sp2.mellon.urls.login}?next=/`);
    expect(again.url.startsWith(idp.url('/login'))).to.equal(true);
  });

  it('started at the IdP (slo/?next=): every SP is told, then the browser goes to next', async () => {
    const done = await browser.go(idp.idp.logoutUrl('/bye'));
    expect(done.url).to.equal(idp.url('/bye'));
    expect((await sp1.whoami()).user).to.equal(null);
    expect((await sp2.whoami()).user).to.equal(null);
    const told = done.history.filter((step) => step.url.includes('/logout/?SAMLRequest='));
    expect(told).to.have.length(2);
  });

  it('started at the IdP without a session: straight to next (an open redirect is not followed)', async () => {
    await browser.go(idp.idp.logoutUrl('/bye'));
    const done = await browser.go(idp.idp.logoutUrl('https://evil.example/'));
    expect(done.url).to.equal(idp.url('/'));
  });
});

describe('@koa-mellon/idp single logout over HTTP-POST, with an SP that cannot be told', () => {
  before(requireXmlsec);

  it('a POST LogoutRequest is answered over POST, signed; an SP without SLO makes it PartialLogout', async () => {
    const raw = new RawSp('https://raw.example.test', { sloBindings: [BINDING.post] });
    const mute = new RawSp('https://mute.example.test', { keyName: 'mute-sp', sloBindings: null });
    const world = await startWorld({ sps: [{}] });
    const { browser } = world;
    try {
      // A new IdP on the same browser, knowing all three SPs.
      await world.idp.stop();
      const spMetadata = await (world.sps[0] as SpServer).metadata();
      const full = await IdpServer.start(browser, [{ metadata: spMetadata }, { metadata: raw.metadata() }, { metadata: mute.metadata() }]);
      world.idp = full;
      const sp = world.sps[0] as SpServer;
      await loginAt(browser, full, (await browser.go(`${sp.mellon.urls.login}?next=/`)).url);
      const atMute = await browser.go(mute.redirectRequest(full.idp.urls.sso, { signer: null }).url);
      expect(atMute.url).to.equal(mute.acs);
      const atRaw = await browser.go(raw.redirectRequest(full.idp.urls.sso).url);
      expect(atRaw.url).to.equal(raw.acs);
      const assertion = await validateResponse(Buffer.from(atRaw.form?.get('SAMLResponse') ?? '', 'base64').toString(), {
        idp: { entityId: full.idp.urls.entityId, signingKeys: [testKeyPair('idp').publicKey] },
        sp: { entityId: raw.entityId, acsUrl: raw.acs, decryptionKeys: [raw.keys.privateKey] },
        replayCache: { markSeen: () => true },
        requestIds: { consume: () => true },
      });

      const { id, form } = raw.logoutRequestForm(full.idp.urls.slo, { value: assertion.nameId ?? '', format: assertion.nameIdFormat }, assertion.sessionIndex);
      const done = await browser.go(full.idp.urls.slo, { form });
      expect(done.url).to.equal(raw.slo);
      expect(done.form?.get('RelayState')).to.equal('raw-relay');
      const parsed = parseXml(Buffer.from(done.form?.get('SAMLResponse') ?? '', 'base64').toString());
      verifyEnvelopedSignature(parsed.root, findSignature(parsed.root) as Element, { keys: [testKeyPair('idp').publicKey], ids: parsed.ids });
      const response = parseLogoutResponse(parsed.root);
      expect(response.inResponseTo).to.equal(id);
      expect(response.destination).to.equal(raw.slo);
      expect(response.statusCodes).to.deep.equal([STATUS.success, STATUS.partialLogout]);
      expect((await sp.whoami()).user).to.equal(null);
    } finally {
      await world.stop();
    }
  });
});
