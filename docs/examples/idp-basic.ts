// docs/idp.md: a whole IdP app. Your users, your login page; @koa-mellon/idp speaks SAML.
// A test imports `createIdpApp` and logs a koa-mellon SP in through it.
import { scryptSync, timingSafeEqual } from 'node:crypto';
import Koa, { type Context } from 'koa';
import { createIdp, type Idp, type IdpSettings } from '@koa-mellon/idp';
import { escapeHtml } from '@koa-mellon/saml';
import { safeNext } from 'koa-mellon';

export interface AppUser {
  readonly id: string; // stable, never reused: pairwise NameIDs derive from it
  readonly username: string;
  readonly email: string;
  readonly displayName: string;
  readonly groups: readonly string[];
  readonly passwordHash: string; // scrypt, `salt:hash` in hex
}

export function hashPassword(password: string, salt: string): string {
  return `${salt}:${scryptSync(password, salt, 32).toString('hex')}`;
}

function passwordMatches(user: AppUser, password: string): boolean {
  const [salt = '', hash = ''] = user.passwordHash.split(':');
  const expected = Buffer.from(hash, 'hex');
  const actual = scryptSync(password, salt, 32);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

type Settings = Pick<IdpSettings<AppUser>, 'baseUrl' | 'privateKey' | 'publicKeys' | 'secret' | 'serviceProviders'> & Partial<IdpSettings<AppUser>>;

export function createIdpApp(settings: Settings, users: ReadonlyMap<string, AppUser>): { app: Koa; idp: Idp } {
  // The app's own session: a signed cookie naming the user (use your real session in production).
  const currentUser = (ctx: Context) => users.get(ctx.cookies.get('app.user', { signed: true }) ?? '') ?? null;

  const idp = createIdp<AppUser>({
    authenticate: currentUser, // who is logged in here, or null
    loginUrl: '/login', // where the IdP sends users who are not (with ?next=… to come back)
    logout: (ctx) => void ctx.cookies.set('app.user', null, { signed: true }), // single logout ends our session too
    ...settings,
  });

  const app = new Koa();
  app.keys = [process.env['COOKIE_SECRET'] ?? 'change-me'];
  app.proxy = true; // behind a TLS-terminating proxy
  app.use(idp.routes());
  app.use(async (ctx, next) => {
    if (ctx.path !== '/login') return next();
    const next_ = safeNext(ctx.query['next'], '/');
    if (ctx.method === 'POST') {
      const form = new URLSearchParams(await readBody(ctx));
      const user = users.get(form.get('username') ?? '');
      if (user && passwordMatches(user, form.get('password') ?? '')) {
        ctx.cookies.set('app.user', user.username, { signed: true, httpOnly: true, sameSite: 'lax' });
        return ctx.redirect(next_); // back to the IdP, which answers the SP
      }
    }
    // ForceAuthn arrives as ?forceAuthn=1: this page always asks, so it is honoured.
    ctx.type = 'html';
    ctx.body = `<!DOCTYPE html><form method="post" action="/login?next=${encodeURIComponent(next_)}">
      <input name="username"> <input name="password" type="password"> <button>Sign in</button></form>`;
  });
  app.use((ctx) => {
    const user = currentUser(ctx);
    ctx.type = 'html';
    ctx.body = user ? `Signed in as ${escapeHtml(user.displayName)}. <a href="${escapeHtml(idp.logoutUrl('/'))}">Sign out everywhere</a>` : '<a href="/login">Sign in</a>';
  });
  return { app, idp };
}

async function readBody(ctx: Context): Promise<string> {
  let body = '';
  for await (const chunk of ctx.req) {
    body += String(chunk);
    if (body.length > 4096) ctx.throw(413);
  }
  return body;
}
