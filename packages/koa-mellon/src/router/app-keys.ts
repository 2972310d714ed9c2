import type { Context } from 'koa';
import { ConfigError } from '@koa-mellon/saml';
import type { Logger } from '../settings/types.js';

/**
 * Sessions and the login binding ride on signed cookies, which Koa signs with `app.keys`. Without
 * keys Koa throws at the first `cookies.set`, a 500 that said nothing about why. The Koa app is not
 * known at `createMellon`, so this is checked at the first request: the operator is told once, in
 * the log, what to set, and every browser route answers CONFIG_INVALID until it is set.
 */
export function createAppKeysCheck(logger: Logger): (ctx: Context) => void {
  let told = false;
  return (ctx) => {
    const keys: unknown = ctx.app.keys;
    if (Array.isArray(keys) ? keys.length > 0 : keys !== undefined && keys !== null) return;
    if (!told) {
      told = true;
      logger.error({ code: 'CONFIG_INVALID', path: 'app.keys' }, 'koa-mellon: app.keys is not set; session cookies are signed with it. Set app.keys = [process.env.COOKIE_SECRET] (a long random secret) before app.use(mellon.middleware()).');
    }
    throw new ConfigError('app.keys', 'Koa app.keys is not set: signed session cookies need it');
  };
}
