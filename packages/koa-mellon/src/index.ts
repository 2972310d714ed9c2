/**
 * koa-mellon: SAML 2.0 single sign-on for Koa, modeled on django-mellon.
 *
 * @example
 * const mellon = createMellon({
 *   baseUrl: 'https://app.example.com/accounts/mellon',
 *   identityProviders: [{ metadataUrl: 'https://idp.example.com/metadata' }],
 *   privateKey: 'sp.key', publicKeys: ['sp.crt'],
 * });
 * app.use(mellon.middleware());
 * app.use(mellon.routes());
 */
import type { Context, Middleware } from 'koa';
import { requireLoginMiddleware, sessionMiddleware, type RequireLoginOptions } from './koa/context.js';
import { createRuntime, withRuntime, type Runtime } from './runtime.js';
import { createRoutes, type MellonRoutes } from './router/routes.js';
import { startLogout } from './router/logout.js';
import { routerPrefix, safeNext, type RoutesOptions, type TraceStore } from '@koa-mellon/web';
import type { MellonSettings } from './settings/types.js';
import type { MellonSession } from './session/sessions.js';
import type { User } from './adapters/types.js';

export interface Mellon {
  /**
   * Loads the session: `ctx.state.user` and `ctx.state.mellon` when logged in; adds
   * `ctx.isAuthenticated()` and `ctx.logout()` (local logout), as koa-passport users expect.
   */
  middleware(): Middleware;
  /** Lets logged-in users through; redirects others to the login with `next`, or answers 401 to API calls. */
  requireLogin(options?: RequireLoginOptions): Middleware;
  /**
   * The login/, logout/ and metadata/ routes under baseUrl's path, or under `prefix` when the app
   * mounts them elsewhere: `{ prefix: '' }` inside a parent router or koa-mount that matched the
   * path, or behind a proxy that strips it (the public URLs still come from baseUrl).
   */
  routes(options?: RoutesOptions): MellonRoutes;
  /** The absolute URLs derived from baseUrl. */
  readonly urls: Runtime['urls'];
  /**
   * Sends the IdP a LogoutRequest for a SAML session kept outside the server session (a JWT user's
   * saved session data), answering `ctx` with the redirect or form; then `next` (a same-site path).
   */
  startLogout(ctx: Context, saml: MellonSession, next?: string): Promise<void>;
  /** This SP's login and logout traces (`traces` setting); undefined when traces are off. See `createTraceAdmin`. */
  readonly traces: TraceStore | undefined;
  /** Stops metadata refresh timers. */
  close(): void;
}

declare module 'koa' {
  interface DefaultState {
    user?: User;
    mellon?: MellonSession;
  }
}

/** Validates the settings (ConfigError naming the key) and builds the SP. */
export function createMellon(settings: MellonSettings): Mellon {
  const rt = createRuntime(settings);
  const routers = new Map<string, MellonRoutes>();
  const routes = (options?: RoutesOptions): MellonRoutes => {
    const prefix = routerPrefix(rt.urls.base, options);
    let router = routers.get(prefix);
    if (!router) routers.set(prefix, (router = createRoutes(rt, { prefix })));
    return router;
  };
  return withRuntime(rt, {
    urls: rt.urls,
    middleware: () => sessionMiddleware(rt),
    requireLogin: (options) => requireLoginMiddleware(rt, options),
    routes,
    startLogout: (ctx, saml, next) => startLogout(ctx, rt, safeNext(next, rt.settings.loginRedirectUrl ?? '/'), saml),
    traces: rt.traces,
    close: () => rt.close(),
  });
}

export type { RequireLoginOptions } from './koa/context.js';
export { validateSettings } from './settings/validate.js';
export { SETTINGS_SCHEMA, IDP_ONLY_SETTINGS, type SettingSpec, type SettingKey } from './settings/schema.js';
export type { MellonSettings, IdentityProviderSettings, GenericSettings, Logger, SessionCookieOptions, AcsBinding, MellonHooks, SamlLoginEvent, FederatedLogoutEvent, MellonPage } from './settings/types.js';
export type { MellonSession } from './session/sessions.js';
export * from './adapters/index.js';
export { generateKeyPair, type KeyType } from './keys/generate.js';
// What users of the SP need from the shared Koa layer (@koa-mellon/web holds the rest).
export { safeNext, type RoutesOptions } from '@koa-mellon/web';
// The pages a person sees (docs/pages.md): their models, and the built-in pages for apps that wrap them.
export {
  pageDocument,
  builtInErrorPage,
  builtInIdpChooser,
  builtInOrganizationPage,
  type PageSettings,
  type PageRenderer,
  type PageTheme,
  type PageDocument,
  type PageLogo,
  type ErrorPage,
  type IdpChooserPage,
  type IdpChoice,
  type OrganizationPage,
  type OrganizationFormPage,
  type OrganizationChooserPage,
  type OrganizationChoice,
  type OrganizationFormNotice,
} from '@koa-mellon/web';
// The state store for `store` (docs/state.md): users need not install @koa-mellon/web themselves.
export { createMemoryStore, createRedisStore, createPostgresStore, migratePostgres, type StateStore, type MemoryStoreOptions, type RedisStoreOptions, type PostgresStoreOptions } from '@koa-mellon/web';
export { MellonError, ConfigError, StatusError, type MellonErrorCode } from '@koa-mellon/saml';
export { createPostgresUserStore } from './users/postgres-user-store.js';
export { migratePostgresUserStore, USER_MIGRATIONS } from './users/postgres-user-schema.js';
export { createMellonOrganizations, type MellonOrganizations, type ServedOrganization } from './orgs/create-organizations.js';
export { validateOrganizationsSettings } from './orgs/validate.js';
export type { OrganizationSettings, MellonOrganizationsSettings } from './orgs/types.js';
export { createOrganizationRegistry, type OrganizationRegistry, type ReindexResult } from './orgs/registry.js';
export { createOrganizationAdmin, type OrganizationAdminOptions } from './orgs/admin-router.js';
export { createTraceAdmin, type TraceAdminOptions } from './traces/admin-router.js';
export { createTraceStore, normalizeTraceReference, type TraceStore, type TraceRecord, type TraceStep, type TraceMessage, type TraceFailure, type TraceRedaction } from '@koa-mellon/web';
