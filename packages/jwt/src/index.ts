/**
 * @koa-mellon/jwt: the SAML<->JWT bridge. After koa-mellon logs a user in over SAML it issues an
 * RFC 9068 access token and a rotated refresh token (cookies for the app's own front end, or a
 * one-time code with PKCE for a front end on another origin); its middleware authenticates API
 * calls with no store round trip; an IdP's LogoutRequest revokes the tokens on every instance; and
 * the same tokens can feed @koa-mellon/idp's `authenticate` hook.
 *
 * @example
 * const bridge = await createJwtBridge({
 *   issuer: 'https://app.example.com', audience: 'https://app.example.com/api',
 *   keys: [{ kid: '2026-01', alg: 'EdDSA', privateKey: readFileSync('jwt.key', 'utf8'), use: 'sign' }],
 *   store, secret: process.env.JWT_CSRF_SECRET!,
 *   samlLoginUrl: 'https://app.example.com/accounts/mellon/login/',
 *   startSamlLogout: (ctx, saml, next) => mellon.startLogout(ctx, saml, next),
 * });
 * const mellon = createMellon({ ...spSettings, hooks: bridge.samlHooks });
 * app.use(bridge.routes());
 * api.use(bridge.authenticate());
 */
import type { Context, Middleware } from 'koa';
import type { JWK } from 'jose';
import type { TraceStore } from '@koa-mellon/web';
import { endRequestSession, identify } from './idp/identify.js';
import { redeemLaunch } from './launch/links.js';
import { createBridgeRoutes, type BridgeRoutes } from './routes/routes.js';
import { createBridgeRuntime } from './runtime.js';
import { createSamlHooks, type SamlHooks } from './saml/hooks.js';
import type { JwtBridgeSettings } from './settings.js';
import type { AccessTokenClaims } from './tokens/verify.js';
import { authenticateRequest, createAuthenticate } from './web/authenticate.js';

export interface JwtBridge {
  /** API middleware: verifies the access token (Bearer or cookie; CSRF for cookies), sets `ctx.state.jwt` and `ctx.state.user`, else 401/403. */
  authenticate(): Middleware;
  /** jwks, authorize, token, refresh, logout, logout/saml under `basePath`. */
  routes(): BridgeRoutes;
  /** Give to koa-mellon's `hooks` setting: tokens instead of a server session, revocation on the IdP's LogoutRequest. */
  readonly samlHooks: SamlHooks;
  /** The verified claims of this request's access token (CSRF-checked for cookies), or a MellonError. */
  verify(ctx: Context): Promise<AccessTokenClaims>;
  /** For @koa-mellon/idp's `authenticate`: the token's claims, or undefined (never throws for a bad token). */
  identify(ctx: Context): Promise<AccessTokenClaims | undefined>;
  /**
   * For @koa-mellon/idp's `authenticate` on sso/init/: the claims of this request's launch link
   * (made by POST launch/, taken once), undefined when there is none, else LAUNCH_LINK_INVALID or
   * LAUNCH_SUBJECT_MISMATCH (the IdP shows its error page with the code).
   */
  redeemLaunch(ctx: Context): Promise<AccessTokenClaims | undefined>;
  /** For @koa-mellon/idp's `logout`: revokes this request's family and clears the cookies. */
  endSession(ctx: Context): Promise<void>;
  /** The JWKS document the jwks route serves. */
  jwks(): { keys: JWK[] };
  readonly urls: { readonly jwks: string; readonly authorize: string; readonly token: string; readonly refresh: string; readonly logout: string; readonly launch: string };
  /**
   * The bridge's traces (`traces` setting; undefined when off): one by the reference a refusal
   * carried, or the recent refusals per client. koa-mellon's `createTraceAdmin` serves them.
   */
  readonly traces: TraceStore | undefined;
  /** Stops the deny-list subscription and timer (the store is the app's to close). */
  close(): Promise<void>;
}

/** Validates the settings (ConfigError naming the key), loads the keys and the deny list, subscribes to revocations. */
export async function createJwtBridge(settings: JwtBridgeSettings): Promise<JwtBridge> {
  const rt = await createBridgeRuntime(settings);
  await rt.denyList.start();
  // RFC 6750 §3: the realm is ours; quotes could not be escaped in the header, so none are kept.
  const realm = rt.audience.replace(/["\\]/g, '');
  const routes = createBridgeRoutes(rt, realm);
  const authenticate = createAuthenticate(rt, realm);
  const url = (path: string) => new URL(`${rt.basePath}/${path}`, rt.issuer).href;
  return {
    authenticate: () => authenticate,
    routes: () => routes,
    samlHooks: createSamlHooks(rt),
    verify: (ctx) => authenticateRequest(ctx, rt),
    identify: (ctx) => identify(ctx, rt),
    redeemLaunch: (ctx) => redeemLaunch(ctx, rt),
    endSession: (ctx) => endRequestSession(ctx, rt),
    jwks: () => rt.keys.jwks(),
    traces: rt.traces,
    urls: { jwks: url('jwks'), authorize: url('authorize'), token: url('token'), refresh: url('refresh'), logout: url('logout'), launch: url('launch') },
    close: () => rt.denyList.stop(),
  };
}

export { generateJwtKey } from './keys/generate.js';
export { COOKIE, refreshCookiePath } from './web/cookies.js';
export { CSRF_HEADER } from './web/csrf.js';
export { JWKS_MAX_AGE_SECONDS } from './routes/jwks.js';
export { ACCESS_TOKEN_TYPE } from './tokens/mint.js';
export { LAUNCH_PARAMETER, LAUNCH_TTL_MS } from './launch/links.js';
export type { AccessTokenClaims } from './tokens/verify.js';
export type { BridgeRoutes } from './routes/routes.js';
export type { SamlHooks, SamlLoginEvent, FederatedLogoutEvent } from './saml/hooks.js';
export type { JwtBridgeSettings, JwtKeySettings, JwtClientSettings, JwtAlgorithm, SamlSession, BridgeUser, ClaimValue, StartSamlLogout } from './settings.js';
export { MellonError, ConfigError, type MellonErrorCode } from '@koa-mellon/saml';
