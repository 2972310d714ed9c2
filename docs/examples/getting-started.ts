// docs/getting-started.md, step 3: the whole app. A test imports `createApp` and logs in through it.
import Koa from 'koa';
import { createMellon, type Mellon, type MellonSettings } from 'koa-mellon';

export function createApp(settings: MellonSettings): { app: Koa; mellon: Mellon } {
  const mellon = createMellon({
    attributeMapping: { email: '{attributes[mail][0]}' },
    ...settings,
  });

  const app = new Koa();
  app.keys = [process.env['COOKIE_SECRET'] ?? 'change-me'];
  app.proxy = true; // behind a TLS-terminating proxy: trust X-Forwarded-Proto for Secure cookies
  app.use(mellon.middleware());
  app.use(mellon.routes());
  app.use(mellon.requireLogin()); // everything below needs a login: pages redirect to it, API calls get 401
  app.use(async (ctx) => {
    if (ctx.path !== '/') return;
    ctx.body = `Hello ${ctx.state.user!.username} (${ctx.state.user!.fields['email'] ?? 'no e-mail'})`;
  });
  return { app, mellon };
}
