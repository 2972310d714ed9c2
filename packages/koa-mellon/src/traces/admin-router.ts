import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { ConfigError, MellonError } from '@koa-mellon/saml';
import { combineTraceReaders, readQuery, readTraces, type StateStore, type TraceReader } from '@koa-mellon/web';
import type { Logger } from '../settings/types.js';

export interface TraceAdminOptions {
  /**
   * Whose traces: `mellon.traces`; several (`[mellon.traces, idp.traces, bridge.traces]`, each
   * with its own memory store); or the state store they write to, read for every role (SP, IdP,
   * JWT bridge), e.g. from an admin process of its own.
   */
  readonly traces: TraceReader | readonly TraceReader[] | StateStore;
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
 * A JSON admin API over login and logout traces (the SP's, an IdP's, a JWT bridge's): `GET /` the
 * recent refusals per peer, under `idp` (an IdP's entityID for the SP, an SP's for the IdP, a client for the bridge)
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
  const traces = readerOf(options.traces);
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

function readerOf(traces: TraceAdminOptions['traces']): TraceReader {
  if (isReaderList(traces)) return combineTraceReaders(traces);
  return 'namespace' in traces ? readTraces(traces) : traces;
}

function isReaderList(traces: TraceAdminOptions['traces']): traces is readonly TraceReader[] {
  return Array.isArray(traces);
}
