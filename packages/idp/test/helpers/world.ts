import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import Router from '@koa/router';
import { createMellon, safeNext, type Mellon, type MellonSettings } from 'koa-mellon';
import { createIdp, type Idp, type IdpSettings, type IdpUser, type ServiceProviderSettings } from '@koa-mellon/idp';
import { testKeyPair } from '../../../../test/helpers/keys.js';
import { Browser } from './browser.js';

export interface TestUser extends IdpUser {
  readonly id: string;
  readonly username: string;
  readonly email: string;
  readonly name: string;
  readonly groups: readonly string[];
}

export const USERS: ReadonlyMap<string, TestUser> = new Map([
  ['alice', { id: 'u-1001', username: 'alice', email: 'alice@example.test', name: 'Alice Liddell', groups: ['staff', 'admins'] }],
  ['bob', { id: 'u-1002', username: 'bob', email: 'bob@example.test', name: 'Bob', groups: [] }],
]);

export const IDP_SECRET = 'test-secret-0123456789abcdef0123456789';

/** A listening server whose request handler is set later (so a URL can be known before the app). */
interface Listening {
  readonly server: Server;
  readonly local: string;
  /** `strip`: as behind a proxy that removes this path prefix before the app sees the request. */
  setApp(app: Koa, strip?: string): void;
}

/**
 * How the app mounts a role's router: at baseUrl's path (the default), nested in a parent
 * @koa/router that matched the path, or behind a proxy that strips the path.
 */
export type Mount = 'direct' | 'nested' | 'stripped';

function mountRoutes(app: Koa, mount: Mount, basePath: string, routes: (options?: { prefix: string }) => ReturnType<Router['routes']>): void {
  if (mount === 'direct') app.use(routes());
  else if (mount === 'stripped') app.use(routes({ prefix: '' }));
  else {
    const parent = new Router();
    parent.use(basePath, routes({ prefix: '' }));
    app.use(parent.routes());
  }
}

