/**
 * @koa-mellon/idp: a SAML 2.0 Identity Provider for Koa (what djangosaml2idp is for Django), on
 * the hardened @koa-mellon/saml core. Your app authenticates users; the IdP answers SPs.
 *
 * @example
 * const idp = createIdp({
 *   baseUrl: 'https://idp.example.com/saml',
 *   privateKey: 'idp.key', publicKeys: ['idp.crt'],
 *   secret: process.env.IDP_SECRET!,
 *   serviceProviders: [{ metadataUrl: 'https://app.example.com/accounts/mellon/metadata/', attributes: { mail: 'email' } }],
 *   authenticate: (ctx) => ctx.state.user ?? null,
 *   loginUrl: '/login',
 * });
 * app.use(idp.routes());
 */
import { createIdpRuntime, type IdpUrls } from './runtime.js';
import { idpMetadataXml } from './metadata.js';
import { createIdpRoutes, type IdpRoutes } from './routes.js';
import type { IdpSettings, IdpUser } from './settings/types.js';
import { routerPrefix, type RoutesOptions, type TraceStore } from '@koa-mellon/web';

export interface Idp {
  /**
   * sso/, sso/resume/, sso/consent/, sso/init/, slo/, metadata/ (and artifact/) under baseUrl's path,
   * or under `prefix` when the app mounts them elsewhere (`{ prefix: '' }` inside a parent router).
   */
  routes(options?: RoutesOptions): IdpRoutes;
  /** The absolute URLs derived from baseUrl: entityId, sso, ssoInit, slo, metadata, artifact... */
  readonly urls: IdpUrls;
  /** The IdP's metadata XML (what `metadata/` serves): give it to each SP. */
  metadata(): string;
  /** `sso/init/?sp=…&next=…`: a link that logs the user in to an SP (IdP-initiated). */
  initiateUrl(spEntityId: string, next?: string): string;
  /** `slo/?next=…`: a link that logs the user out of every SP of their IdP session. */
  logoutUrl(next?: string): string;
  /**
   * This IdP's login and logout traces (`traces` setting; undefined when off): read one by the
   * reference an error page showed, or the recent refusals per SP. `createTraceAdmin` of
   * koa-mellon serves them (docs/troubleshooting.md#the-idp).
   */
  readonly traces: TraceStore | undefined;
  /** Stops metadata refresh timers. */
  close(): void;
}

/** Validates the settings (ConfigError naming the key path) and builds the IdP. */
export function createIdp<U extends IdpUser = IdpUser>(settings: IdpSettings<U>): Idp {
  const rt = createIdpRuntime(settings);
  let metadata: string | undefined;
  const metadataXml = () => (metadata ??= idpMetadataXml(rt));
  metadataXml(); // generated (and checked) at start-up: a bad organization or key fails here
  const routers = new Map<string, IdpRoutes>();
  const routes = (options?: RoutesOptions): IdpRoutes => {
    const prefix = routerPrefix(rt.urls.base, options);
    let router = routers.get(prefix);
    if (!router) routers.set(prefix, (router = createIdpRoutes(rt, metadataXml, { prefix })));
    return router;
  };
  routes(); // checked at start-up
  return {
    urls: rt.urls,
    traces: rt.traces,
    routes,
    metadata: metadataXml,
    initiateUrl(spEntityId, next) {
      const url = new URL(rt.urls.ssoInit);
      url.searchParams.set('sp', spEntityId);
      if (next !== undefined) url.searchParams.set('next', next);
      return url.href;
    },
    logoutUrl(next) {
      const url = new URL(rt.urls.slo);
      if (next !== undefined) url.searchParams.set('next', next);
      return url.href;
    },
    close: () => rt.close(),
  };
}

export { validateIdpSettings } from './settings/validate.js';
export type {
  IdpSettings,
  IdpUser,
  ServiceProviderSettings,
  ServiceProviderInfo,
  AttributeRelease,
  AttributeSource,
  AttributeValue,
  NameIdFormatName,
  IdpCookieOptions,
  IdpLogger,
  ConsentAnswer,
  ConsentAttribute,
  ConsentPage,
  IdpPage,
} from './settings/types.js';
export type { IdpUrls } from './runtime.js';
export type { IdpRoutes } from './routes.js';
export type { RoutesOptions, ErrorPage, PageSettings, PageRenderer, PageTheme, TraceStore, TraceRecord, TraceStep, TraceMessage, TraceFailure, TraceRedaction } from '@koa-mellon/web';
export { pageDocument, builtInErrorPage } from '@koa-mellon/web';
export { builtInConsentPage } from './sso/consent-page.js';
export { MellonError, ConfigError, StatusError, type MellonErrorCode } from '@koa-mellon/saml';
