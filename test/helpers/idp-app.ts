import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { createIdp, type AttributeRelease, type Idp, type IdpLogger, type IdpSettings, type IdpUser, type ServiceProviderSettings } from '@koa-mellon/idp';
import { testKeyPair } from './keys.js';
import { readForm, safeNext } from '@koa-mellon/web';

/**
 * An application that is a SAML IdP, written as a user of @koa-mellon/idp would write it: its own
 * users, a real HTML login form (`/login`, what Chromium fills), a home page, and `createIdp`'s
 * routes under `/idp`. It is what peer SPs we did not write (SimpleSAMLphp, mod_auth_mellon) are
 * tested against.
 *
 * The server listens once; `configure()` builds a new IdP (new settings, fresh in-memory state) on
 * the same origin, so that its entityID and metadata URLs stay the ones the peer was given.
 */

export interface AppUser extends IdpUser {
  readonly id: string;
  readonly username: string;
  readonly password: string;
  readonly email: string;
  readonly displayName: string;
  readonly groups: readonly string[];
}

export const APP_USERS: ReadonlyMap<string, AppUser> = new Map([
  ['alice', { id: 'u-1001', username: 'alice', password: 'alice-pass', email: 'alice@idp.example.test', displayName: 'Alice Liddell', groups: ['staff', 'admins', 'wonderland'] }],
  ['bob', { id: 'u-1002', username: 'bob', password: 'bob-pass', email: 'bob@idp.example.test', displayName: 'Bob Émile Brûlé', groups: ['students'] }],
]);

export type AppUserName = 'alice' | 'bob';

export function appUser(name: AppUserName): AppUser {
  const user = APP_USERS.get(name);
  if (!user) throw new Error(`no test user ${name}`);
  return user;
}

/** What every peer SP gets: a few attributes, one of them multi-valued. */
export const RELEASED_ATTRIBUTES: AttributeRelease<AppUser> = {
  uid: 'username',
  mail: 'email',
  displayName: 'displayName',
  groups: 'groups',
};

/** Where the IdP's routes are mounted. */
export const IDP_PATH = '/idp';
const SESSION_COOKIE = 'idp-app.user';

export interface IdpLogLine {
  readonly level: keyof IdpLogger;
  readonly msg: string | undefined;
  readonly obj: Record<string, unknown>;
}

export interface IdpAppConfig {
  readonly serviceProviders: readonly ServiceProviderSettings<AppUser>[];
  /** Settings added to (or replacing) the defaults. */
  readonly settings?: Partial<IdpSettings<AppUser>>;
}

export class IdpApp {
  /** The IdP's log lines since the last `configure()`. */
  events: IdpLogLine[] = [];
  /** Requests served since the last `configure()`: `METHOD path status`. */
  handled: string[] = [];
  private current: Idp | undefined;
  private handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;

  private constructor(
    private readonly server: Server,
    /** `http://127.0.0.1:port` */
    readonly origin: string,
  ) {}

