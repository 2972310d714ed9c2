import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Koa, { type Middleware } from 'koa';
import { createMellon, type Logger, type Mellon, type MellonSettings } from 'koa-mellon';
import { nameIdFormats, simpleSamlPhp } from '../../../docs/idps/examples/simplesamlphp.js';
import { testKeyPair } from '../../helpers/keys.js';

/**
 * The application under test, written as a user of koa-mellon would write it: only the public API
 * (`createMellon`, `middleware()`, `routes()`, `urls`), a Koa app with its own pages.
 *
 * Pages: `/` (public, a "Sign in" link), `/private` (redirects to login/ when anonymous; shows the
 * user's username, email and SAML attributes otherwise). Every request is recorded in `handled`
 * (method, path, names of the cookies it carried), and koa-mellon's log lines in `events`.
 */

export interface SpAppOptions {
  /** SSP's metadata URL (http on loopback is allowed); otherwise `settings.identityProviders` names the IdPs. */
  idpMetadataUrl?: string;
  /** The host in baseUrl: `127.0.0.1` (default) or `localhost`. The server listens on 127.0.0.1 either way. */
  host?: string;
  /** A public baseUrl other than this server's own (behind a proxy). */
  baseUrl?: string;
  /** Settings added to (or replacing) the defaults below. */
  settings?: Partial<MellonSettings>;
  /** Middleware that runs before koa-mellon's. */
  before?: Middleware[];
  /** A label for logs (several instances in one test). */
  name?: string;
}

export interface HandledRequest {
  readonly method: string;
  readonly path: string;
  readonly cookies: readonly string[];
  status?: number;
}

export interface LogEvent {
  readonly level: keyof Logger;
  readonly msg: string | undefined;
  readonly obj: Record<string, unknown>;
}

/** Cookie keys shared by every instance (koa's signed cookies need the same keys on each). */
export const APP_KEYS = ['interop-test-cookie-key'];
export const MELLON_PATH = '/accounts/mellon';

export class SpApp {
  readonly handled: HandledRequest[] = [];
  private constructor(
    /** koa-mellon's log lines, in order. */
    readonly events: LogEvent[],
    readonly mellon: Mellon,
    private readonly server: Server,
    /** Where this instance really listens: `http://127.0.0.1:port`. */
    readonly localOrigin: string,
    /** The public origin of baseUrl. */
    readonly origin: string,
    private readonly cacheDir: string,
    private readonly store: MellonSettings['store'],
    readonly name: string,
  ) {}