async function listen(): Promise<Listening> {
  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  const server = createServer((req, res) => {
    if (handler) handler(req, res);
    else res.writeHead(503).end();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    server,
    local: `http://127.0.0.1:${port}`,
    setApp(app, strip) {
      const callback = app.callback();
      handler = (req, res) => {
        if (strip && req.url?.startsWith(`${strip}/`)) req.url = req.url.slice(strip.length);
        callback(req, res);
      };
    },
  };
}

async function close(server: Server): Promise<void> {
  if (!server.listening) return;
  server.closeAllConnections();
  server.close();
  await once(server, 'close');
}

export interface IdpServerOptions {
  /** Logical origin; `'local'` serves from the real 127.0.0.1 URL (needed by back-channel SOAP). */
  readonly origin?: string | 'local';
  readonly basePath?: string;
  readonly mount?: Mount;
  readonly settings?: Partial<IdpSettings<TestUser>>;
}

/**
 * The IdP app: @koa-mellon/idp under basePath, and the app's own login: `GET /login` is the login
 * page (the test "types" credentials by loading `/login/as?user=…&next=…`), the session is a signed
 * `app.user` cookie, read by `authenticate` and cleared by `logout`.
 */
export class IdpServer {
  readonly loginPages: URL[] = [];
  logins = 0;
  private constructor(readonly idp: Idp, readonly origin: string, readonly local: string, private readonly server: Server) {}

  static async start(browser: Browser, serviceProviders: ServiceProviderSettings<TestUser>[], options: IdpServerOptions = {}, listening?: Listening): Promise<IdpServer> {
    const { server, local, setApp } = listening ?? (await listen());
    const origin = options.origin === 'local' ? local : (options.origin ?? 'https://idp.example.test');
    const idp = createIdp<TestUser>(idpSettings(origin, options, serviceProviders));
    const idpServer = new IdpServer(idp, origin, local, server);
    const app = new Koa();
    app.keys = ['idp-cookie-secret'];
    app.proxy = true;
    app.use(async (ctx, next) => {
      if (ctx.path === '/login') {
        idpServer.loginPages.push(new URL(ctx.href));
        ctx.type = 'html';
        ctx.body = '<!DOCTYPE html><form method="post"><input name="password"></form>';
        return;
      }
      if (ctx.path === '/login/as') {
        idpServer.logins++;
        ctx.cookies.set('app.user', String(ctx.query['user']), { signed: true, httpOnly: true, sameSite: 'lax' });
        ctx.redirect(safeNext(ctx.query['next'], '/'));
        return;
      }
      await next();
    });
    const basePath = options.basePath ?? '/idp';
    mountRoutes(app, options.mount ?? 'direct', basePath, idp.routes);
    setApp(app, options.mount === 'stripped' ? basePath : undefined);
    browser.map(origin, local);
    return idpServer;
  }

  /** The IdP's metadata without starting a server: what SPs are configured with. */
  static metadataFor(origin: string, options: IdpServerOptions = {}): string {
    const idp = createIdp<TestUser>(idpSettings(origin, options, []));
    idp.close();
    return idp.metadata();
  }

  url(path: string): string {
    return new URL(path, this.origin).href;
  }

  async stop(): Promise<void> {
    this.idp.close();
    await close(this.server);
  }
}

function idpSettings(origin: string, options: IdpServerOptions, serviceProviders: ServiceProviderSettings<TestUser>[]): IdpSettings<TestUser> {
  return {
    baseUrl: `${origin}${options.basePath ?? '/idp'}`,
    privateKey: testKeyPair('idp').keyPem,
    publicKeys: [testKeyPair('idp').certPem],
    secret: IDP_SECRET,
    serviceProviders,
    authenticate: (ctx) => USERS.get(ctx.cookies.get('app.user', { signed: true }) ?? '') ?? null,
    logout: (ctx) => {
      ctx.cookies.set('app.user', null, { signed: true });
    },
    loginUrl: '/login',
    ...options.settings,
  };
}

export interface SpServerOptions {
  readonly origin?: string;
  readonly basePath?: string;
  readonly mount?: Mount;
  readonly settings?: Partial<MellonSettings>;
  readonly keyName?: string;
}

/** koa-mellon as the SP, with `/whoami` answering who is logged in. */
export class SpServer {
  private constructor(readonly mellon: Mellon, readonly origin: string, private readonly server: Server, private readonly browser: Browser) {}

  static async start(browser: Browser, idpMetadata: string, options: SpServerOptions = {}): Promise<SpServer> {
    const { server, local, setApp } = await listen();
    // 'local': served from its real 127.0.0.1 URL (its metadata can then be fetched by URL).
    const origin = options.origin === 'local' ? local : (options.origin ?? 'https://sp.example.test');
    const keys = testKeyPair(options.keyName ?? 'sp');
    const basePath = options.basePath ?? '/sp';
    const mellon = createMellon({
      baseUrl: `${origin}${basePath}`,
      identityProviders: [{ metadata: idpMetadata }],
      privateKey: keys.keyPem,
      publicKeys: [keys.certPem],
      ...options.settings,
    });
    const app = new Koa();
    app.keys = ['sp-cookie-secret'];
    app.proxy = true;
    app.use(async (ctx, next) => {
      await next();
      if (ctx.path === '/whoami') ctx.body = { user: ctx.state.user ?? null, mellon: ctx.state.mellon ?? null };
    });
    app.use(mellon.middleware());
    mountRoutes(app, options.mount ?? 'direct', basePath, mellon.routes);
    setApp(app, options.mount === 'stripped' ? basePath : undefined);
    browser.map(origin, local);
    return new SpServer(mellon, origin, server, browser);
  }

  async metadata(): Promise<string> {
    return (await this.browser.request(this.mellon.urls.metadata)).text();
  }

  async whoami(): Promise<{ user: { username: string; fields: Record<string, string> } | null; mellon: WhoAmI | null }> {
    // The route answers JSON; the test user agent asks for it.
    return (await this.browser.request(new URL('/whoami', this.origin).href, { accept: 'application/json' })).json() as never;
  }

  async stop(): Promise<void> {
    this.mellon.close();
    await close(this.server);
  }
}

export interface WhoAmI {
  readonly issuer: string;
  readonly nameIdContent: string;
  readonly nameIdFormat?: string;
  readonly sessionIndex?: string;
  readonly authnInstant: string;
  readonly attributes: Record<string, string[]>;
}

export interface World {
  readonly browser: Browser;
  /** A test may replace it (a new IdP for the same SPs); `stop` stops the current one. */
  idp: IdpServer;
  readonly sps: SpServer[];
  stop(): Promise<void>;
}

/** One IdP and koa-mellon SPs that trust each other, all in this process. */
export async function startWorld(options: {
  idp?: IdpServerOptions;
  sps?: (SpServerOptions & { idpSettings?: Omit<ServiceProviderSettings<TestUser>, 'metadata'> })[];
} = {}): Promise<World> {
  const browser = new Browser();
  // The IdP's URL must be known before the SPs (their settings hold its metadata), and theirs
  // before the IdP (its settings hold their metadata): the IdP's metadata does not depend on them.
  let idpOptions = options.idp ?? {};
  const reserved = idpOptions.origin === 'local' ? await listen() : undefined;
  if (reserved) idpOptions = { ...idpOptions, origin: reserved.local };
  const idpMetadata = IdpServer.metadataFor(idpOptions.origin ?? 'https://idp.example.test', idpOptions);
  const specs = options.sps ?? [{}];
  const sps = await Promise.all(specs.map((spec) => SpServer.start(browser, idpMetadata, spec)));
  const entries = await Promise.all(sps.map(async (sp, i) => ({ metadata: await sp.metadata(), ...specs[i]?.idpSettings })));
  const idp = await IdpServer.start(browser, entries, { ...idpOptions, origin: idpOptions.origin ?? 'https://idp.example.test' }, reserved);
  const world: World = {
    browser,
    idp,
    sps,
    async stop() {
      await Promise.all([world.idp.stop(), ...sps.map((sp) => sp.stop())]);
    },
  };
  return world;
}
