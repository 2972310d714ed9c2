import type { Middleware } from 'koa';
import { ConfigError, systemClock } from '@koa-mellon/saml';
import { createMemoryStore, createStderrLogger, renderError, type StateStore } from '@koa-mellon/web';
import { createStateUserStore } from '../adapters/index.js';
import type { User } from '../adapters/types.js';
import { continueUrl } from '../errors/continue-url.js';
import { publicMessage } from '../errors/messages.js';
import { createMellon, type Mellon } from '../index.js';
import { createAppKeysCheck } from '../router/app-keys.js';
import { createUserMemoryStore } from '../runtime.js';
import { SessionManager } from '../session/sessions.js';
import { createStores } from '../state/stores.js';
import { scopeFederation } from './scoped-users.js';
import { ORGANIZATION_KEYS, type MellonOrganizationsSettings, type OrganizationSettings } from './types.js';
import { validateOrganizationsSettings } from './validate.js';

/** One organization as served: its settings and its own SP (the single-IdP runtime and router). */
export interface ServedOrganization {
  readonly settings: OrganizationSettings;
  readonly mellon: Mellon;
}

export interface MellonOrganizations {
  /** Loads the session (`ctx.state.user`, `ctx.state.mellon`) whichever organization it came from. */
  middleware(): Middleware;
  /** `{base}/:org/login/`, `login/finish/`, `logout/` and `metadata/` of every organization. */
  routes(): Middleware;
  /** The organization served under `slug`, enabled or not. */
  get(slug: string): ServedOrganization | undefined;
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
  const { organizations, ...shared } = validateOrganizationsSettings(input);
  const base = new URL(shared.baseUrl.endsWith('/') ? shared.baseUrl : `${shared.baseUrl}/`);
  const logger = shared.logger ?? createStderrLogger();
  // One store and one user store for every organization: a session started at one is found by
  // the middleware whichever organization it came from. Made here, closed here.
  const owned: StateStore[] = [];
  const own = (store: StateStore) => (owned.push(store), store);
  const store = shared.store ?? own(createMemoryStore({ logger }));
  const users = shared.userStore ?? createStateUserStore((shared.store ?? own(createUserMemoryStore())).namespace('sp-users'));

  const served = new Map<string, ServedOrganization>();
  organizations.forEach((org, index) => {
    const idp = Object.fromEntries(Object.entries(org).filter(([key]) => !ORGANIZATION_KEYS.has(key)));
    let mellon: Mellon;
    try {
      mellon = createMellon({
        // Usernames default to uid@slug, so the same uid at two organizations makes two users.
        realm: org.slug,
        ...shared,
        baseUrl: new URL(`${org.slug}/`, base).href,
        identityProviders: [idp],
        store,
        userStore: scopeFederation(users, org.slug, org.providerId),
        logger,
      });
    } catch (err) {
      for (const done of served.values()) done.mellon.close();
      // The single-IdP SP names identityProviders[0]; the user wrote organizations[index].
      if (err instanceof ConfigError) throw new ConfigError(err.path.replace(/^identityProviders\[0\]/, `organizations[${index}]`), err.message.replace(/^[^:]*: /, ''), { cause: err });
      throw err;
    }
    served.set(org.slug, { settings: org, mellon });
  });

  const clock = shared.clock ?? systemClock;
  const cookie = shared.sessionCookie ?? {};
  const sessions = new SessionManager(createStores(store).sessions, { ...cookie, secure: cookie.secure ?? base.protocol === 'https:' }, clock);
  const requireAppKeys = createAppKeysCheck(logger);
  const prefix = base.pathname;
  const route = /^([a-z0-9-]{1,64})\/(?:login\/|login\/finish\/|logout\/|metadata\/)$/;
  const fallback = shared.errorUrl ?? shared.loginRedirectUrl ?? '/';
  const redirectAfter = shared.errorRedirectAfterTimeout ?? 120;

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
    routes: () => async (ctx, next) => {
      const match = ctx.path.startsWith(prefix) ? route.exec(ctx.path.slice(prefix.length)) : null;
      const slug = match?.[1];
      if (slug === undefined) return next();
      const org = served.get(slug);
      const refusal = !org ? 'ORGANIZATION_UNKNOWN' : org.settings.enabled === false ? 'ORGANIZATION_DISABLED' : undefined;
      if (refusal || !org) {
        logger.warn({ code: refusal, org: slug }, 'koa-mellon: refused');
        renderError(ctx, refusal ?? 'ORGANIZATION_UNKNOWN', { continueUrl: continueUrl(ctx, fallback), redirectAfter, message: publicMessage(refusal ?? 'ORGANIZATION_UNKNOWN') });
        return;
      }
      // The organization's own router (prefix {base}/{slug}) answers; its errors are its pages.
      const routes = org.mellon.routes();
      // @koa/router's middleware sets ctx.params and ctx.router itself before any route reads them.
      await routes(ctx as Parameters<typeof routes>[0], next);
    },
    get: (slug) => served.get(slug),
    close() {
      for (const org of served.values()) org.mellon.close();
      for (const owned1 of owned) void owned1.close();
    },
  };
}
