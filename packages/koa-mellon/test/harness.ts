import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createServer, get, type IncomingMessage, type Server } from 'node:http';
import Koa from 'koa';
import {
  buildLogoutRequest,
  buildLogoutResponse,
  decodeRedirect,
  encodeRedirect,
  generateIdpMetadata,
  parseAuthnRequest,
  parseLogoutRequest,
  parseXml,
  serializeXml,
} from '@koa-mellon/saml';
import { createMellon, type Mellon, type MellonSettings } from 'koa-mellon';
import { testKeyPair } from '../../../test/helpers/keys.js';
import { IDP_ENTITY_ID, xmlsecResponse, type ResponseFixture } from '../../../test/helpers/response-fixture.js';

export const IDP_SSO = 'https://idp.example.test/sso';
export const IDP_SLO = 'https://idp.example.test/slo';

/** The IdP's metadata, signing with the `idp` test key. */
export function idpMetadata(): string {
  return generateIdpMetadata({
    entityId: IDP_ENTITY_ID,
    singleSignOnServiceUrl: IDP_SSO,
    singleLogoutServiceUrl: IDP_SLO,
    certificates: [testKeyPair('idp').certPem],
  });
}

/**
 * A GET with exactly these headers, as a browser navigating sends it (fetch adds its own
 * `Sec-Fetch-Mode: cors`, which marks an API call).
 */
export async function navigate(url: string, headers: Record<string, string> = { accept: 'text/html', 'sec-fetch-mode': 'navigate' }): Promise<IncomingMessage> {
  const request = get(url, { headers });
  const [response] = (await once(request, 'response')) as [IncomingMessage];
  response.resume();
  return response;
}

/** A Koa app with koa-mellon mounted under `basePath`, listening on 127.0.0.1. */
export class TestSp {
  readonly mellon: Mellon;
  readonly origin: string;
  cookies = new Map<string, string>();
  private store: MellonSettings['store'];
  private constructor(mellon: Mellon, private readonly server: Server, origin: string) {
    this.mellon = mellon;
    this.origin = origin;
  }

  static async start(basePath: string, overrides: Partial<MellonSettings> = {}): Promise<TestSp> {
    const mellon = createMellon({
      baseUrl: `https://sp.example.test${basePath}`,
      identityProviders: [{ metadata: idpMetadata() }],
      privateKey: testKeyPair('sp').keyPem,
      publicKeys: [testKeyPair('sp').certPem],
      ...overrides,
    });
    const sp = await TestSp.serve(TestSp.app(mellon), mellon);
    sp.store = overrides.store;
    return sp;
  }

  /**
   * Like `start`, but baseUrl is the real http://127.0.0.1:port the SP listens on, so that a peer
   * outside this process can reach the URLs of its metadata (a SOAP back-channel, e.g.).
   */
  static async startLocal(basePath: string, overrides: Partial<MellonSettings> = {}): Promise<TestSp> {
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    let mellon: Mellon;
    try {
      mellon = createMellon({
        baseUrl: `${origin}${basePath}`,
        identityProviders: [{ metadata: idpMetadata() }],
        privateKey: testKeyPair('sp').keyPem,
        publicKeys: [testKeyPair('sp').certPem],
        ...overrides,
      });
    } catch (err) {
      server.close();
      throw err;
    }
    server.on('request', TestSp.app(mellon).callback());
    const sp = new TestSp(mellon, server, origin);
    sp.store = overrides.store;
    return sp;
  }

  /** The app `start` serves: koa-mellon and a `/whoami` route. */
  private static app(mellon: Mellon): Koa {
    const app = new Koa();
    app.keys = ['test-cookie-secret'];
    app.use(async (ctx, next) => {
      await next();
      if (ctx.path === '/whoami') ctx.body = { user: ctx.state.user ?? null, mellon: ctx.state.mellon ?? null };
    });
    // As behind a TLS-terminating proxy: baseUrl is https, so the session cookie is Secure.
    app.proxy = true;
    app.use(mellon.middleware());
    app.use(mellon.routes());
    return app;
  }

  /** Serves an app that mounts `mellon` (as a user writes it) on 127.0.0.1. */
  static async serve(app: Koa, mellon: Mellon): Promise<TestSp> {
    const server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    return new TestSp(mellon, server, `http://127.0.0.1:${port}`);
  }

