import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { MellonError } from '@koa-mellon/saml';
import { createMemoryStore, type StateStore } from '@koa-mellon/web';
import { generateJwtKey, type JwtBridgeSettings, type SamlSession } from '../../src/index.js';
import { createBridgeRuntime, type BridgeRuntime } from '../../src/runtime.js';
import { createAuthenticate } from '../../src/web/authenticate.js';
import { createBridgeRoutes } from '../../src/routes/routes.js';
import { createSamlHooks } from '../../src/saml/hooks.js';
import { redeemLaunch } from '../../src/launch/links.js';

/** Test keys, made once per process (Ed25519 and P-256 are instant; one RSA key). */
export const KEYS = {
  ed: generateJwtKey('EdDSA'),
  ed2: generateJwtKey('EdDSA'),
  es: generateJwtKey('ES256'),
  rs: generateJwtKey('RS256'),
};

export const ISSUER = 'https://app.example.test';
export const AUDIENCE = 'https://app.example.test/api';
export const SECRET = 'a-test-secret-of-at-least-32-characters!';

export function baseSettings(store: StateStore, overrides: Partial<JwtBridgeSettings> = {}): JwtBridgeSettings {
  return {
    issuer: ISSUER,
    audience: AUDIENCE,
    keys: [{ kid: 'ed-1', alg: 'EdDSA', privateKey: KEYS.ed.privateKey, use: 'sign' }],
    store,
    secret: SECRET,
    samlLoginUrl: 'https://app.example.test/sp/login/',
    clients: [{ clientId: 'spa', redirectUris: ['https://spa.example.test/callback'] }],
    logger: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
    ...overrides,
  };
}

export function samlSession(overrides: Partial<SamlSession> = {}): SamlSession {
  return {
    issuer: 'https://idp.example.test/idp/metadata/',
    nameIdContent: 'pairwise-alice',
    nameIdFormat: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
    authnInstant: new Date().toISOString(),
    sessionIndex: 'idx-1',
    attributes: { mail: ['alice@example.test'] },
    ...overrides,
  };
}

/**
 * A bridge on a real HTTP server: its routes, `/api/me` behind its middleware, and `/test/login`
 * standing in for koa-mellon's ACS calling `hooks.login` (the real SP is wired in the saml/ tests).
 */
export class BridgeApp {
  private constructor(readonly rt: BridgeRuntime, private readonly server: Server, readonly local: string) {}

  static async start(settings: JwtBridgeSettings): Promise<BridgeApp> {
    const rt = await createBridgeRuntime(settings);
    await rt.denyList.start();
    const hooks = createSamlHooks(rt);
    const app = new Koa();
    app.proxy = true;
    app.use(createBridgeRoutes(rt, 'api'));
    app.use(async (ctx, next) => {
      if (ctx.path !== '/test/login') return next();
      const user = String(ctx.query['user'] ?? 'alice');
      const next_ = String(ctx.query['next'] ?? '/home');
      const sessionIndex = String(ctx.query['idx'] ?? 'idx-1');
      const notAfter = ctx.query['notAfter'];
      // The SP's trace reference, as koa-mellon gives it (SamlLoginEvent.trace).
      const spTrace = ctx.query['spTrace'];
      try {
        const handled = await hooks.login(ctx, { user: { id: user }, saml: samlSession({ sessionIndex, nameIdContent: `pairwise-${user}`, ...(typeof notAfter === 'string' ? { sessionNotOnOrAfter: notAfter } : {}) }), next: next_, ...(typeof spTrace === 'string' ? { trace: spTrace } : {}) });
        if (!handled) ctx.body = 'server session';
      } catch (err) {
        // koa-mellon renders its error page here; the test reads the code.
        if (!(err instanceof MellonError)) throw err;
        ctx.status = 400;
        ctx.body = { code: err.code };
      }
    });
    // Standing in for @koa-mellon/idp's sso/init/ calling `authenticate` (the real IdP: idp/ tests).
    app.use(async (ctx, next) => {
      if (ctx.path !== '/idp/sso/init/') return next();
      try {
        const claims = await redeemLaunch(ctx, rt);
        ctx.body = { sub: claims?.sub ?? null };
      } catch (err) {
        if (!(err instanceof MellonError)) throw err;
        ctx.status = 400;
        ctx.body = { code: err.code };
      }
    });
    const authenticate = createAuthenticate(rt, 'api');
    app.use(async (ctx, next) => {
      if (!ctx.path.startsWith('/api/')) return next();
      await authenticate(ctx, async () => {
        ctx.body = { user: ctx.state['user'], method: ctx.method };
      });
    });
    const server = createServer(app.callback());
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return new BridgeApp(rt, server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  }

  /** A request as a browser on https://app.example.test would send it (through a TLS proxy). */
  fetch(path: string, init: { method?: string; headers?: Record<string, string>; body?: string | URLSearchParams; cookies?: ReadonlyMap<string, string> } = {}): Promise<Response> {
    const headers = new Headers({ 'x-forwarded-proto': 'https', ...init.headers });
    if (init.cookies && init.cookies.size > 0) headers.set('cookie', [...init.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    return fetch(`${this.local}${path}`, { method: init.method ?? 'GET', headers, body: init.body ?? null, redirect: 'manual' });
  }

  async stop(): Promise<void> {
    await this.rt.denyList.stop();
    this.server.closeAllConnections();
    this.server.close();
    await once(this.server, 'close');
  }
}

/** The cookies a response sets, by name (value only). */
export function cookiesOf(response: Response): Map<string, string> {
  const jar = new Map<string, string>();
  for (const line of response.headers.getSetCookie()) {
    const [pair = ''] = line.split(';');
    const eq = pair.indexOf('=');
    jar.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  return jar;
}

/** The raw Set-Cookie line of one cookie. */
export function setCookieLine(response: Response, name: string): string | undefined {
  return response.headers.getSetCookie().find((line) => line.startsWith(`${name}=`));
}

export function memoryStore(): StateStore {
  return createMemoryStore();
}