  static async start(options: SpAppOptions): Promise<SpApp> {
    const app = new Koa();
    app.keys = APP_KEYS;
    // baseUrl needs the port before the app is built, and Koa composes its middleware when the
    // request handler is made: listen first, attach the handler once the app is complete.
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const baseUrl = options.baseUrl ?? `http://${options.host ?? '127.0.0.1'}:${port}${MELLON_PATH}`;
    const cacheDir = mkdtempSync(join(tmpdir(), 'km-sp-metadata-'));
    const sp = testKeyPair('sp');
    const events: LogEvent[] = [];
    const log = (level: keyof Logger) => (obj: object, msg?: string) => void events.push({ level, msg, obj: obj as Record<string, unknown> });
    // With an SSP metadata URL: the settings docs/idps/simplesamlphp.md gives (its example file).
    const idpSettings: Partial<MellonSettings> =
      options.idpMetadataUrl === undefined ? {} : { identityProviders: [{ ...simpleSamlPhp, metadataUrl: options.idpMetadataUrl }], nameIdFormats };
    let mellon: Mellon;
    try {
      mellon = createMellon({
        baseUrl,
        identityProviders: [],
        privateKey: sp.keyPem,
        publicKeys: [sp.certPem],
        metadataCacheDir: cacheDir,
        logger: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
        ...idpSettings,
        ...options.settings,
      });
    } catch (err) {
      server.close();
      rmSync(cacheDir, { recursive: true, force: true });
      throw err;
    }
    const instance = new SpApp(events, mellon, server, `http://127.0.0.1:${port}`, new URL(baseUrl).origin, cacheDir, options.settings?.store, options.name ?? `sp:${port}`);

    app.use(async (ctx, next) => {
      const record: HandledRequest = {
        method: ctx.method,
        path: ctx.url,
        cookies: (ctx.get('cookie') || '').split(';').map((c) => c.split('=')[0]?.trim() ?? '').filter(Boolean),
      };
      instance.handled.push(record);
      await next();
      record.status = ctx.status;
    });
    for (const mw of options.before ?? []) app.use(mw);
    app.use(mellon.middleware());
    app.use(mellon.routes());
    app.use(async (ctx) => {
      if (ctx.path === '/') {
        ctx.type = 'html';
        ctx.body = page('Welcome', ctx.state.user ? '<p id="status">Signed in.</p>' : `<p id="status">Signed out.</p><p><a id="sign-in" href="${escape(mellon.urls.login)}?next=/private">Sign in</a></p>`);
        return;
      }
      if (ctx.path === '/private') {
        const user = ctx.state.user;
        if (!user) {
          ctx.redirect(`${mellon.urls.login}?next=${encodeURIComponent(ctx.url)}`);
          return;
        }
        const attributes = ctx.state.mellon?.attributes ?? {};
        const rows = Object.entries(attributes)
          .map(([name, values]) => `<tr data-name="${escape(name)}"><th>${escape(name)}</th><td>${values.map(escape).join(', ')}</td></tr>`)
          .join('');
        ctx.type = 'html';
        ctx.body = page(
          'Private',
          `<dl><dt>Username</dt><dd id="username">${escape(user.username)}</dd>` +
            `<dt>Email</dt><dd id="email">${escape(user.fields['email'] ?? '')}</dd>` +
            `<dt>Display name</dt><dd id="display-name">${escape(user.fields['displayName'] ?? '')}</dd>` +
            `<dt>NameID</dt><dd id="name-id">${escape(ctx.state.mellon?.nameIdContent ?? '')}</dd>` +
            `<dt>Served by</dt><dd id="served-by">${escape(instance.name)}</dd></dl>` +
            `<table id="attributes">${rows}</table>` +
            `<p><a id="sign-out" href="${escape(mellon.urls.logout)}?next=/">Sign out</a></p>`,
        );
        return;
      }
      if (ctx.path === '/whoami') {
        ctx.body = { user: ctx.state.user ?? null, mellon: ctx.state.mellon ?? null };
      }
    });
    server.on('request', app.callback());
    return instance;
  }

  /** koa-mellon's URLs (public, from baseUrl). */
  get urls(): Mellon['urls'] {
    return this.mellon.urls;
  }

  /** A path of the app, on its public origin. */
  url(path: string): string {
    return `${this.origin}${path}`;
  }

  /** Our SP metadata, as served by metadata/ (fetched from this instance directly). */
  async metadataXml(): Promise<string> {
    const response = await fetch(`${this.localOrigin}${new URL(this.urls.metadata).pathname}`);
    if (!response.ok) throw new Error(`metadata/ answered ${response.status}`);
    return response.text();
  }

  /** koa-mellon's refusals so far (`koa-mellon: refused` log lines), by code. */
  refusals(): string[] {
    return this.events.filter((e) => e.msg === 'koa-mellon: refused').map((e) => String(e.obj['code']));
  }

  /** A readable dump of what this instance saw, for failure reports. */
  describe(): string {
    const requests = this.handled.map((r) => `  ${r.method} ${r.path.slice(0, 120)} → ${r.status ?? '?'} [cookies: ${r.cookies.join(' ')}]`).join('\n');
    const events = this.events.map((e) => `  ${e.level} ${e.msg ?? ''} ${JSON.stringify(e.obj).slice(0, 400)}`).join('\n');
    return `--- ${this.name} (${this.localOrigin}, baseUrl origin ${this.origin}) requests ---\n${requests}\n--- ${this.name} koa-mellon log ---\n${events}`;
  }

  async stop(): Promise<void> {
    this.mellon.close();
    await this.store?.close();
    this.server.closeAllConnections();
    this.server.close();
    await once(this.server, 'close');
    rmSync(this.cacheDir, { recursive: true, force: true });
  }
}

function page(title: string, body: string): string {
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${title}</title>` +
    '<style>body{font-family:sans-serif;max-width:40rem;margin:3rem auto}th{text-align:left;padding-right:1rem}</style></head>' +
    `<body><h1>${title}</h1>${body}</body></html>`;
}

function escape(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
