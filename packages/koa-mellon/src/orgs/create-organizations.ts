import type { Context, Middleware } from 'koa';
import { ConfigError, MellonError, systemClock, type MellonErrorCode } from '@koa-mellon/saml';
import { createMemoryStore, createStderrLogger, DEFAULT_BODY_TIMEOUT_SECONDS, renderError, routerPrefix, type RoutesOptions, type StateStore } from '@koa-mellon/web';
import { createStateUserStore } from '../adapters/index.js';
import type { User } from '../adapters/types.js';
import { continueUrl } from '../errors/continue-url.js';
import { publicMessage } from '../errors/messages.js';
import { createMellon, type Mellon } from '../index.js';
import { createAppKeysCheck } from '../router/app-keys.js';
import type { MellonRoutes } from '../router/routes.js';
import { createUserMemoryStore } from '../runtime.js';
import { SessionManager } from '../session/sessions.js';
import { createStores } from '../state/stores.js';
import { createOrganizationFinder } from './find/index.js';
import { createOrganizationRoutes } from './routes.js';
import { scopeFederation } from './scoped-users.js';
import { ORGANIZATION_KEYS, type MellonOrganizationsSettings, type OrganizationSettings } from './types.js';
import { checkEmailLinking, validateOrganizationsSettings, validateRunTimeOrganization } from './validate.js';

/** Per-IdP keys that the SP's metadata publishes (router/metadata.ts reads them from the SP's settings). */
const PUBLISHED_KEYS = ['nameIdFormats', 'requestsSigned', 'wantAssertionsSigned', 'assertionConsumerBindings', 'defaultAssertionConsumerBinding'] as const;

/** One organization as served: its settings and its own SP (the single-IdP runtime and router). */
export interface ServedOrganization {
  readonly settings: OrganizationSettings;
  readonly mellon: Mellon;
}

export interface MellonOrganizations {
  /** Loads the session (`ctx.state.user`, `ctx.state.mellon`) whichever organization it came from. */
  middleware(): Middleware;
  /**
   * `{base}/:org/login/`, `login/finish/`, `logout/` and `metadata/` of every organization, and
   * `{base}/login/`: `?org=<slug>` (or `?idp_hint=`) to that organization's login, else the
   * identity-first page (e-mail domain → organization, a chooser when several share the domain).
   * Under baseUrl's path, or under `prefix` as `createMellon`'s `routes`: `{ prefix: '' }` inside a
   * parent router that matched the path, or behind a proxy that strips it (public URLs still come
   * from baseUrl).
   */
  routes(options?: RoutesOptions): MellonRoutes;
  /** The organization served under `slug` (from the settings, else the registry), enabled or not. */
  get(slug: string): Promise<ServedOrganization | undefined>;
  /** Stops every organization's metadata refresh; closes the stores made here. */
  close(): void;
}

/**
 * Serves many customer organizations, each with its own IdP, under one baseUrl. Each organization
 * is a single-IdP SP (`createMellon`) mounted at `{baseUrl}/{slug}/`: the same settings, adapters,
 * state and code paths; only the federation links are scoped by organization.
 *
 * @example
 * const orgs = createMellonOrganizations({
 *   baseUrl: 'https://app.example.com/sso',
 *   privateKey: 'sp.key', publicKeys: ['sp.crt'],
 *   organizations: [
 *     { slug: 'acme', name: 'Acme', metadataUrl: 'https://idp.acme.example/metadata' },
 *     { slug: 'globex', name: 'Globex', metadata: globexXml, allowIdpInitiated: true },
 *   ],
 * });
 * app.use(orgs.middleware());
 * app.use(orgs.routes());   // https://app.example.com/sso/acme/login/ ...
 */
