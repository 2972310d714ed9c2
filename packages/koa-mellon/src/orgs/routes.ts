import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { MellonError, type MellonErrorCode } from '@koa-mellon/saml';
import type { Mellon } from '../index.js';
import { runtimeOf } from '../runtime.js';
import { spRouteTable, type MellonRoutes, type SpRoute } from '../router/routes.js';
import type { Logger } from '../settings/types.js';
import type { ServedOrganization } from './create-organizations.js';

const SLUG = /^[a-z0-9-]{1,64}$/;
const SP_PATHS: readonly SpRoute['path'][] = ['/login/', '/login/finish/', '/logout/', '/metadata/'];

export interface OrganizationRoutesOptions {
  /** The organization served under a slug; may throw ORGANIZATION_UNAVAILABLE. */
  readonly find: (slug: string) => Promise<ServedOrganization | undefined>;
  /** `{base}/login/`: the org hint, the identity-first form and the chooser (find/index.ts). */
  readonly findOrganization: (ctx: Context) => Promise<void>;
  readonly refuse: (ctx: Context, code: MellonErrorCode, slug?: string) => Promise<void>;
  readonly logger: Logger;
}

/**
 * One @koa/router for every organization: `/login/` (finding the organization) and
 * `/:org/login/`, `/:org/login/finish/`, `/:org/logout/`, `/:org/metadata/` under `prefix`, each
 * answered by that organization's own SP route (the same handlers as `createMellon`'s router).
 * A router, so that an app can nest it in its own (`parent.use('/sso', orgs.routes({ prefix: '' }))`).
 */
export function createOrganizationRoutes(prefix: string, options: OrganizationRoutesOptions): MellonRoutes {
  const { find, refuse, logger } = options;
  const router = new Router(prefix ? { prefix } : {});
  router.get('/login/', (ctx) => options.findOrganization(ctx));
  router.post('/login/', (ctx) => options.findOrganization(ctx));

  // Each organization's route table, built at its first request; dropped with its SP when the
  // registry rebuilds it (a new Mellon).
  const tables = new WeakMap<Mellon, ReadonlyMap<string, Middleware>>();
  const handlerOf = (org: ServedOrganization, path: string, method: string): Middleware | undefined => {
    let table = tables.get(org.mellon);
    if (!table) {
      const rt = runtimeOf(org.mellon);
      table = new Map(rt ? spRouteTable(rt).map((route) => [`${route.method} ${route.path}`, route.handler] as const) : []);
      tables.set(org.mellon, table);
    }
    return table.get(`${method === 'HEAD' ? 'GET' : method} ${path}`);
  };

  for (const path of SP_PATHS) {
    router.all(`/:org${path}`, async (ctx, next) => {
      const slug = ctx.params['org'] ?? '';
      if (!SLUG.test(slug)) return next();
      let org: ServedOrganization | undefined;
      let refusal: MellonErrorCode | undefined;
      try {
        org = await find(slug);
        refusal = !org ? 'ORGANIZATION_UNKNOWN' : org.settings.enabled === false ? 'ORGANIZATION_DISABLED' : undefined;
      } catch (err) {
        if (!(err instanceof MellonError)) throw err;
        logger.error({ code: err.code, org: slug, cause: err.cause instanceof Error ? err.cause.message : undefined }, 'koa-mellon: organization unavailable');
        refusal = err.code;
      }
      if (refusal || !org) return refuse(ctx, refusal ?? 'ORGANIZATION_UNKNOWN', slug);
      // The organization's own route answers; its errors are its pages. Another method: the app's.
      const handler = handlerOf(org, path, ctx.method);
      return handler ? handler(ctx, next) : next();
    });
  }
  return router.routes();
}
