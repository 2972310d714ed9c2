import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { createMellon, type Mellon } from 'koa-mellon';
import { createIdp, type Idp } from '@koa-mellon/idp';
import { createMemoryStore, type StateStore } from '@koa-mellon/web';
import { createJwtBridge, type JwtBridge } from '../../src/index.js';
import { Browser } from '../../../idp/test/helpers/browser.js';
import { IDP_SECRET, IdpServer, SpServer } from '../../../idp/test/helpers/world.js';
import { testKeyPair } from '../../../../test/helpers/keys.js';
import { KEYS, SECRET } from './bridge.js';

export const APP = 'https://app.example.test';
export const STATS = 'https://stats.example.test';
const SILENT = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/** The user the app's IdP role releases to the Statistics SP, built from the token's claims. */
interface TokenUser {
  readonly id: string;
  readonly email: string;
}

/**
 * Wired as the demo wires it, every role real: an upstream IdP (@koa-mellon/idp, the test IdP
 * app) → the app: koa-mellon as its SP with the JWT bridge's hooks, the bridge's routes and API,
 * and @koa-mellon/idp as the app's own IdP (authenticated by the bridge) → a second SP
 * (koa-mellon, "Statistics") that trusts the app's IdP.
 */
export class JwtWorld {
  private constructor(
    readonly browser: Browser,
    readonly upstream: IdpServer,
    readonly bridge: JwtBridge,
    readonly mellon: Mellon,
    readonly appIdp: Idp,
    readonly stats: SpServer,
    private readonly server: Server,
  ) {}

  static async start(store: StateStore = createMemoryStore()): Promise<JwtWorld> {
    const browser = new Browser();
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    browser.map(APP, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);

    const upstreamMetadata = IdpServer.metadataFor('https://idp.example.test');
    let mellon: Mellon | undefined;
    const bridge = await createJwtBridge({
      issuer: APP,
      audience: `${APP}/api`,
      keys: [{ kid: 'ed-1', alg: 'EdDSA', privateKey: KEYS.ed.privateKey, use: 'sign' }],
      store,
      secret: SECRET,
      samlLoginUrl: `${APP}/sp/login/`,
      startSamlLogout: (ctx, saml, next) => (mellon as Mellon).startLogout(ctx, saml, next),
      clients: [{ clientId: 'spa', redirectUris: ['https://spa.example.test/callback'] }],
      claims: (_user, saml) => ({ email: saml.attributes['mail']?.[0] ?? null }),
      idpInitiateUrl: `${APP}/idp/sso/init/`,
      logger: SILENT,
    });
    const spKeys = testKeyPair('sp');
    mellon = createMellon({ baseUrl: `${APP}/sp`, identityProviders: [{ metadata: upstreamMetadata }], privateKey: spKeys.keyPem, publicKeys: [spKeys.certPem], hooks: bridge.samlHooks, logger: SILENT });

    // The app as an IdP: its metadata does not depend on its SPs, so Statistics can be set up first.
    const idpKeys = testKeyPair('app-idp');
    const idpSettings = {
      baseUrl: `${APP}/idp`,
      privateKey: idpKeys.keyPem,
      publicKeys: [idpKeys.certPem],
      secret: IDP_SECRET,
      loginUrl: `${APP}/sp/login/`,
      authenticate: async (ctx: Koa.Context): Promise<TokenUser | null> => {
        const claims = (await bridge.redeemLaunch(ctx)) ?? (await bridge.identify(ctx));
        return claims ? { id: claims.sub, email: typeof claims['email'] === 'string' ? claims['email'] : '' } : null;
      },
      logout: (ctx: Koa.Context) => bridge.endSession(ctx),
    };
    const probe = createIdp<TokenUser>({ ...idpSettings, serviceProviders: [] });
    probe.close();
    const stats = await SpServer.start(browser, probe.metadata(), { origin: STATS, keyName: 'stats', settings: { allowIdpInitiated: true, logger: SILENT } });
    const appIdp = createIdp<TokenUser>({ ...idpSettings, serviceProviders: [{ metadata: await stats.metadata(), attributes: { mail: 'email' } }] });

    const app = new Koa();
    app.keys = ['app-cookie-secret'];
    app.proxy = true;
    app.use(bridge.routes());
    app.use(mellon.middleware());
    app.use(mellon.routes());
    app.use(appIdp.routes());
    const authenticate = bridge.authenticate();
    app.use(async (ctx, next) => {
      if (ctx.path.startsWith('/api/')) {
        await authenticate(ctx, async () => {
          ctx.body = { user: ctx.state['user'] };
        });
        return;
      }
      await next();
      if (ctx.status === 404) ctx.body = `page ${ctx.path}`;
    });
    server.on('request', app.callback());

    const spMetadata = await (await browser.request(mellon.urls.metadata)).text();
    const upstream = await IdpServer.start(browser, [{ metadata: spMetadata, attributes: { mail: 'email' } }]);
    return new JwtWorld(browser, upstream, bridge, mellon, appIdp, stats, server);
  }

  /** SP-initiated SAML login at the app through the upstream IdP's login page; ends at `next`. */
  async login(next = '/home', user = 'alice') {
    const atLogin = await this.browser.go(`${this.mellon.urls.login}?next=${encodeURIComponent(next)}`);
    const loginNext = new URL(atLogin.url).searchParams.get('next') ?? '';
    return this.browser.go(this.upstream.url(`/login/as?user=${user}&next=${encodeURIComponent(loginNext)}`));
  }

  cookies(): Map<string, string> {
    return this.browser.cookies(APP);
  }

  /** A call to the app's API with these headers (cookies from the browser's jar unless `bearer`). */
  async api(path: string, init: { method?: 'GET' | 'POST'; headers?: Record<string, string>; bearer?: string; form?: Record<string, string> } = {}): Promise<Response> {
    const local = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    const headers = new Headers({ 'x-forwarded-proto': 'https', ...init.headers });
    if (init.bearer !== undefined) headers.set('authorization', `Bearer ${init.bearer}`);
    else headers.set('cookie', [...this.cookies()].map(([k, v]) => `${k}=${v}`).join('; '));
    const body = init.form ? new URLSearchParams(init.form) : null;
    return fetch(`${local}${path}`, { method: init.method ?? 'GET', headers, body, redirect: 'manual' });
  }

  async stop(): Promise<void> {
    this.mellon.close();
    this.appIdp.close();
    await this.bridge.close();
    await this.upstream.stop();
    await this.stats.stop();
    this.server.closeAllConnections();
    this.server.close();
    await once(this.server, 'close');
  }
}
