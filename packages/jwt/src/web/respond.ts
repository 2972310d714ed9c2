import type { Context } from 'koa';
import { MellonError, type MellonErrorCode } from '@koa-mellon/saml';
import { logUnexpected, type Logger } from '@koa-mellon/web';

/** HTTP status of a bridge refusal (RFC 6750 §3.1 for tokens, RFC 6749 §5.2 for the token route). */
export function bridgeStatusOf(code: MellonErrorCode): number {
  switch (code) {
    case 'TOKEN_MISSING':
    case 'TOKEN_MALFORMED':
    case 'TOKEN_ALGORITHM_FORBIDDEN':
    case 'TOKEN_KEY_UNKNOWN':
    case 'TOKEN_TYPE_MISMATCH':
    case 'TOKEN_SIGNATURE_INVALID':
    case 'TOKEN_CLAIM_INVALID':
    case 'TOKEN_EXPIRED':
    case 'TOKEN_REVOKED':
    case 'REFRESH_TOKEN_INVALID':
    case 'REFRESH_TOKEN_REUSED':
      return 401;
    case 'CSRF_HEADER_MISSING':
    case 'CSRF_TOKEN_INVALID':
    case 'CSRF_CROSS_SITE':
      return 403;
    case 'STORE_UNAVAILABLE':
      return 503;
    default:
      return 400;
  }
}

/** The OAuth error name of a token-route refusal (RFC 6749 §5.2). */
function oauthErrorOf(code: MellonErrorCode): string {
  switch (code) {
    case 'CLIENT_UNKNOWN':
      return 'invalid_client';
    case 'CODE_INVALID':
    case 'PKCE_INVALID':
    case 'REDIRECT_URI_NOT_ALLOWED':
    case 'REFRESH_TOKEN_INVALID':
    case 'REFRESH_TOKEN_REUSED':
    case 'TOKEN_REVOKED':
      return 'invalid_grant';
    default:
      return 'invalid_request';
  }
}

/**
 * Answers a refusal as JSON `{ error, code }` (and the flow's trace `reference`, when it has one),
 * never wire data. A 401 carries `WWW-Authenticate: Bearer` (RFC 6750 §3): with no token at all,
 * no error attribute (§3.1); else `invalid_token`.
 */
export function answerRefusal(ctx: Context, logger: Logger, err: unknown, options: { realm: string; tokenRoute?: boolean; reference?: string | undefined }): void {
  const reference = options.reference === undefined ? {} : { reference: options.reference };
  if (!(err instanceof MellonError)) {
    logUnexpected(logger, err, 'koa-mellon jwt');
    ctx.status = 500;
    ctx.body = { error: 'server_error', code: 'INTERNAL_ERROR', ...reference };
    return;
  }
  const level = err.code === 'REFRESH_TOKEN_REUSED' || err.code === 'STORE_UNAVAILABLE' ? 'warn' : 'info';
  logger[level]({ code: err.code, reason: err.message }, 'koa-mellon jwt: refused');
  const status = bridgeStatusOf(err.code);
  ctx.status = options.tokenRoute && status === 401 ? 400 : status;
  ctx.set('Cache-Control', 'no-store');
  if (status === 401 && !options.tokenRoute) {
    const error = err.code === 'TOKEN_MISSING' ? '' : `, error="invalid_token", error_description="${err.code}"`;
    ctx.set('WWW-Authenticate', `Bearer realm="${options.realm}"${error}`);
  }
  const error = options.tokenRoute ? oauthErrorOf(err.code) : status === 401 ? 'invalid_token' : status === 403 ? 'forbidden' : status === 503 ? 'temporarily_unavailable' : 'invalid_request';
  ctx.body = { error, code: err.code, ...reference };
}
