import { ConfigError } from '@koa-mellon/saml';

/** Where a role's router sits inside the Koa app, when that is not baseUrl's path. */
export interface RoutesOptions {
  /**
   * The path the router matches, as the app sees requests. Default: baseUrl's path. `''` when the
   * router is nested under a parent router or koa-mount that already matched the prefix, or behind
   * a proxy that strips it. The public URLs (and the Destination checks) always come from baseUrl.
   */
  readonly prefix?: string;
}

/** The router prefix for `options`, checked: `''` or `/a/b` (no trailing slash, query or fragment). */
export function routerPrefix(base: URL, options: RoutesOptions = {}): string {
  const prefix = options.prefix ?? base.pathname.replace(/\/$/, '');
  if (prefix !== '' && !/^(\/[^/?#]+)+$/.test(prefix)) {
    throw new ConfigError('routes.prefix', `must be '' or a path like '/accounts/mellon' (no trailing slash), got ${JSON.stringify(prefix)}`);
  }
  return prefix;
}
