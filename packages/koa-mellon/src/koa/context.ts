import type { Context, Middleware } from 'koa';
import { ConfigError } from '@koa-mellon/saml';
import type { Runtime } from '../runtime.js';

declare module 'koa' {
  interface ExtendableContext {
    /** Whether a user is logged in (koa-mellon's session): what koa-passport users call. */
    isAuthenticated(): boolean;
    /**
     * Ends the koa-mellon session of this browser, here only (the IdP's session stays: send the
     * browser to `logout/` for single logout).
     */
    logout(): Promise<void>;
  }
}

/** `mellon.middleware()`: loads the session into `ctx.state.user` / `ctx.state.mellon`, adds `ctx.isAuthenticated()` and `ctx.logout()`. */
export function sessionMiddleware(rt: Runtime): Middleware {
  return async (ctx, next) => {
    ctx.isAuthenticated = () => ctx.state.user !== undefined;
    ctx.logout = async () => {
      await rt.sessions.destroy(ctx);
      delete ctx.state.user;
      delete ctx.state.mellon;
    };
    try {
      rt.requireAppKeys(ctx);
      const session = await rt.sessions.load(ctx);
      const user = session && (await rt.users.findById(session.record.userId));
      if (session && user?.isActive) {
        ctx.state.user = user;
        ctx.state.mellon = session.record.mellon;
      }
    } catch (err) {
      // The app keeps serving (anonymous) while the store is down, or app.keys is missing (logged
      // once, naming the fix); logins fail closed meanwhile.
      if (!(err instanceof ConfigError)) rt.logger.error({ err }, 'koa-mellon: session store unavailable');
    }
    await next();
  };
}

export interface RequireLoginOptions {
  /**
   * Answer 401 instead of redirecting to the login: `'auto'` (default) for requests that are not
   * a page navigation (fetch/XHR: `Sec-Fetch-Mode` other than `navigate`, or an `Accept` that
   * prefers JSON to HTML), `true` always, `false` never.
   */
  readonly api?: boolean | 'auto';
}

/** A fetch or XHR call rather than a page the browser navigates to. */
function isApiCall(ctx: Context): boolean {
  const mode = ctx.get('sec-fetch-mode');
  if (mode !== '') return mode !== 'navigate';
  return ctx.accepts('html', 'json') === 'json';
}

/**
 * `mellon.requireLogin()`: lets logged-in users through; sends others to `login/?next=<this URL>`
 * (a page) or answers 401 `{ "error": "LOGIN_REQUIRED" }` (an API call). Mount it after
 * `mellon.middleware()`.
 */
export function requireLoginMiddleware(rt: Runtime, options: RequireLoginOptions = {}): Middleware {
  const api = options.api ?? 'auto';
  return async (ctx: Context, next) => {
    // Without the session middleware every request would look anonymous: a mistake to name, not a
    // login loop to debug.
    if (typeof ctx.isAuthenticated !== 'function') {
      throw new ConfigError('requireLogin', 'mount mellon.middleware() before mellon.requireLogin()');
    }
    if (ctx.isAuthenticated()) return next();
    if (api === true || (api === 'auto' && isApiCall(ctx))) {
      ctx.status = 401;
      ctx.body = { error: 'LOGIN_REQUIRED', login: rt.urls.login };
      return;
    }
    // originalUrl: the path and query as the browser asked, before any router prefix was stripped.
    ctx.redirect(`${rt.urls.login}?next=${encodeURIComponent(ctx.originalUrl)}`);
  };
}
