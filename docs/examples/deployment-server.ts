// docs/deployment.md: serving a koa-mellon (or @koa-mellon/idp) app. A test serves an app through
// `serve` and checks the timeouts and proxy trust below.
import type { Server } from 'node:http';
import type Koa from 'koa';

/** Node's defaults let one request take 300 s and its headers 60 s: too long for public endpoints. */
export const SERVER_TIMEOUTS = {
  /** The request head must be complete within 10 s (slow-header clients, Slowloris). */
  headersTimeout: 10_000,
  /** The whole request, body included, within 30 s (the SAML endpoints' own `bodyTimeout` is 10 s). */
  requestTimeout: 30_000,
  /**
   * An idle keep-alive connection is closed after 5 s. Behind a proxy that pools its connections
   * to you, make it longer than the proxy's idle timeout (e.g. 65 s for a 60 s load balancer), so
   * that the proxy, not Node, closes idle connections: no request is sent on a closing socket.
   */
  keepAliveTimeout: 5_000,
} as const;

/**
 * Starts the app with those timeouts. `behindProxy`: TLS ends at a proxy that sets
 * X-Forwarded-Proto / X-Forwarded-Host, so Koa must trust them (app.proxy) for ctx.secure, Secure
 * cookies and absolute URLs; a direct client could forge them, so trust them only behind a proxy.
 */
export function serve(app: Koa, options: { port: number; host?: string; behindProxy: boolean; keepAliveTimeout?: number }): Server {
  app.proxy = options.behindProxy;
  const server = app.listen(options.port, options.host ?? '127.0.0.1');
  server.headersTimeout = SERVER_TIMEOUTS.headersTimeout;
  server.requestTimeout = SERVER_TIMEOUTS.requestTimeout;
  server.keepAliveTimeout = options.keepAliveTimeout ?? SERVER_TIMEOUTS.keepAliveTimeout;
  return server;
}