  async stop(): Promise<void> {
    this.mellon.close();
    await this.store?.close();
    this.server.close();
    await once(this.server, 'close');
  }

  /** Logical URL (baseUrl) → the real local one. */
  local(url: string): string {
    const u = new URL(url);
    return `${this.origin}${u.pathname}${u.search}`;
  }

  /** fetch with a cookie jar, no redirects followed. */
  async request(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set('x-forwarded-proto', 'https');
    if (this.cookies.size > 0) headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    const response = await fetch(url.startsWith('http://127.0.0.1') ? url : this.local(url), { ...init, headers, redirect: 'manual' });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = (pair ?? '').indexOf('=');
      const [name, value] = [(pair ?? '').slice(0, at), (pair ?? '').slice(at + 1)];
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return response;
  }

  /**
   * Posts a form. Like a browser, follows the ACS's 303 to login/finish/ (the same-site hop that
   * checks the browser-binding cookie) and returns the answer of that hop.
   */
  async post(url: string, form: Record<string, string>, accept = 'application/json'): Promise<Response> {
    const response = await this.request(url, { method: 'POST', body: new URLSearchParams(form), headers: { accept } });
    const location = response.headers.get('location') ?? '';
    if (response.status === 303 && location.startsWith(`${this.mellon.urls.login}finish/`)) {
      return this.request(location, { headers: { accept } });
    }
    return response;
  }

  /** Posts without following the finish hop. */
  postOnly(url: string, form: Record<string, string>): Promise<Response> {
    return this.request(url, { method: 'POST', body: new URLSearchParams(form), headers: { accept: 'application/json' } });
  }

  async whoami(): Promise<{ user: { username: string; fields: Record<string, string> } | null; mellon: { nameIdContent: string; sessionIndex?: string } | null }> {
    return (await this.request(`${this.origin}/whoami`)).json() as never;
  }

  /** GET login/ and return the AuthnRequest ID and RelayState the IdP receives. */
  async startLogin(query = ''): Promise<{ requestId: string; relayState: string; location: string }> {
    const response = await this.request(`${this.mellon.urls.login}${query}`);
    const location = response.headers.get('location') ?? '';
    const redirect = decodeRedirect(location.slice(location.indexOf('?') + 1));
    return { requestId: parseAuthnRequest(parseXml(redirect.xml).root).id, relayState: redirect.relayState ?? '', location };
  }

  /** A response from the IdP for this SP's URLs. */
  response(fixture: ResponseFixture): string {
    const login = this.mellon.urls.login;
    const xml = xmlsecResponse({ destination: login, recipient: login, audience: this.mellon.urls.entityId, ...fixture });
    return Buffer.from(xml).toString('base64');
  }

  /** SP-initiated login, all the way. */
  async login(fixture: ResponseFixture = {}): Promise<Response> {
    const { requestId, relayState } = await this.startLogin('?next=/dashboard');
    return this.post(this.mellon.urls.login, { SAMLResponse: this.response({ inResponseTo: requestId, ...fixture }), RelayState: relayState });
  }

  /** The IdP answers our LogoutRequest (found at `location`) over HTTP-Redirect, signed. */
  idpLogoutResponse(location: string): string {
    const request = parseLogoutRequest(parseXml(decodeRedirect(location.slice(location.indexOf('?') + 1)).xml).root, { keys: [] });
    const { document } = buildLogoutResponse({ issuer: IDP_ENTITY_ID, destination: this.mellon.urls.logout, inResponseTo: request.id });
    return encodeRedirect({ url: this.mellon.urls.logout, parameter: 'SAMLResponse', xml: serializeXml(document), signingKey: testKeyPair('idp').privateKey });
  }

  /** An IdP-initiated LogoutRequest over HTTP-Redirect, signed by `signer`. */
  idpLogoutRequest(nameId: string, signer = 'idp', sessionIndexes: string[] = []): string {
    const { document } = buildLogoutRequest({ issuer: IDP_ENTITY_ID, destination: this.mellon.urls.logout, nameId: { value: nameId }, sessionIndexes });
    return encodeRedirect({ url: this.mellon.urls.logout, parameter: 'SAMLRequest', xml: serializeXml(document), relayState: 'idp-state', signingKey: testKeyPair(signer).privateKey });
  }
}