  /** Listens on a free 127.0.0.1 port; nothing is served but 503 until `configure()`. */
  static async start(): Promise<IdpApp> {
    let app: IdpApp | undefined;
    const server = createServer((req, res) => {
      if (app?.handler) app.handler(req, res);
      else res.writeHead(503).end();
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    app = new IdpApp(server, `http://127.0.0.1:${port}`);
    return app;
  }

  get idp(): Idp {
    if (!this.current) throw new Error('IdpApp.configure() was not called');
    return this.current;
  }

  get baseUrl(): string {
    return `${this.origin}${IDP_PATH}`;
  }

  /** The IdP's entityID and metadata; they do not depend on the SPs, so peers can be given them first. */
  published(settings: Partial<IdpSettings<AppUser>> = {}): { entityId: string; metadata: string } {
    const idp = createIdp<AppUser>(this.settings({ serviceProviders: [], settings }));
    idp.close();
    return { entityId: idp.urls.entityId, metadata: idp.metadata() };
  }

  /** A new IdP on this origin (its state starts empty). */
  configure(config: IdpAppConfig): Idp {
    this.current?.close();
    this.events = [];
    this.handled = [];
    const idp = createIdp<AppUser>(this.settings(config));
    this.current = idp;
    const app = new Koa();
    app.keys = ['idp-app-cookie-key'];
    app.use(async (ctx, next) => {
      await next();
      this.handled.push(`${ctx.method} ${ctx.path} ${ctx.status}`);
    });
    app.use(async (ctx, next) => {
      if (ctx.path === '/login' && ctx.method === 'GET') {
        loginPage(ctx, ctx.query['next'], ctx.query['forceAuthn'] === '1');
        return;
      }
      if (ctx.path === '/login' && ctx.method === 'POST') {
        const form = await readForm(ctx, 16 * 1024);
        const user = APP_USERS.get(form.get('username') ?? '');
        if (!user || user.password !== form.get('password')) {
          ctx.status = 401;
          loginPage(ctx, form.get('next'), false, 'Wrong username or password.');
          return;
        }
        ctx.cookies.set(SESSION_COOKIE, user.username, { signed: true, httpOnly: true, sameSite: 'lax' });
        ctx.status = 303;
        ctx.redirect(safeNext(form.get('next'), '/'));
        return;
      }
      if (ctx.path === '/' && ctx.method === 'GET') {
        const user = currentUser(ctx);
        ctx.type = 'html';
        ctx.body = page('Home', user ? `<p id="status">Signed in as <span id="user">${user.username}</span>.</p><p><a id="sign-out" href="${idp.logoutUrl('/')}">Sign out everywhere</a></p>` : '<p id="status">Signed out.</p>');
        return;
      }
      await next();
    });
    app.use(idp.routes());
    this.handler = app.callback();
    return idp;
  }

  /** The codes of the IdP's refusals (error pages) since `configure()`. */
  refusals(): string[] {
    return this.events.filter((e) => e.msg === 'koa-mellon idp: refused').map((e) => String(e.obj['code']));
  }

  /** For a failed test's output. */
  describe(): string {
    const lines = this.events.map((e) => `  ${e.level} ${e.msg ?? ''} ${JSON.stringify(e.obj).slice(0, 300)}`);
    return `--- our IdP (${this.baseUrl}) ---\n  requests: ${this.handled.join(' | ')}\n${lines.join('\n')}`;
  }

  async stop(): Promise<void> {
    this.current?.close();
    this.handler = undefined;
    if (!this.server.listening) return;
    this.server.closeAllConnections();
    this.server.close();
    await once(this.server, 'close');
  }

  private settings(config: IdpAppConfig): IdpSettings<AppUser> {
    const keys = testKeyPair('idp');
    const logger: IdpLogger = {
      debug: (obj, msg) => this.events.push({ level: 'debug', msg, obj: obj as Record<string, unknown> }),
      info: (obj, msg) => this.events.push({ level: 'info', msg, obj: obj as Record<string, unknown> }),
      warn: (obj, msg) => this.events.push({ level: 'warn', msg, obj: obj as Record<string, unknown> }),
      error: (obj, msg) => this.events.push({ level: 'error', msg, obj: obj as Record<string, unknown> }),
    };
    return {
      baseUrl: this.baseUrl,
      privateKey: keys.keyPem,
      publicKeys: [keys.certPem],
      secret: 'idp-app-pairwise-secret-0123456789abcdef',
      serviceProviders: config.serviceProviders,
      authenticate: (ctx) => currentUser(ctx) ?? null,
      logout: (ctx) => {
        ctx.cookies.set(SESSION_COOKIE, null, { signed: true });
      },
      loginUrl: '/login',
      logger,
      ...config.settings,
    };
  }
}

function currentUser(ctx: Koa.Context): AppUser | undefined {
  return APP_USERS.get(ctx.cookies.get(SESSION_COOKIE, { signed: true }) ?? '');
}

function loginPage(ctx: Koa.Context, next: unknown, forceAuthn: boolean, error?: string): void {
  const target = safeNext(next, '/');
  ctx.type = 'html';
  ctx.set('Cache-Control', 'no-store');
  ctx.body = page(
    'Sign in',
    `<h1>Sign in to the test IdP</h1>${forceAuthn ? '<p id="reauth">The application asks you to sign in again.</p>' : ''}` +
      (error ? `<p id="error">${error}</p>` : '') +
      '<form method="post" action="/login">' +
      '<label>Username <input id="username" name="username" autocomplete="username"></label>' +
      '<label>Password <input id="password" name="password" type="password" autocomplete="current-password"></label>' +
      `<input type="hidden" name="next" value="${escapeHtml(target)}">` +
      '<button id="sign-in" type="submit">Sign in</button></form>',
  );
}

function page(title: string, body: string): string {
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body>${body}</body></html>`;
}

function escapeHtml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
