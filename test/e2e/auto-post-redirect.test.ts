// Issue #12 (5): every auto-submit page we send (HTTP-POST binding) must let the browser follow the
// redirect that answers its POST, to any origin. Chromium applies a CSP `form-action` to that
// redirect too: with `form-action <the target's origin>`, IdP-initiated single logout through a
// node-saml SP never finished (node-saml answers the LogoutRequest with a 302 back to the IdP).
// Here a "receiver" (another 127.0.0.1 port) plays the peer endpoint of each message and answers
// every POST with a 303 to a third origin; the browser must land there.
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import Koa from 'koa';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import {
  BINDING,
  buildLogoutRequest,
  encodeRedirect,
  generateIdpMetadata,
  attribute,
  parseXml,
  readNameId,
  requiredChild,
  serializeXml,
  type NameIdParts,
} from '@koa-mellon/saml';
import { createMellon, type Mellon } from 'koa-mellon';
import { createIdp, type Idp, type IdpUser } from '@koa-mellon/idp';
import { launchChromium, screenshot } from '../helpers/browser.js';
import { testKeyPair } from '../helpers/keys.js';
import { RawSp } from '../../packages/idp/test/helpers/raw-sp.js';

interface Listening {
  readonly server: Server;
  readonly origin: string;
  handle(handler: (req: IncomingMessage, res: ServerResponse) => void): void;
}

/** A server on its own 127.0.0.1 port (its own origin), whose handler is set once the URLs are known. */
async function listen(): Promise<Listening> {
  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  const server = createServer((req, res) => (handler ? handler(req, res) : res.writeHead(503).end()));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, handle: (h) => (handler = h) };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

interface User extends IdpUser {
  readonly id: string;
  readonly username: string;
}

