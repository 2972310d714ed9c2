import type { Context } from 'koa';
import { MellonError, escapeHtml, type MellonErrorCode } from '@koa-mellon/saml';
import type { IdpLogger } from '../settings/types.js';

/**
 * Refusals at the IdP: a page with the code and fixed text, never a SAML response (the sender is
 * not verified, or its destination is not), never wire data, never a stack trace.
 * STAND-IN for koa-mellon's `errors/pages.ts` `renderError` + `errors/http.ts`, not exported yet;
 * the texts here are the IdP's own.
 */
export function handleIdpError(ctx: Context, logger: IdpLogger, continueUrl: string, err: unknown): void {
  if (err instanceof MellonError) {
    logger.warn({ code: err.code, reason: err.message, cause: describe(err.cause) }, 'koa-mellon idp: refused');
    renderIdpError(ctx, err.code, continueUrl);
    return;
  }
  logger.error({ err }, 'koa-mellon idp: unexpected error');
  renderIdpError(ctx, 'INTERNAL_ERROR', continueUrl);
}

export function renderIdpError(ctx: Context, code: MellonErrorCode, continueUrl: string): void {
  const message = publicMessage(code);
  ctx.status = httpStatusOf(code);
  ctx.set('Cache-Control', 'no-store');
  ctx.set('X-Content-Type-Options', 'nosniff');
  if (ctx.accepts('html', 'json') === 'json') {
    ctx.body = { error: code, message, continue: continueUrl };
    return;
  }
  ctx.set('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'");
  ctx.type = 'html';
  ctx.body =
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Sign-in problem</title>' +
    '<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#222}code{color:#666}</style></head>' +
    `<body><h1>Sign-in problem</h1><p>${escapeHtml(message)}</p><p><code>${code}</code></p>` +
    `<p><a href="${escapeHtml(continueUrl)}">Continue</a></p></body></html>`;
}

function httpStatusOf(code: MellonErrorCode): number {
  switch (code) {
    case 'STORE_UNAVAILABLE':
    case 'METADATA_UNAVAILABLE':
      return 503;
    case 'INPUT_TOO_LARGE':
      return 413;
    case 'INTERNAL_ERROR':
    case 'CONFIG_INVALID':
    case 'KEY_INVALID':
    case 'METADATA_INVALID':
    case 'METADATA_EXPIRED':
      return 500;
    default:
      return 400;
  }
}

function publicMessage(code: MellonErrorCode): string {
  switch (code) {
    case 'ENTITY_NOT_FOUND':
      return 'This application is not registered with this identity provider.';
    case 'DESTINATION_MISMATCH':
      return 'The application asked for its answer at an address it has not registered.';
    case 'REPLAYED_ASSERTION':
    case 'IN_RESPONSE_TO_MISMATCH':
    case 'ASSERTION_EXPIRED':
    case 'ASSERTION_NOT_YET_VALID':
      return 'This sign-in request has expired or was already used. Please start again from the application.';
    case 'LOGIN_BROWSER_MISMATCH':
      return 'This sign-in was started in another browser. Please start again from the application.';
    case 'STORE_UNAVAILABLE':
    case 'METADATA_UNAVAILABLE':
      return 'Sign-in is temporarily unavailable. Please try again in a moment.';
    case 'CONFIG_INVALID':
    case 'KEY_INVALID':
    case 'METADATA_INVALID':
    case 'METADATA_EXPIRED':
      return 'Single sign-on is not configured correctly for this application. Please contact the administrator.';
    case 'INTERNAL_ERROR':
      return 'Something went wrong. Please try again.';
    default:
      return 'The application’s sign-in request could not be accepted.';
  }
}

function describe(cause: unknown): string | undefined {
  if (cause === undefined) return undefined;
  return cause instanceof Error ? `${cause.name}: ${cause.message}`.slice(0, 300) : String(cause).slice(0, 300);
}
