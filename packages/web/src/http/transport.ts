import type { Context } from 'koa';
import { fail } from '@koa-mellon/saml';

interface WarnLogger {
  warn(obj: object, msg?: string): void;
}

/**
 * A request guard for the routes that set cookies: when our URLs are https (or our cookies Secure),
 * a request that Koa sees as plain http is refused with TRANSPORT_INSECURE. Koa will not send a
 * Secure cookie on such a request (it throws, which was a 500 any client could cause by leaving out
 * a header), and https URLs in our messages (Destination, ACS) would not be the ones it reached.
 * It is nearly always a deployment mistake — TLS ends at a proxy whose `X-Forwarded-Proto` Koa does
 * not trust — so the operator is told once, on this instance, what to set (docs/deployment.md).
 */
export function createTransportGuard(options: { base: URL; secureCookies: boolean; logger: WarnLogger; label: string }): (ctx: Context) => void {
  const required = options.base.protocol === 'https:' || options.secureCookies;
  let told = false;
  return (ctx) => {
    if (!required || ctx.secure) return;
    if (!told) {
      told = true;
      options.logger.warn(
        { baseUrl: options.base.origin, appProxy: ctx.app.proxy, forwardedProto: ctx.get('x-forwarded-proto') !== '' },
        `${options.label}: a request reached ${options.base.origin} over plain http and was refused (TRANSPORT_INSECURE). ` +
          'Behind a TLS-terminating proxy set app.proxy = true and have the proxy send X-Forwarded-Proto: https; otherwise serve https (docs/deployment.md).',
      );
    }
    fail('TRANSPORT_INSECURE', 'plain http request to an https endpoint');
  };
}
