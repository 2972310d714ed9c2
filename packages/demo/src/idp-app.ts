import Koa from 'koa';
import type { StateStore } from '@koa-mellon/web';
import { createIdp, type Idp } from '@koa-mellon/idp';
import { esc, page } from './html.js';
import { demoKeyPair } from './keys.js';
import { demoLogger } from './log.js';
import { checkPassword, findUser, type DemoUser } from './users.js';

const USER_COOKIE = 'demo-idp.user';

export interface IdpAppOptions {
  readonly origin: string;
  readonly dataDir: string;
  /**
   * The SPs' metadata URLs (the IdP fetches and caches their metadata from there), and whether the
   * user is asked to consent before each gets the attributes.
   */
  readonly serviceProviders: readonly { readonly metadataUrl: string; readonly askConsent: boolean }[];
  readonly store?: StateStore | undefined;
  readonly debug: boolean;
}

const IDP_COLOR = '#6a1b9a';

/**
 * The demo IdP: a login form of its own (the app's authentication) and `@koa-mellon/idp` for SAML.
 * The IdP only asks `authenticate(ctx)` who is logged in, and sends the browser to `/login` if nobody.
 */
export function createIdpApp(options: IdpAppOptions): { app: Koa; idp: Idp } {
  const idp = createIdp<DemoUser>({
    baseUrl: `${options.origin}/saml`,
    ...demoKeyPair(options.dataDir, 'idp'),
    secret: 'koa-mellon demo: pairwise NameID secret, not for production',
    serviceProviders: options.serviceProviders.map(({ metadataUrl, askConsent }) => ({
      metadataUrl,
      askConsent,
      nameIdFormat: 'persistent',
      allowIdpInitiated: true,
      attributes: { mail: 'email', displayName: 'name', groups: 'groups' },
    })),
    authenticate: (ctx) => findUser(ctx.cookies.get(USER_COOKIE, { signed: true })),
    loginUrl: '/login',
    logout: (ctx) => {
      ctx.cookies.set(USER_COOKIE, null, { signed: true });
    },
    metadataCacheDir: `${options.dataDir}/cache`,
    // Named in Stats' sign-in page, which also lists Acme API's IdP.
    organization: { names: [{ lang: 'en', value: 'Demo IdP' }], displayNames: [{ lang: 'en', value: 'Demo IdP' }], urls: [{ lang: 'en', value: `${options.origin}/` }] },
    pages: { appName: 'Demo IdP', accentColor: IDP_COLOR },
    cookie: { name: 'demo-idp.sid' },
    logger: demoLogger('idp', options.debug),
    ...(options.store ? { store: options.store } : {}),
  });

  const app = new Koa();
  app.keys = ['koa-mellon demo idp cookie key'];
  app.use(idp.routes());
  app.use(async (ctx) => {
    const next = typeof ctx.query['next'] === 'string' && ctx.query['next'].startsWith('/') && !ctx.query['next'].startsWith('//') ? ctx.query['next'] : '/';
    if (ctx.path === '/login' && ctx.method === 'POST') {
      const form = new URLSearchParams(await readBody(ctx));
      const user = checkPassword(form.get('username') ?? '', form.get('password') ?? '');
      if (!user) {
        ctx.status = 401;
        ctx.body = loginPage(next, 'Wrong user name or password.');
        return;
      }
      ctx.cookies.set(USER_COOKIE, user.id, { signed: true, httpOnly: true, sameSite: 'lax' });
      ctx.redirect(next);
      return;
    }
    if (ctx.path === '/login') {
      ctx.body = loginPage(next);
      return;
    }
    if (ctx.path === '/') {
      const user = findUser(ctx.cookies.get(USER_COOKIE, { signed: true }));
      ctx.body = page('Demo IdP', IDP_COLOR, user ? `<p>Signed in as <b>${esc(user.name)}</b>.</p><p><a class="button" href="${esc(idp.logoutUrl('/'))}">Sign out everywhere</a></p>` : '<p>Nobody is signed in. <a href="/login">Sign in</a></p>');
    }
  });
  return { app, idp };
}

function loginPage(next: string, error?: string): string {
  return page(
    'Demo IdP — sign in',
    IDP_COLOR,
    `${error ? `<p role="alert" style="color:#b00">${esc(error)}</p>` : ''}
<form method="post" action="/login?next=${encodeURIComponent(next)}">
<p><label>User name <input id="username" name="username" autocomplete="username" autofocus></label></p>
<p><label>Password <input id="password" name="password" type="password" autocomplete="current-password"></label></p>
<p><button id="sign-in" type="submit">Sign in</button></p></form>
<p>Demo users: <code>alice</code> / <code>wonderland</code>, <code>bob</code> / <code>builder</code>.</p>`,
  );
}

async function readBody(ctx: Koa.Context): Promise<string> {
  let body = '';
  for await (const chunk of ctx.req) {
    body += String(chunk);
    if (body.length > 10_000) break;
  }
  return body;
}
