import Koa from 'koa';
import type { StateStore } from 'koa-mellon';
import { createMellon, type Mellon, type MellonSettings } from 'koa-mellon';
import { demoKeyPair } from './keys.js';
import { demoLogger } from './log.js';

export interface SpAppOptions {
  /** Short name: key file names, cookie and store namespaces, log prefix. */
  readonly name: string;
  readonly origin: string;
  readonly idpMetadataUrl: string;
  /** More IdPs this SP trusts (Stats: Acme API's IdP, for the SPA's Statistics button). */
  readonly moreIdpMetadataUrls?: readonly string[] | undefined;
  readonly dataDir: string;
  readonly store?: StateStore | undefined;
  readonly debug: boolean;
  /** Accept IdP-initiated logins (Stats is reached from the IdP's Statistics link). */
  readonly allowIdpInitiated?: boolean;
  /** Shown in the SP metadata (the IdP's consent page names the app with it). */
  readonly displayName: string;
  /** The app's colour: koa-mellon's pages (errors, IdP chooser) are drawn in it under `displayName`. */
  readonly color: string;
  /** koa-mellon's hooks (the JWT bridge's `samlHooks`: tokens instead of a server session). */
  readonly hooks?: MellonSettings['hooks'];
  /** The app's own pages, after koa-mellon's middleware and routes. */
  readonly pages: (mellon: Mellon) => Koa.Middleware;
}

/**
 * An SP as a user of koa-mellon writes one: a settings object, the middleware, the routes, and
 * the app's pages reading `ctx.state.user` and `ctx.state.mellon`.
 */
export function createSpApp(options: SpAppOptions): { app: Koa; mellon: Mellon } {
  const mellon = createMellon({
    baseUrl: `${options.origin}/saml`,
    identityProviders: [options.idpMetadataUrl, ...(options.moreIdpMetadataUrls ?? [])].map((metadataUrl) => ({ metadataUrl })),
    ...demoKeyPair(options.dataDir, options.name),
    // The IdP releases pairwise persistent NameIDs (opaque); name users by their e-mail instead.
    nameIdPolicyFormat: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
    usernameTemplate: '{attributes[mail][0]}',
    attributeMapping: { email: '{attributes[mail][0]}', name: '{attributes[displayName][0]}' },
    groupAttribute: 'groups',
    allowIdpInitiated: options.allowIdpInitiated ?? false,
    sessionCookie: { name: `${options.name}.sid` },
    pages: { appName: options.displayName, accentColor: options.color },
    organization: { names: [options.displayName], displayNames: [options.displayName], urls: [`${options.origin}/`] },
    metadataCacheDir: `${options.dataDir}/cache`,
    logger: demoLogger(options.name, options.debug),
    debug: options.debug,
    ...(options.store ? { store: options.store } : {}),
    ...(options.hooks ? { hooks: options.hooks } : {}),
  });
  const app = new Koa();
  app.keys = [`koa-mellon demo ${options.name} cookie key`];
  app.use(mellon.middleware());
  app.use(mellon.routes());
  app.use(options.pages(mellon));
  return { app, mellon };
}
