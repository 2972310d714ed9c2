import type Koa from 'koa';
import type { Mellon } from 'koa-mellon';
import { esc, page } from './html.js';

export const STATS_COLOR = '#2e7d32';

/** Stats, the second SP: reached from Acme by IdP-initiated login, without a password. */
export function statsPages() {
  return (mellon: Mellon): Koa.Middleware =>
    async (ctx) => {
      if (ctx.path !== '/') return;
      const user = ctx.state.user;
      ctx.body = user
        ? page('Stats', STATS_COLOR, `<p id="hello">Statistics for <b>${esc(user.fields['name'] ?? user.username)}</b>: 42 reports this week.</p><p><a class="button" id="sign-out" href="${esc(`${mellon.urls.logout}?next=/`)}">Sign out</a></p>`)
        : page('Stats', STATS_COLOR, `<p>Not signed in.</p><p><a class="button" id="sign-in" href="${esc(`${mellon.urls.login}?next=/`)}">Sign in with SSO</a></p>`);
    };
}
