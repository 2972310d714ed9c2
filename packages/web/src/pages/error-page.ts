import type { Context } from 'koa';
import { escapeHtml, type MellonErrorCode } from '@koa-mellon/saml';
import { httpStatusOf } from './http-status.js';

/**
 * Answers a refusal: a friendly HTML page (or JSON when the client asks for it) with the code, a
 * "continue" link, a timed redirect and the trace reference (`K7Q2-9XMA`) the user can quote to
 * the operator; never a stack trace, never wire data. `message` is the
 * role's fixed public text for the code (each role words its own).
 */
export function renderError(ctx: Context, code: MellonErrorCode, options: { continueUrl: string; redirectAfter: number; message: string; reference?: string | undefined }): void {
  const { message } = options;
  ctx.status = httpStatusOf(code);
  ctx.set('Cache-Control', 'no-store');
  ctx.set('X-Content-Type-Options', 'nosniff');
  if (ctx.accepts('html', 'json') === 'json') {
    ctx.body = { error: code, message, continue: options.continueUrl, ...(options.reference === undefined ? {} : { reference: options.reference }) };
    return;
  }
  const url = escapeHtml(options.continueUrl);
  // The reference is ours (Crockford base32), never wire data; escaped all the same.
  const reference = options.reference === undefined ? '' : `<p>Reference: <code>${escapeHtml(options.reference)}</code></p>`;
  const refresh = options.redirectAfter > 0 ? `<meta http-equiv="refresh" content="${Math.round(options.redirectAfter)};url=${url}">` : '';
  ctx.set('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'");
  ctx.type = 'html';
  ctx.body =
    `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Sign-in problem</title>${refresh}` +
    '<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#222}code{color:#666}</style></head>' +
    `<body><h1>Sign-in problem</h1><p>${escapeHtml(message)}</p><p><code>${code}</code></p>${reference}` +
    `<p><a href="${url}">Continue</a></p></body></html>`;
}
