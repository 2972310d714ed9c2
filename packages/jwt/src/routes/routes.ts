import Router, { type RouterMiddleware } from '@koa/router';
import type { Context } from 'koa';
import type { BridgeRuntime } from '../runtime.js';
import { answerRefusal } from '../web/respond.js';
import { bridgeTraceOf, startBridgeTrace, tracedRuntime, type BridgeFlow } from '../web/flow-trace.js';
import { authorize } from './authorize.js';
import { jwks } from './jwks.js';
import { createLaunch } from '../launch/links.js';
import { logout, samlLogout } from './logout.js';
import { refresh } from './refresh.js';
import { token } from './token.js';

export type BridgeRoutes = ReturnType<Router['routes']>;

type Handler = (ctx: Context, rt: BridgeRuntime) => Promise<void> | void;

/**
 * The bridge's routes under `basePath`, as a table; every refusal is JSON with its code. A route
 * of a flow runs in its trace (its log lines carry the reference, a refusal answers it); the token
 * route starts its own once it knows the grant (a code ends a login, a refresh token is a refresh).
 */
export function createBridgeRoutes(rt: BridgeRuntime, realm: string): BridgeRoutes {
  const router = new Router({ prefix: rt.basePath });
  const wrap = (handler: Handler, options: { flow?: BridgeFlow; tokenRoute?: boolean } = {}): RouterMiddleware => async (ctx) => {
    const { flow, tokenRoute = false } = options;
    try {
      if (flow === undefined || ctx.method === 'OPTIONS') return await handler(ctx, rt);
      const trace = startBridgeTrace(ctx, rt, flow);
      await handler(ctx, tracedRuntime(rt, trace));
      await trace.flush();
    } catch (err) {
      // A refusal before the token route knew its grant is one of a login (a code exchange).
      const trace = bridgeTraceOf(ctx) ?? (tokenRoute ? startBridgeTrace(ctx, rt, 'login') : undefined);
      trace?.refuse(err);
      await trace?.flush();
      answerRefusal(ctx, trace?.logger ?? rt.logger, err, { realm, tokenRoute, reference: trace?.reference });
    }
  };
  router.get('/jwks', wrap(jwks));
  router.get('/authorize', wrap(authorize, { flow: 'login' }));
  router.post('/token', wrap(token, { tokenRoute: true }));
  router.options('/token', wrap(token, { tokenRoute: true }));
  router.post('/refresh', wrap(refresh, { flow: 'refresh' }));
  router.post('/logout', wrap(logout, { flow: 'logout' }));
  router.options('/logout', wrap(logout));
  router.get('/logout/saml', wrap(samlLogout, { flow: 'logout' }));
  const initiateUrl = rt.settings.idpInitiateUrl;
  if (initiateUrl !== undefined) {
    const launch = wrap((ctx, traced) => createLaunch(ctx, traced, initiateUrl), { flow: 'launch' });
    router.post('/launch', launch);
    router.options('/launch', launch);
  }
  return router.routes();
}
