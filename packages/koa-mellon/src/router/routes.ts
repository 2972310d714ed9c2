import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { MellonError } from '@koa-mellon/saml';
import { PermissionDenied } from '../adapters/types.js';
import { continueUrl } from '../errors/continue-url.js';
import { spTraceOf } from './flow-trace.js';
import type { Runtime } from '../runtime.js';
import { assertionConsumerService } from './acs/index.js';
import { finishStashedLogin } from './acs/login-user.js';
import { startLogin } from './login.js';
import { logout } from './logout.js';
import { metadata } from './metadata.js';
import { renderError, createTransportGuard, isSoapRequest, logUnexpected, routerPrefix, type RoutesOptions } from '@koa-mellon/web';
import { publicMessage, publicMessageOf, publicTitleOf } from '../errors/messages.js';

export type MellonRoutes = ReturnType<Router['routes']>;

/** One route of the SP: its path under the prefix, a method, and its handler (errors become pages). */
export interface SpRoute {
  readonly path: '/login/' | '/login/finish/' | '/logout/' | '/metadata/';
  readonly method: 'GET' | 'POST';
  readonly handler: Middleware;
}

/**
 * The router, as django-mellon's urls: login/ (GET starts SSO, POST is the ACS), logout/ (GET and
 * POST), metadata/, under baseUrl's path unless `options.prefix` says where it is mounted. Every
 * refusal becomes a friendly error page.
 */
export function createRoutes(rt: Runtime, options?: RoutesOptions): MellonRoutes {
  const prefix = routerPrefix(rt.urls.base, options);
  const router = new Router(prefix ? { prefix } : {});
  for (const route of spRouteTable(rt)) router[route.method === 'GET' ? 'get' : 'post'](route.path, route.handler);
  return router.routes();
}

/** The SP's routes as a table: its own router is built from it, and so is each organization's route. */
export function spRouteTable(rt: Runtime): readonly SpRoute[] {
  const requireSecure = createTransportGuard({ base: rt.urls.base, secureCookies: rt.sessions.secure, logger: rt.logger, label: 'koa-mellon' });
  // Browser routes set cookies (session, login binding): https only when our URLs are. metadata/
  // sets none and is public; a SOAP back-channel POST carries no cookie either.
  const guarded = (handler: (ctx: Context, rt: Runtime) => Promise<void> | void, browser = true): Middleware => async (ctx) => {
    try {
      if (browser && !isSoapRequest(ctx)) {
        requireSecure(ctx);
        rt.requireAppKeys(ctx);
      }
      await handler(ctx, rt);
    } catch (err) {
      await handleError(ctx, rt, err);
    }
  };
  return [
    { path: '/login/', method: 'GET', handler: guarded((ctx, rt) => (ctx.query['SAMLart'] !== undefined ? assertionConsumerService(ctx, rt) : startLogin(ctx, rt))) },
    { path: '/login/', method: 'POST', handler: guarded(assertionConsumerService) },
    { path: '/login/finish/', method: 'GET', handler: guarded(finishStashedLogin) },
    { path: '/logout/', method: 'GET', handler: guarded(logout) },
    { path: '/logout/', method: 'POST', handler: guarded(logout) },
    { path: '/metadata/', method: 'GET', handler: guarded(metadata, false) },
  ];
}

async function handleError(ctx: Context, rt: Runtime, err: unknown): Promise<void> {
  // The refusal joins the flow's trace (written before the page: the user may quote it at once);
  // the page shows its reference and every line below carries it.
  const trace = spTraceOf(ctx);
  trace?.refuse(err);
  await trace?.flush();
  const logger = trace?.logger ?? rt.logger;
  const reference = trace?.reference;
  const continueTo = continueUrl(ctx, rt.global.settings.errorUrl ?? rt.settings.loginRedirectUrl ?? '/');
  const redirectAfter = rt.global.settings.errorRedirectAfterTimeout;
  if (err instanceof MellonError) {
    logger.warn({ code: err.code, reason: err.message, cause: describeCause(err.cause) }, 'koa-mellon: refused');
    const message = err instanceof PermissionDenied ? err.publicMessage : publicMessageOf(err);
    await renderError(ctx, err.code, { continueUrl: continueTo, redirectAfter, message, title: publicTitleOf(err), reference, pages: rt.settings.pages, logger });
    return;
  }
  // Not bad input: a bug or an outage (logged in full, a generic page, never a stack trace), or a
  // client that went away mid-request (debug: nobody to answer, nothing for the on-call).
  if (logUnexpected(logger, err, 'koa-mellon')) return;
  await renderError(ctx, 'INTERNAL_ERROR', { continueUrl: continueTo, redirectAfter, message: publicMessage('INTERNAL_ERROR'), reference, pages: rt.settings.pages, logger });
}

function describeCause(cause: unknown): string | undefined {
  if (cause === undefined) return undefined;
  return cause instanceof Error ? `${cause.name}: ${cause.message}`.slice(0, 300) : String(cause).slice(0, 300);
}