describe('e2e: an auto-posted message whose receiver redirects to another origin (Chromium)', function () {
  this.timeout(60_000);
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const servers: Listening[] = [];
  let landing: Listening;
  let receiver: Listening;
  /** Forms the receiver was posted, by path. */
  const received: { path: string; form: URLSearchParams }[] = [];
  let idp: Idp;
  let idpServer: Listening;
  let spPost: Mellon;
  let spLogout: Mellon;
  let spLogoutServer: Listening;
  let peer: RawSp;

  before(async () => {
    landing = await listen();
    receiver = await listen();
    idpServer = await listen();
    const spPostServer = await listen();
    spLogoutServer = await listen();
    servers.push(landing, receiver, idpServer, spPostServer, spLogoutServer);
    landing.handle((_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('landed'));
    receiver.handle((req, res) => {
      void readBody(req).then((body) => {
        const path = new URL(req.url ?? '/', receiver.origin).pathname;
        received.push({ path, form: new URLSearchParams(body) });
        res.writeHead(303, { location: `${landing.origin}/landed?from=${encodeURIComponent(path)}` }).end();
      });
    });

    const idpKeys = testKeyPair('idp');
    const idpBase = `${idpServer.origin}/idp`;
    const idpEntityId = `${idpBase}/metadata/`;
    // The receiver as an SP of our IdP: ACS and SingleLogoutService (POST only) on the receiver.
    peer = new RawSp(receiver.origin, { sloBindings: [BINDING.post], encryption: false });

    // SP 1: its IdP takes AuthnRequests by POST only, at the receiver.
    spPost = createMellon({
      baseUrl: `${spPostServer.origin}/sp1`,
      identityProviders: [{ metadata: generateIdpMetadata({ entityId: `${receiver.origin}/idp`, singleSignOnServiceUrl: `${receiver.origin}/sso`, singleSignOnServiceBindings: [BINDING.post], certificates: [idpKeys.certPem] }) }],
      privateKey: testKeyPair('sp').keyPem,
      publicKeys: [testKeyPair('sp').certPem],
      sessionCookie: { name: 'sp1.sid' },
    });
    // SP 2: logs in at our IdP; its IdP's SingleLogoutService (POST only) is the receiver.
    spLogout = createMellon({
      baseUrl: `${spLogoutServer.origin}/sp2`,
      identityProviders: [
        {
          metadata: generateIdpMetadata({
            entityId: idpEntityId,
            singleSignOnServiceUrl: `${idpBase}/sso/`,
            singleSignOnServiceBindings: [BINDING.redirect],
            singleLogoutServiceUrl: `${receiver.origin}/idp-slo`,
            singleLogoutServiceBindings: [BINDING.post],
            certificates: [idpKeys.certPem],
          }),
        },
      ],
      privateKey: testKeyPair('sp2').keyPem,
      publicKeys: [testKeyPair('sp2').certPem],
      sessionCookie: { name: 'sp2.sid' },
    });
    for (const [server, mellon] of [[spPostServer, spPost], [spLogoutServer, spLogout]] as const) {
      const app = new Koa();
      app.keys = ['sp-secret'];
      app.use(mellon.middleware());
      app.use(mellon.routes());
      app.use((ctx) => {
        ctx.body = ctx.state.user ? `hello ${ctx.state.user.username}` : 'anonymous';
      });
      server.handle(app.callback());
    }
    const spLogoutMetadata = await (await fetch(spLogout.urls.metadata)).text();

    idp = createIdp<User>({
      baseUrl: idpBase,
      privateKey: idpKeys.keyPem,
      publicKeys: [idpKeys.certPem],
      secret: 'a-secret-of-at-least-32-characters!!',
      serviceProviders: [{ metadata: spLogoutMetadata }, { metadata: peer.metadata() }],
      authenticate: (ctx) => (ctx.cookies.get('app.user') === 'alice' ? { id: 'u-1', username: 'alice' } : null),
      logout: (ctx) => void ctx.cookies.set('app.user', null),
      loginUrl: '/login',
    });
    const idpApp = new Koa();
    idpApp.keys = ['idp-secret'];
    idpApp.use(async (ctx, next) => {
      if (ctx.path !== '/login/as') return next();
      ctx.cookies.set('app.user', 'alice', { signed: false, httpOnly: true, sameSite: 'lax' });
      ctx.body = 'signed in';
    });
    idpApp.use(idp.routes());
    idpServer.handle(idpApp.callback());
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    idp?.close();
    spPost?.close();
    spLogout?.close();
    for (const { server } of servers) {
      server.closeAllConnections();
      server.close();
    }
  });

  beforeEach(async () => {
    received.length = 0;
    context = await browser.newContext();
    page = await context.newPage();
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') await screenshot(page, `FAILED-auto-post-${this.currentTest.title}`).catch(() => undefined);
    await context.close();
  });

  /** The browser followed the receiver's 303 to the landing origin. */
  async function expectLanded(path: string, parameter: 'SAMLRequest' | 'SAMLResponse'): Promise<void> {
    await page.waitForURL(`${landing.origin}/landed?from=${encodeURIComponent(path)}`, { timeout: 10_000 });
    expect(await page.textContent('body')).to.equal('landed');
    expect(received.filter((r) => r.path === path && r.form.has(parameter))).to.have.length(1);
  }

  async function signInAtIdp(): Promise<void> {
    await page.goto(`${idpServer.origin}/login/as`);
  }

  /** What the IdP gave the receiver SP: its NameID and SessionIndex, from the posted Response. */
  function lastNameId(): { nameId: NameIdParts; sessionIndex: string } {
    const response = received.filter((r) => r.form.has('SAMLResponse')).at(-1);
    const root = parseXml(Buffer.from(response?.form.get('SAMLResponse') ?? '', 'base64').toString('utf8')).root;
    const assertion = requiredChild(root, 'saml', 'Assertion');
    const nameId = readNameId(requiredChild(requiredChild(assertion, 'saml', 'Subject'), 'saml', 'NameID'));
    const sessionIndex = attribute(requiredChild(assertion, 'saml', 'AuthnStatement'), 'SessionIndex');
    if (sessionIndex === undefined) throw new Error('the Response has no SessionIndex');
    return { nameId, sessionIndex };
  }

  it('SP: the AuthnRequest POST to an IdP that redirects elsewhere', async () => {
    await page.goto(`${spPost.urls.login}?next=/`);
    await expectLanded('/sso', 'SAMLRequest');
  });

  it('SP: the LogoutRequest POST to an IdP that redirects elsewhere', async () => {
    await signInAtIdp();
    await page.goto(`${spLogout.urls.login}?next=/`);
    await page.waitForURL(`${spLogoutServer.origin}/`);
    expect(await page.textContent('body')).to.match(/^hello /);
    await page.goto(`${spLogout.urls.logout}?next=/`);
    await expectLanded('/idp-slo', 'SAMLRequest');
  });

  it('SP: the LogoutResponse POST (IdP-initiated logout) to an IdP that redirects elsewhere', async () => {
    const { document } = buildLogoutRequest({ issuer: idp.urls.entityId, destination: spLogout.urls.logout, nameId: { value: 'nobody' }, sessionIndexes: [] });
    await page.goto(encodeRedirect({ url: spLogout.urls.logout, parameter: 'SAMLRequest', xml: serializeXml(document), relayState: 'rs', signingKey: testKeyPair('idp').privateKey }));
    await expectLanded('/idp-slo', 'SAMLResponse');
  });

  it('IdP: the Response POST to an SP whose ACS redirects elsewhere', async () => {
    await signInAtIdp();
    await page.goto(peer.redirectRequest(idp.urls.sso).url);
    await expectLanded('/acs', 'SAMLResponse');
  });

  it('IdP: the LogoutRequest POST (logout started at the IdP) to an SP that redirects elsewhere', async () => {
    await signInAtIdp();
    await page.goto(peer.redirectRequest(idp.urls.sso).url);
    await expectLanded('/acs', 'SAMLResponse');
    await page.goto(`${idp.urls.slo}?next=/`);
    await expectLanded('/slo', 'SAMLRequest');
  });

  it('IdP: the LogoutResponse POST (logout started at the SP) to an SP that redirects elsewhere', async () => {
    await signInAtIdp();
    await page.goto(peer.redirectRequest(idp.urls.sso).url);
    await expectLanded('/acs', 'SAMLResponse');
    const { nameId, sessionIndex } = lastNameId();
    const { document } = buildLogoutRequest({ issuer: peer.entityId, destination: idp.urls.slo, nameId, sessionIndexes: [sessionIndex] });
    await page.goto(encodeRedirect({ url: idp.urls.slo, parameter: 'SAMLRequest', xml: serializeXml(document), relayState: 'peer-rs', signingKey: peer.keys.privateKey }));
    await expectLanded('/slo', 'SAMLResponse');
  });
});
