import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { ConfigError, MellonError } from '@koa-mellon/saml';
import { readBody } from '@koa-mellon/web';
import type { Logger } from '../settings/types.js';
import type { OrganizationRegistry } from './registry.js';
import type { OrganizationSettings } from './types.js';

export interface OrganizationAdminOptions {
  readonly registry: OrganizationRegistry;
  /** Where the router is mounted, e.g. `/admin/organizations`. */
  readonly prefix: string;
  /**
   * The app's decision whether this request may administer organizations (its own admin session, an
   * API key...). Required: without it every request is refused, never open by omission.
   */
  readonly authorize?: ((ctx: Context) => boolean | Promise<boolean>) | undefined;
  readonly logger?: Logger | undefined;
  /** Largest accepted JSON body (inline metadata included). Default 1 MiB. */
  readonly maxBodyBytes?: number | undefined;
}

/**
 * A small JSON admin API over the registry: `GET /` list, `POST /` create, `GET|PUT|DELETE /:slug`,
 * `POST /:slug/disable`. Answers `{ error: code }` with 400 (CONFIG_INVALID, with the key `path`),
 * 403 (PERMISSION_DENIED), 404 (ORGANIZATION_UNKNOWN) or 409 (slug taken).
 *
 * @example
 * app.use(createOrganizationAdmin({ registry, prefix: '/admin/organizations', authorize: (ctx) => ctx.state.user?.isSuperuser === true }));
 */
export function createOrganizationAdmin(options: OrganizationAdminOptions): Middleware {
  const { registry, authorize } = options;
  const maxBytes = options.maxBodyBytes ?? 1024 * 1024;
  const router = new Router({ prefix: options.prefix.replace(/\/$/, '') });
  const answer = (ctx: Context, status: number, body: unknown) => {
    ctx.status = status;
    ctx.set('Cache-Control', 'no-store');
    ctx.body = body;
  };
  const unknown = (ctx: Context) => answer(ctx, 404, { error: 'ORGANIZATION_UNKNOWN' });
  router.use(async (ctx, next) => {
    if (!authorize || !(await authorize(ctx))) return answer(ctx, 403, { error: 'PERMISSION_DENIED' });
    try {
      await next();
    } catch (err) {
      if (err instanceof ConfigError) return answer(ctx, 400, { error: err.code, path: err.path, message: err.message });
      if (!(err instanceof MellonError)) throw err;
      options.logger?.warn({ code: err.code, reason: err.message }, 'koa-mellon: organization admin refused');
      answer(ctx, err.code === 'INPUT_TOO_LARGE' ? 413 : err.code === 'STORE_UNAVAILABLE' ? 503 : 400, { error: err.code });
    }
  });
  const readOrganization = async (ctx: Context): Promise<OrganizationSettings> => {
    if (!ctx.is('application/json')) throw new ConfigError('organization', 'expected an application/json body');
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readBody(ctx, maxBytes));
    } catch (err) {
      if (err instanceof MellonError) throw err;
      throw new ConfigError('organization', 'expected a JSON object');
    }
    // The registry validates every key before it stores anything.
    return parsed as OrganizationSettings;
  };
  router.get('/', async (ctx) => answer(ctx, 200, await registry.list()));
  router.post('/', async (ctx) => {
    const org = await readOrganization(ctx);
    if (!(await registry.create(org))) return answer(ctx, 409, { error: 'CONFIG_INVALID', path: 'organization.slug', message: 'slug taken' });
    answer(ctx, 201, await registry.get(org.slug));
  });
  router.get('/:slug', async (ctx) => {
    const org = await registry.get(ctx.params['slug'] ?? '');
    return org ? answer(ctx, 200, org) : unknown(ctx);
  });
  router.put('/:slug', async (ctx) => {
    const org = await readOrganization(ctx);
    if (org?.slug !== ctx.params['slug']) throw new ConfigError('organization.slug', 'must equal the slug in the URL');
    return (await registry.update(org)) ? answer(ctx, 200, await registry.get(org.slug)) : unknown(ctx);
  });
  router.post('/:slug/disable', async (ctx) => ((await registry.disable(ctx.params['slug'] ?? '')) ? answer(ctx, 200, await registry.get(ctx.params['slug'] ?? '')) : unknown(ctx)));
  router.delete('/:slug', async (ctx) => {
    if (!(await registry.get(ctx.params['slug'] ?? ''))) return unknown(ctx);
    await registry.delete(ctx.params['slug'] ?? '');
    ctx.status = 204;
  });
  // @koa/router's middleware sets ctx.params and ctx.router itself before any route reads them.
  return router.routes() as Middleware;
}
