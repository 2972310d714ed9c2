import Router, { type RouterMiddleware } from '@koa/router';
import type { Context } from 'koa';
import type { BridgeRuntime } from '../runtime.js';
import { answerRefusal } from '../web/respond.js';
import { authorize } from './authorize.js';
import { jwks } from './jwks.js';
import { createLaunch } from '../launch/links.js';
import { logout, samlLogout } from './logout.js';
import { refresh } from './refresh.js';
import { token } from './token.js';

export type BridgeRoutes = ReturnType<Router['routes']>;

/** The bridge's routes under `basePath`, as a table; every refusal is JSON with its code. */
export function createBridgeRoutes(rt: BridgeRuntime, realm: string): BridgeRoutes {
  const router = new Router({ prefix: rt.basePath });
  const wrap = (handler: (ctx: Context, rt: BridgeRuntime) => Promise<void> | void, tokenRoute = false): RouterMiddleware => async (ctx) => {
    try {
      await handler(ctx, rt);
    } catch (err) {
      answerRefusal(ctx, rt.logger, err, { realm, tokenRoute });
    }
  };
  router.get('/jwks', wrap(jwks));
  router.get('/authorize', wrap(authorize));
  router.post('/token', wrap(token, true));
  router.options('/token', wrap(token, true));
  router.post('/refresh', wrap(refresh));
  router.post('/logout', wrap(logout));
  router.options('/logout', wrap(logout));
  router.get('/logout/saml', wrap(samlLogout));
  const initiateUrl = rt.settings.idpInitiateUrl;
  if (initiateUrl !== undefined) {
    const launch = wrap((ctx) => createLaunch(ctx, rt, initiateUrl));
    router.post('/launch', launch);
    router.options('/launch', launch);
  }
  return router.routes();
}
