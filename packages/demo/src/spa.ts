import { readFileSync } from 'node:fs';
import Koa from 'koa';

const FILES = new Map<string, readonly [string, string]>([
  ['/', ['index.html', 'text/html; charset=utf-8']],
  ['/spa.js', ['spa.js', 'text/javascript; charset=utf-8']],
]);

/**
 * The Acme SPA's own origin: two static files (no framework, no build step) and config.json,
 * which tells the page where the API is. Everything else happens in the browser (spa/spa.js).
 */
export function createSpaApp(config: { apiOrigin: string; clientId: string; statistics: { sp: string; next: string } }): Koa {
  const dir = new URL('../spa/', import.meta.url);
  const app = new Koa();
  app.use(async (ctx) => {
    if (ctx.method !== 'GET') return;
    if (ctx.path === '/config.json') {
      ctx.body = config;
      return;
    }
    const file = FILES.get(ctx.path);
    if (!file) return;
    ctx.type = file[1];
    // The page runs only its own script and talks only to the API.
    ctx.set('Content-Security-Policy', `default-src 'self'; connect-src 'self' ${config.apiOrigin}; style-src 'self' 'unsafe-inline'; form-action 'none'; frame-ancestors 'none'`);
    ctx.set('Referrer-Policy', 'no-referrer');
    ctx.body = readFileSync(new URL(file[0], dir), 'utf8');
  });
  return app;
}
