import { randomBytes } from 'node:crypto';
import type Koa from 'koa';
import { createMemoryStore, type StateStore } from 'koa-mellon';
import { createJwtBridge, generateJwtKey, type AccessTokenClaims, type JwtBridge } from '@koa-mellon/jwt';
import { createIdp, type Idp } from '@koa-mellon/idp';
import type { Mellon } from 'koa-mellon';
import { demoLogger } from './log.js';
import { demoKeyPair } from './keys.js';
import { ACME_COLOR } from './acme.js';
import { createSpApp } from './sp-app.js';

export interface SpaApiOptions {
  /** The API's own origin: the bridge's issuer, its SP and its JSON API. */
  readonly origin: string;
  /** The SPA's origin: the one front end allowed to call the API (CORS) and to receive codes. */
  readonly spaOrigin: string;
  readonly idpMetadataUrl: string;
  /** Stats, the SP that Acme API's own IdP logs the SPA's user in to. */
  readonly statsMetadataUrl: string;
  readonly dataDir: string;
  readonly store?: StateStore | undefined;
  readonly debug: boolean;
}

/** The SPA's redirect URI, registered exactly (RFC 9700 §4.1.3). */
export const spaCallback = (spaOrigin: string) => `${spaOrigin}/`;

/** Acme API's IdP (JWT -> SAML) lives under /idp; Stats reads its metadata here. */
export const apiIdpMetadataUrl = (apiOrigin: string) => `${apiOrigin}/idp/metadata/`;

/** What Acme API's IdP knows of a user: the access token's claims, released to Stats as attributes. */
interface TokenUser {
  readonly id: string;
  readonly email: string | null;
  readonly name: string | null;
  readonly groups: readonly string[];
}

function tokenUser(claims: AccessTokenClaims | undefined): TokenUser | undefined {
  if (!claims) return undefined;
  const text = (value: unknown) => (typeof value === 'string' ? value : null);
  const groups = Array.isArray(claims['groups']) ? claims['groups'].filter((g): g is string => typeof g === 'string') : [];
  return { id: claims.sub, email: text(claims['email']), name: text(claims['name']), groups };
}

/**
 * "Acme API": the server side of the SPA. A koa-mellon SP whose logins end in tokens (the JWT
 * bridge's hooks), the bridge's routes under /jwt, and a JSON API under /api behind
 * `bridge.authenticate()`, and an IdP under /idp that logs the token's user in to Stats from a
 * one-time launch link (the SPA's Statistics button). The SPA lives on another origin, so tokens reach it by the code
 * handoff with PKCE (docs/jwt.md): cookie mode is for a same-site front end over https.
 */
