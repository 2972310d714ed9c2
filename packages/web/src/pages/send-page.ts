import type { Context } from 'koa';
import type { Logger } from '../log.js';
import { pageTheme, type PageSettings, type PageTheme } from './page-settings.js';

export interface SendPageOptions<P> {
  readonly status: number;
  /** The role's `pages` setting. */
  readonly pages: PageSettings<P> | undefined;
  readonly logger: Logger;
  /** The built-in page, drawn with the app's theme. */
  readonly builtIn: (theme: PageTheme) => string;
  /** The built-in page's Content-Security-Policy (it has no script; logos need `img-src https:`). */
  readonly csp: string;
}

/**
 * Answers with the app's page for `page` (the `pages.render` setting) or the built-in one. A
 * renderer that throws is logged and the built-in page shown: a page is never a 500. Either way
 * the page is not cached, not sniffed and never framed (a framed consent or chooser page could be
 * clicked through by another site).
 */
export async function sendPage<P>(ctx: Context, page: P, options: SendPageOptions<P>): Promise<void> {
  const own = await renderOwn(ctx, page, options);
  ctx.status = options.status;
  ctx.type = 'html';
  ctx.set('Cache-Control', 'no-store');
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.set('X-Frame-Options', 'DENY');
  ctx.set('Referrer-Policy', 'same-origin');
  if (own !== undefined) {
    // The app's page keeps the app's own CSP (its styles and scripts); framing is refused in any case.
    if (!ctx.response.get('Content-Security-Policy')) ctx.set('Content-Security-Policy', "frame-ancestors 'none'");
    ctx.body = own;
    return;
  }
  ctx.set('Content-Security-Policy', options.csp);
  ctx.body = options.builtIn(pageTheme(options.pages));
}

async function renderOwn<P>(ctx: Context, page: P, options: SendPageOptions<P>): Promise<string | undefined> {
  const render = options.pages?.render;
  if (!render) return undefined;
  try {
    const html = await render(page, ctx);
    if (html === undefined || typeof html === 'string') return html;
    options.logger.error({ kind: kindOf(page), got: typeof html }, 'koa-mellon: pages.render returned neither a string nor undefined; the built-in page is shown');
  } catch (err) {
    options.logger.error({ kind: kindOf(page), err: err instanceof Error ? `${err.name}: ${err.message}`.slice(0, 300) : String(err).slice(0, 300) }, 'koa-mellon: pages.render threw; the built-in page is shown');
  }
  return undefined;
}

function kindOf(page: unknown): unknown {
  return typeof page === 'object' && page !== null ? (page as { kind?: unknown }).kind : undefined;
}
