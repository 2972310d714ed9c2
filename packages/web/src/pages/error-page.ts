import type { Context } from 'koa';
import { escapeHtml, type MellonErrorCode } from '@koa-mellon/saml';
import { SILENT_LOGGER, type Logger } from '../log.js';
import { httpStatusOf } from './http-status.js';
import { pageDocument } from './layout.js';
import type { PageSettings, PageTheme } from './page-settings.js';
import { sendPage } from './send-page.js';

/** A refusal, as the error page shows it. */
export interface ErrorPage {
  readonly kind: 'error';
  /** The stable code (docs/errors.md). */
  readonly code: MellonErrorCode;
  /** The page's heading: `Sign-in problem`, or the role's own for a case the user caused (`Sign-in declined`). */
  readonly title: string;
  /** The role's fixed public text for the code: never wire data. */
  readonly message: string;
  /** Where "Continue" goes (same site). */
  readonly continueUrl: string;
  /** Seconds before going there by itself; 0: stay. */
  readonly redirectAfter: number;
  /** The flow's trace reference (`K7Q2-9XMA`) the user can quote to the operator. */
  readonly reference?: string | undefined;
  /** The HTTP status of the answer. */
  readonly status: number;
}

export interface RenderErrorOptions {
  readonly continueUrl: string;
  readonly redirectAfter: number;
  readonly message: string;
  /** The heading (default `Sign-in problem`). */
  readonly title?: string | undefined;
  readonly reference?: string | undefined;
  /** The role's `pages` setting (the app's page or the built-in one's look). */
  readonly pages?: PageSettings<ErrorPage> | undefined;
  /** Where a failing `pages.render` is logged. */
  readonly logger?: Logger | undefined;
}

/**
 * Answers a refusal: a friendly HTML page (or JSON when the client asks for it) with the code, a
 * "continue" link, a timed redirect and the trace reference the user can quote to the operator;
 * never a stack trace, never wire data. The app may draw the page itself (`pages.render`, kind
 * `error`); JSON is always ours.
 */
export async function renderError(ctx: Context, code: MellonErrorCode, options: RenderErrorOptions): Promise<void> {
  const page: ErrorPage = { kind: 'error', code, title: options.title ?? 'Sign-in problem', message: options.message, continueUrl: options.continueUrl, redirectAfter: options.redirectAfter, reference: options.reference, status: httpStatusOf(code) };
  if (ctx.accepts('html', 'json') === 'json') {
    ctx.status = page.status;
    ctx.set('Cache-Control', 'no-store');
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.body = { error: code, message: page.message, continue: page.continueUrl, ...(page.reference === undefined ? {} : { reference: page.reference }) };
    return;
  }
  await sendPage(ctx, page, {
    status: page.status,
    pages: options.pages,
    logger: options.logger ?? SILENT_LOGGER,
    builtIn: (theme) => builtInErrorPage(page, theme),
    csp: "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  });
}

/** The built-in error page (exported for apps that wrap it). */
export function builtInErrorPage(page: ErrorPage, theme: PageTheme): string {
  const url = escapeHtml(page.continueUrl);
  const refresh = page.redirectAfter > 0 ? `<meta http-equiv="refresh" content="${Math.round(page.redirectAfter)};url=${url}">` : '';
  // The reference is ours (Crockford base32), never wire data; escaped all the same.
  const reference =
    page.reference === undefined
      ? `<p class="muted">Error code <code class="error-code">${page.code}</code></p>`
      : `<p class="reference">Reference: <code>${escapeHtml(page.reference)}</code><br><span class="muted">Quote it if you contact support.</span><br><span class="muted">Error code <code class="error-code">${page.code}</code></span></p>`;
  const later = page.redirectAfter > 0 ? `<p class="muted">You will be taken there in ${Math.round(page.redirectAfter)} seconds.</p>` : '';
  return pageDocument(theme, {
    title: page.title,
    head: refresh,
    body: `<h1>${escapeHtml(page.title)}</h1><p role="alert">${escapeHtml(page.message)}</p>${reference}<div class="actions"><a class="button" href="${url}">Continue</a></div>${later}`,
  });
}
