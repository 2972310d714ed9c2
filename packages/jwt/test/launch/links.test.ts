import { expect, use } from 'chai';
import chaiAsPromised from 'chai-as-promised';
import { ConfigError } from '@koa-mellon/saml';
import { COOKIE, LAUNCH_PARAMETER, createJwtBridge } from '../../src/index.js';
import { BridgeApp, baseSettings, cookiesOf, memoryStore } from '../helpers/bridge.js';

use(chaiAsPromised);

const INIT = 'https://app.example.test/idp/sso/init/';
const STATS = 'https://stats.example.test/saml/metadata/';

describe('launch links (POST launch/, redeemLaunch)', () => {
  let app: BridgeApp;
  let now: number;
  beforeEach(async () => {
    now = Date.parse('2026-06-01T12:00:00Z');
    app = await BridgeApp.start(baseSettings(memoryStore(), { clock: () => now, idpInitiateUrl: INIT }));
  });
  afterEach(() => app.stop());

  /** A cookie-mode login (a real family); the access cookie, usable as a bearer token. */
  async function signIn(user = 'alice'): Promise<string> {
    return cookiesOf(await app.fetch(`/test/login?user=${user}&next=/home`)).get(COOKIE.access) ?? '';
  }
  const launch = (bearer: string, form: Record<string, string> = { sp: STATS, next: '/dashboard' }) =>
    app.fetch('/jwt/launch', { method: 'POST', headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form) });
  async function link(bearer: string, form?: Record<string, string>): Promise<URL> {
    const answer = await launch(bearer, form);
    expect(answer.status).to.equal(200);
    return new URL(((await answer.json()) as { launch_url: string }).launch_url);
  }
  /** Follows the link the way @koa-mellon/idp's sso/init/ calls `authenticate` (the helper's stand-in). */
  const redeem = (url: URL, cookies?: ReadonlyMap<string, string>) => app.fetch(`/idp/sso/init/${url.search}`, cookies ? { cookies } : {});

  it("answers sso/init/?sp&next&launch with a random key, never the token; redeemed once, it gives the token's subject", async () => {
    const token = await signIn();
    const url = await link(token);
    expect(`${url.origin}${url.pathname}`).to.equal(INIT);
    expect(url.searchParams.get('sp')).to.equal(STATS);
    expect(url.searchParams.get('next')).to.equal('/dashboard');
    expect(url.searchParams.get(LAUNCH_PARAMETER)).to.match(/^[A-Za-z0-9_-]{43}$/);
    expect(url.href).to.not.include(token);
    expect(await (await redeem(url)).json()).to.deep.equal({ sub: 'alice' });
  });

  it('a second use is LAUNCH_LINK_INVALID', async () => {
    const url = await link(await signIn());
    expect((await redeem(url)).status).to.equal(200);
    expect(await (await redeem(url)).json()).to.deep.equal({ code: 'LAUNCH_LINK_INVALID' });
  });

  it('valid for one minute: at 59 s it works, past 60 s it is LAUNCH_LINK_INVALID', async () => {
    const token = await signIn();
    const early = await link(token);
    const late = await link(token);
    now += 59_000;
    expect(await (await redeem(early)).json()).to.deep.equal({ sub: 'alice' });
    now += 1_001;
    expect(await (await redeem(late)).json()).to.deep.equal({ code: 'LAUNCH_LINK_INVALID' });
  });

  it("opened in a browser whose access token is another user's: LAUNCH_SUBJECT_MISMATCH; the user's own token is fine", async () => {
    const alice = await signIn('alice');
    const bob = await signIn('bob');
    expect(await (await redeem(await link(alice), new Map([[COOKIE.access, bob]]))).json()).to.deep.equal({ code: 'LAUNCH_SUBJECT_MISMATCH' });
    expect(await (await redeem(await link(alice), new Map([[COOKIE.access, alice]]))).json()).to.deep.equal({ sub: 'alice' });
  });

  it('an unknown or malformed key, or a link moved to another SP, is LAUNCH_LINK_INVALID', async () => {
    const url = await link(await signIn());
    const forged = new URL(url);
    forged.searchParams.set(LAUNCH_PARAMETER, 'A'.repeat(43));
    expect(await (await redeem(forged)).json()).to.deep.equal({ code: 'LAUNCH_LINK_INVALID' });
    forged.searchParams.set(LAUNCH_PARAMETER, '../x');
    expect(await (await redeem(forged)).json()).to.deep.equal({ code: 'LAUNCH_LINK_INVALID' });
    url.searchParams.set('sp', 'https://other.example.test/');
    expect(await (await redeem(url)).json()).to.deep.equal({ code: 'LAUNCH_LINK_INVALID' });
  });

  it('a request without a launch key is no launch (the IdP goes on with its other ways to find the user)', async () => {
    expect(await (await app.fetch(`/idp/sso/init/?sp=${encodeURIComponent(STATS)}`)).json()).to.deep.equal({ sub: null });
  });

  it('no token: 401 TOKEN_MISSING; a revoked token: 401 TOKEN_REVOKED', async () => {
    const none = await app.fetch('/jwt/launch', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ sp: STATS }) });
    expect(none.status).to.equal(401);
    expect(await none.json()).to.have.property('code', 'TOKEN_MISSING');
    const token = await signIn();
    expect((await app.fetch('/jwt/logout', { method: 'POST', headers: { authorization: `Bearer ${token}` } })).status).to.equal(200);
    const revoked = await launch(token);
    expect(revoked.status).to.equal(401);
    expect(await revoked.json()).to.have.property('code', 'TOKEN_REVOKED');
  });

  it('with the access cookie instead of a bearer token, the CSRF rules apply: no header, CSRF_HEADER_MISSING', async () => {
    const token = await signIn();
    const answer = await app.fetch('/jwt/launch', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin' }, body: new URLSearchParams({ sp: STATS }), cookies: new Map([[COOKIE.access, token]]) });
    expect(answer.status).to.equal(403);
    expect(await answer.json()).to.have.property('code', 'CSRF_HEADER_MISSING');
  });

  it('no sp: 400 BINDING_INVALID; a next to another site becomes /', async () => {
    const token = await signIn();
    const missing = await launch(token, { next: '/x' });
    expect(missing.status).to.equal(400);
    expect(await missing.json()).to.have.property('code', 'BINDING_INVALID');
    expect((await link(token, { sp: STATS, next: 'https://evil.example/' })).searchParams.get('next')).to.equal('/');
  });

  it('without idpInitiateUrl there is no launch/ route; a bad one is a ConfigError naming the key', async () => {
    const plain = await BridgeApp.start(baseSettings(memoryStore()));
    try {
      expect((await plain.fetch('/jwt/launch', { method: 'POST' })).status).to.equal(404);
    } finally {
      await plain.stop();
    }
    await expect(createJwtBridge(baseSettings(memoryStore(), { idpInitiateUrl: 'not a url' }))).to.be.rejectedWith(ConfigError).and.eventually.include({ code: 'CONFIG_INVALID', path: 'idpInitiateUrl' });
  });
});