export function createMellonOrganizations(input: MellonOrganizationsSettings): MellonOrganizations {
  const { organizations, registry, ...shared } = validateOrganizationsSettings(input);
  const base = new URL(shared.baseUrl.endsWith('/') ? shared.baseUrl : `${shared.baseUrl}/`);
  const logger = shared.logger ?? createStderrLogger();
  // One store and one user store for every organization: a session started at one is found by
  // the middleware whichever organization it came from. Made here, closed here.
  const owned: StateStore[] = [];
  const own = (store: StateStore) => (owned.push(store), store);
  const store = shared.store ?? own(createMemoryStore({ logger }));
  const users = shared.userStore ?? createStateUserStore((shared.store ?? own(createUserMemoryStore())).namespace('sp-users'));

  const build = (org: OrganizationSettings, path: string): ServedOrganization => {
    checkEmailLinking(org, shared.lookupByAttributes, path);
    const idp = Object.fromEntries(Object.entries(org).filter(([key]) => !ORGANIZATION_KEYS.has(key)));
    // One organization is one SP with its own metadata: what that metadata publishes (NameID
    // formats, signing, ACS bindings) follows the organization's overrides, not only the shared keys.
    const published = Object.fromEntries(PUBLISHED_KEYS.filter((key) => org[key] !== undefined).map((key) => [key, org[key]]));
    try {
      const mellon = createMellon({
        // Usernames default to uid@slug, so the same uid at two organizations makes two users.
        realm: org.slug,
        ...shared,
        ...published,
        baseUrl: new URL(`${org.slug}/`, base).href,
        identityProviders: [idp],
        store,
        userStore: scopeFederation(users, org.slug, org.providerId),
        logger,
      });
      return { settings: org, mellon };
    } catch (err) {
      // The single-IdP SP names identityProviders[0]; the user wrote the organization's path.
      if (err instanceof ConfigError) throw new ConfigError(err.path.replace(/^identityProviders\[0\]/, path), err.message.replace(/^[^:]*: /, ''), { cause: err });
      throw err;
    }
  };

  const served = new Map<string, ServedOrganization>();
  organizations.forEach((org, index) => {
    try {
      served.set(org.slug, build(org, `organizations[${index}]`));
    } catch (err) {
      for (const done of served.values()) done.mellon.close();
      throw err;
    }
  });

  // Registry organizations are built at their first request and dropped when any instance changes
  // them (the store's pub/sub); settings organizations take precedence over a registry slug.
  const loaded = new Map<string, Promise<ServedOrganization | undefined>>();
  const subscribed = registry?.onChange((slug) => {
    const entry = loaded.get(slug);
    loaded.delete(slug);
    void entry?.then((org) => org?.mellon.close(), () => undefined);
  });
  const load = (slug: string): Promise<ServedOrganization | undefined> => {
    let entry = loaded.get(slug);
    if (!entry) {
      entry = (async () => {
        await subscribed;
        const org = await registry?.get(slug);
        if (!org) return undefined;
        try {
          // Checked again as it is served: the store may hold what an older version accepted.
          validateRunTimeOrganization(org, 'organization');
          return build({ ...org, metadataUrlGuard: true }, 'organization');
        } catch (err) {
          throw new MellonError('ORGANIZATION_UNAVAILABLE', `organization ${slug} cannot be served`, { cause: err });
        }
      })();
      loaded.set(slug, entry);
      // A failure (store down, bad settings) is not cached: the next request tries again.
      entry.catch(() => loaded.get(slug) === entry && loaded.delete(slug));
    }
    return entry;
  };
  const find = async (slug: string) => served.get(slug) ?? (registry ? load(slug) : undefined);

  const clock = shared.clock ?? systemClock;
  const cookie = shared.sessionCookie ?? {};
  const sessions = new SessionManager(createStores(store).sessions, { ...cookie, secure: cookie.secure ?? base.protocol === 'https:' }, clock);
  const requireAppKeys = createAppKeysCheck(logger);
  const fallback = shared.errorUrl ?? shared.loginRedirectUrl ?? '/';
  const redirectAfter = shared.errorRedirectAfterTimeout ?? 120;
  const refuse = async (ctx: Context, code: MellonErrorCode, slug?: string) => {
    logger.warn({ code, ...(slug !== undefined ? { org: slug } : {}) }, 'koa-mellon: refused');
    await renderError(ctx, code, { continueUrl: continueUrl(ctx, fallback), redirectAfter, message: publicMessage(code), pages: shared.pages, logger });
  };
  // {base}/login/: the org hint, the identity-first form and the chooser (find/index.ts).
  const findOrganization = createOrganizationFinder({
    base,
    organizations,
    registry,
    find,
    refuse,
    pages: shared.pages,
    fallbackNext: shared.loginRedirectUrl ?? '/',
    bodyTimeoutMs: (shared.bodyTimeout ?? DEFAULT_BODY_TIMEOUT_SECONDS) * 1000,
    logger,
  });
  const routers = new Map<string, MellonRoutes>();

  return {
    middleware: () => async (ctx, next) => {
      try {
        requireAppKeys(ctx);
        const session = await sessions.load(ctx);
        const user: User | undefined = session && (await users.findById(session.record.userId));
        if (session && user?.isActive) {
          ctx.state.user = user;
          ctx.state.mellon = session.record.mellon;
        }
      } catch (err) {
        // As createMellon's middleware: anonymous while the store is down, logins fail closed.
        if (!(err instanceof ConfigError)) logger.error({ err }, 'koa-mellon: session store unavailable');
      }
      await next();
    },
    routes(options) {
      const prefix = routerPrefix(base, options);
      let router = routers.get(prefix);
      if (!router) routers.set(prefix, (router = createOrganizationRoutes(prefix, { find, findOrganization, refuse, logger })));
      return router;
    },
    get: find,
    close() {
      for (const org of served.values()) org.mellon.close();
      for (const entry of loaded.values()) void entry.then((org) => org?.mellon.close(), () => undefined);
      // The app may close the registry's store right after: an unsubscribe it refuses is moot.
      void subscribed?.then((unsubscribe) => unsubscribe()).catch(() => undefined);
      for (const owned1 of owned) void owned1.close();
    },
  };
}
