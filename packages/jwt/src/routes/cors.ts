import type { Context } from 'koa';
import type { BridgeRuntime } from '../runtime.js';

/**
 * CORS for the routes a front end on another origin calls with fetch (token/, logout/): only the
 * origins of registered redirect URIs, never with credentials (code-mode clients send no cookies).
 * Returns true when the request was a preflight and has been answered.
 */
export function applyCors(ctx: Context, rt: BridgeRuntime): boolean {
  const origin = ctx.get('origin');
  const allowed = [...rt.clients.values()].some((client) => client.redirectUris.some((uri) => new URL(uri).origin === origin));
  ctx.vary('Origin');
  if (!allowed) return false;
  ctx.set('Access-Control-Allow-Origin', origin);
  if (ctx.method !== 'OPTIONS') return false;
  ctx.set('Access-Control-Allow-Methods', 'POST');
  ctx.set('Access-Control-Allow-Headers', 'authorization, content-type');
  ctx.set('Access-Control-Max-Age', '600');
  ctx.status = 204;
  return true;
}
