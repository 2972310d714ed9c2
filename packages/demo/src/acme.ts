import type Koa from 'koa';
import type { Mellon } from 'koa-mellon';
import { esc, page, table } from './html.js';

export const ACME_COLOR = '#1565c0';

/** Acme App's pages: sign in, the user and their SAML session, a private API, Statistics, sign out. */
export function acmePages(statisticsUrl: string) {
  return (mellon: Mellon): Koa.Middleware =>
    async (ctx) => {
      const user = ctx.state.user;
      if (ctx.path === '/api/me') {
        if (!user) {
          ctx.status = 401;
          ctx.body = { error: 'not signed in' };
          return;
        }
        ctx.body = { username: user.username, email: user.fields['email'], groups: user.groups };
        return;
      }
      if (ctx.path !== '/') return;
      if (!user) {
        ctx.body = page('Acme App', ACME_COLOR, `<p>Welcome to Acme.</p><p><a class="button" id="sign-in" href="${esc(`${mellon.urls.login}?next=/`)}">Sign in with SSO</a></p>`);
        return;
      }
      const mellonSession = ctx.state.mellon;
      ctx.body = page(
        'Acme App',
        ACME_COLOR,
        `<p id="hello">Hello, <b>${esc(user.fields['name'] ?? user.username)}</b> (${esc(user.username)}).</p>
<p><a class="button" id="statistics" href="${esc(statisticsUrl)}">Statistics</a>
<a class="button" id="sign-out" href="${esc(`${mellon.urls.logout}?next=/`)}">Sign out</a>
<a href="/api/me">/api/me</a></p>
<h2>User</h2>${table([['username', user.username], ['email', user.fields['email']], ['groups', user.groups]])}
<h2>SAML attributes</h2>${table(Object.entries(mellonSession?.attributes ?? {}))}
<h2>Session (ctx.state.mellon)</h2>${table(Object.entries(mellonSession ?? {}).filter(([key]) => key !== 'attributes'))}`,
      );
    };
}
