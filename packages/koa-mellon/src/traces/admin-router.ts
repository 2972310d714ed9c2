import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { ConfigError, MellonError } from '@koa-mellon/saml';
import { createTraceStore, readQuery, type StateStore, type TraceStore } from '@koa-mellon/web';
import type { Logger } from '../settings/types.js';
import { SP_TRACES_NAMESPACE } from '../state/stores.js';

export interface TraceAdminOptions {
  /** The SP's traces: `mellon.traces`, or the store it writes to (an admin process of its own). */
  readonly traces: TraceStore | StateStore;
  /** Where the router is mounted, e.g. `/admin/traces`. */
  readonly prefix: string;
  /**
   * The app's decision whether this request may read traces (its own admin session, an API key...).
   * Required: without it every request is refused, never open by omission. Traces hold the
   * expected/received values of refusals and (with traceRedaction 'secrets') personal data.
   */
  readonly authorize?: ((ctx: Context) => boolean | Promise<boolean>) | undefined;
  readonly logger?: Logger | undefined;
}

/**
 * A JSON admin API over the SP's traces: `GET /` the recent refusals per IdP
 * (`[{ idp, failures: [{ reference, code, at }] }]`, newest first; `?idp=` for one), and
 * `GET /:reference` one trace (as on the error page; case and dash do not matter). Answers
 * `{ error: code }`: 403 PERMISSION_DENIED, 404 TRACE_UNKNOWN, 503 STORE_UNAVAILABLE.
 *
 * @example
 * app.use(createTraceAdmin({ traces: mellon.traces!, prefix: '/admin/traces', authorize: (ctx) => ctx.state.user?.isSuperuser === true }));
 */
export function createTraceAdmin(options: TraceAdminOptions): Middleware {
  const { authorize } = options;
  if (options.traces === undefined) throw new ConfigError('traces', 'expected mellon.traces (traces are off?) or a state store');
  const traces = 'namespace' in options.traces ? createTraceStore(options.traces.namespace(SP_TRACES_NAMESPACE)) : options.traces;
  const router = new Router({ prefix: options.prefix.replace(/\/$/, '') });
  const answer = (ctx: Context, status: number, body: unknown) => {
    ctx.status = status;
    ctx.set('Cache-Control', 'no-store');
    ctx.body = body;
  };
  router.use(async (ctx, next) => {
    if (!authorize || !(await authorize(ctx))) return answer(ctx, 403, { error: 'PERMISSION_DENIED' });
    try {
      await next();
    } catch (err) {
      if (!(err instanceof MellonError)) throw err;
      options.logger?.warn({ code: err.code, reason: err.message }, 'koa-mellon: trace admin refused');
      answer(ctx, err.code === 'STORE_UNAVAILABLE' ? 503 : 400, { error: err.code });
    }
  });
  router.get('/', async (ctx) => {
    const idp = readQuery(ctx).get('idp');
    const peers = idp === undefined ? await traces.failingPeers() : [idp];
    answer(ctx, 200, await Promise.all(peers.map(async (peer) => ({ idp: peer, failures: await traces.recentFailures(peer) }))));
  });
  router.get('/:reference', async (ctx) => {
    const record = await traces.read(ctx.params['reference'] ?? '');
    return record ? answer(ctx, 200, record) : answer(ctx, 404, { error: 'TRACE_UNKNOWN' });
  });
  // @koa/router's middleware sets ctx.params and ctx.router itself before any route reads them.
  return router.routes() as Middleware;
}