export async function createSpaApi(options: SpaApiOptions): Promise<{ app: Koa; mellon: Mellon; bridge: JwtBridge; idp: Idp }> {
  let mellon: Mellon | undefined;
  const idpBase = `${options.origin}/idp`;
  const bridge = await createJwtBridge({
    issuer: options.origin,
    audience: `${options.origin}/api`,
    // A fresh key and CSRF secret per run: a restart signs every SPA out (a real app loads them).
    keys: [{ kid: 'demo-1', alg: 'EdDSA', privateKey: generateJwtKey('EdDSA').privateKey, use: 'sign' }],
    store: options.store ?? createMemoryStore(),
    secret: randomBytes(32).toString('hex'),
    samlLoginUrl: `${options.origin}/saml/login/`,
    startSamlLogout: async (ctx, saml, next) => mellon?.startLogout(ctx, saml, next),
    clients: [{ clientId: 'acme-spa', redirectUris: [spaCallback(options.spaOrigin)] }],
    // POST /jwt/launch: a one-time link to this IdP's sso/init/ (the SPA's Statistics button).
    idpInitiateUrl: `${idpBase}/sso/init/`,
    // Cookie mode needs https (Secure cookies); this front end is on another origin anyway.
    cookies: false,
    claims: (_user, saml) => ({ email: saml.attributes['mail']?.[0] ?? null, name: saml.attributes['displayName']?.[0] ?? null, groups: [...(saml.attributes['groups'] ?? [])] }),
    logger: demoLogger('api', options.debug),
  });
  const authenticate = bridge.authenticate();
  // JWT -> SAML: an IdP whose user is the launch link's token (the SPA holds its token in memory,
  // so a navigation carries none). No server session of the API: only the IdP's own session
  // (which SPs it logged in, for single logout).
  const idp = createIdp<TokenUser>({
    baseUrl: idpBase,
    ...demoKeyPair(options.dataDir, 'api-idp'),
    secret: 'koa-mellon demo: Acme API IdP pairwise NameID secret, not for production',
    // No consent page: it would ask `authenticate` again on its answer, when the link is spent.
    serviceProviders: [{ metadataUrl: options.statsMetadataUrl, askConsent: false, nameIdFormat: 'persistent', allowIdpInitiated: true, attributes: { mail: 'email', displayName: 'name', groups: 'groups' } }],
    authenticate: async (ctx) => tokenUser((await bridge.redeemLaunch(ctx)) ?? (await bridge.identify(ctx))),
    // Nobody: sign in at the SPA first (its Statistics button makes the link).
    loginUrl: spaCallback(options.spaOrigin),
    // A refused launch link's page continues to the SPA, where a new one is a click away.
    errorUrl: spaCallback(options.spaOrigin),
    // Stats' sign-in page lists two IdPs: this name tells them apart.
    organization: { names: [{ lang: 'en', value: 'Acme API' }], displayNames: [{ lang: 'en', value: 'Acme (through Acme API)' }], urls: [{ lang: 'en', value: `${options.origin}/` }] },
    metadataCacheDir: `${options.dataDir}/cache`,
    cookie: { name: 'api-idp.sid' },
    logger: demoLogger('api-idp', options.debug),
    ...(options.store ? { store: options.store } : {}),
  });
  const sp = createSpApp({
    name: 'api',
    displayName: 'Acme API',
    color: ACME_COLOR,
    origin: options.origin,
    idpMetadataUrl: options.idpMetadataUrl,
    dataDir: options.dataDir,
    store: options.store,
    debug: options.debug,
    hooks: bridge.samlHooks,
    pages: () => async (ctx, next) => {
      if (allowSpa(ctx, options.spaOrigin)) return;
      // After the SAML logout at the demo IdP the browser comes back here (a same-site path), then
      // runs this API's own IdP single logout (Stats, if the SPA opened it), then goes to the SPA.
      if (ctx.path === '/spa/signed-out') return ctx.redirect(idp.logoutUrl('/spa/signed-out/done'));
      if (ctx.path === '/spa/signed-out/done') return ctx.redirect(`${spaCallback(options.spaOrigin)}?signed-out=1`);
      if (ctx.path === '/api/profile' && ctx.method === 'GET') {
        return authenticate(ctx, async () => {
          const claims = ctx.state.jwt;
          ctx.set('Cache-Control', 'no-store');
          ctx.body = { message: `Hello ${String(claims?.['name'])}, this answer came from the API after it verified your access token.`, sub: claims?.sub, email: claims?.['email'], groups: claims?.['groups'], token_expires_at: claims ? new Date(claims.exp * 1000).toISOString() : null };
        });
      }
      if (ctx.path === '/') ctx.body = `Acme API: the JSON API of the Acme SPA (${spaCallback(options.spaOrigin)}).`;
      else await next();
    },
  });
  // /jwt/authorize, /jwt/token, /jwt/launch, /jwt/logout, /jwt/logout/saml, /jwt/jwks (and refresh, unused here).
  sp.app.use(bridge.routes());
  // /idp/sso/init/, /idp/slo/, /idp/metadata/ ...
  sp.app.use(idp.routes());
  mellon = sp.mellon;
  return { app: sp.app, mellon: sp.mellon, bridge, idp };
}

/**
 * CORS for /api/ (the bridge answers it itself on /jwt/token, /jwt/logout and /jwt/launch): only the SPA's
 * origin, no credentials (the SPA sends `Authorization: Bearer`, never cookies). True when a
 * preflight was answered.
 */
function allowSpa(ctx: Koa.Context, spaOrigin: string): boolean {
  if (!ctx.path.startsWith('/api/')) return false;
  ctx.vary('Origin');
  if (ctx.get('origin') !== spaOrigin) return false;
  ctx.set('Access-Control-Allow-Origin', spaOrigin);
  if (ctx.method !== 'OPTIONS') return false;
  ctx.set('Access-Control-Allow-Methods', 'GET');
  ctx.set('Access-Control-Allow-Headers', 'authorization');
  ctx.set('Access-Control-Max-Age', '600');
  ctx.status = 204;
  return true;
}
