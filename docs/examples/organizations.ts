// docs/organizations.md: an app serving many customer organizations. A test imports `createApp`.
import Koa from 'koa';
import { createMellonOrganizations, type MellonOrganizations, type MellonOrganizationsSettings } from 'koa-mellon';

export function createApp(settings: MellonOrganizationsSettings): { app: Koa; orgs: MellonOrganizations } {
  const orgs = createMellonOrganizations({
    attributeMapping: { email: '{attributes[mail][0]}' }, // every organization's default
    ...settings,
  });

  const app = new Koa();
  app.keys = [process.env['COOKIE_SECRET'] ?? 'change-me'];
  app.proxy = true; // behind a TLS-terminating proxy: trust X-Forwarded-Proto for Secure cookies
  app.use(orgs.middleware()); // ctx.state.user, whichever organization it signed in at
  app.use(orgs.routes()); // {base}/{slug}/login/, logout/, metadata/, and {base}/login/ (finds the organization)
  app.use(async (ctx) => {
    if (ctx.path !== '/') return;
    ctx.body = ctx.state.user ? `Hello ${ctx.state.user.username} (${ctx.state.user.fields['email'] ?? 'no e-mail'})` : 'Hello, stranger';
  });
  return { app, orgs };
}
