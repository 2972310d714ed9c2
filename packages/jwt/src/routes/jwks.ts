import type { Context } from 'koa';
import type { BridgeRuntime } from '../runtime.js';

/**
 * GET jwks/ (RFC 7517 §5): every published key, public halves only. Cached briefly: the
 * publish-first rotation waits at least this long between its steps (docs/jwt.md).
 */
export const JWKS_MAX_AGE_SECONDS = 300;

export function jwks(ctx: Context, rt: BridgeRuntime): void {
  ctx.set('Cache-Control', `public, max-age=${JWKS_MAX_AGE_SECONDS}`);
  ctx.type = 'application/jwk-set+json';
  ctx.body = JSON.stringify(rt.keys.jwks());
}
