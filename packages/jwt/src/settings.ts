import type { KeyObject } from 'node:crypto';
import type { Context } from 'koa';
import type { Clock } from '@koa-mellon/saml';
import type { Logger, StateStore } from '@koa-mellon/web';

/** The signature algorithms a key may be pinned to (RFC 8725 §3.1: one key, one algorithm). */
export type JwtAlgorithm = 'EdDSA' | 'ES256' | 'RS256';

/**
 * One key of the bridge. Publish-first rotation (docs/jwt.md): a new key is added with
 * `use: 'verify'` everywhere (it is in the JWKS before it signs), then promoted to `'sign'` while
 * the old one becomes `'verify'`, then the old one is removed once no token it signed is live.
 */
export interface JwtKeySettings {
  /** The `kid` in token headers and the JWKS; unique in the set. */
  readonly kid: string;
  readonly alg: JwtAlgorithm;
  /** PEM text or a KeyObject. Required for the signing key; a verify-only key may give `publicKey` alone. */
  readonly privateKey?: string | KeyObject | undefined;
  readonly publicKey?: string | KeyObject | undefined;
  /** Exactly one key signs; the others only verify (and are published). */
  readonly use: 'sign' | 'verify';
}

/** A front end on another origin that receives a one-time code (code handoff with PKCE). */
export interface JwtClientSettings {
  readonly clientId: string;
  /** Exact redirect URIs (RFC 9700 §4.1.3: compared as strings, no wildcard, no prefix). */
  readonly redirectUris: readonly string[];
}

/** The SAML session a refresh family keeps (koa-mellon's `MellonSession`, structurally). */
export interface SamlSession {
  readonly issuer: string;
  readonly nameIdContent?: string | undefined;
  readonly nameIdFormat?: string | undefined;
  readonly nameIdNameQualifier?: string | undefined;
  readonly nameIdSpNameQualifier?: string | undefined;
  readonly authnInstant: string;
  readonly sessionNotOnOrAfter?: string | undefined;
  readonly authnContextClassRef?: string | undefined;
  readonly sessionIndex?: string | undefined;
  readonly attributes: Readonly<Record<string, readonly string[]>>;
}

/** The user the SP's adapter chain picked: only its `id` is required by the bridge. */
export interface BridgeUser {
  readonly id: string;
}

/** A JSON value allowed in a token claim. */
export type ClaimValue = string | number | boolean | null | readonly ClaimValue[] | { readonly [key: string]: ClaimValue };

/** Starts an SP-initiated SAML logout from saved session data (koa-mellon's `mellon.startLogout`). */
export type StartSamlLogout = (ctx: Context, saml: SamlSession, next: string) => Promise<void>;

/** The settings of `createJwtBridge`. Times are in seconds. */
export interface JwtBridgeSettings {
  /** `iss` of every token: the bridge's absolute https URL (e.g. `https://app.example.com`). */
  readonly issuer: string;
  /** `aud` of access tokens: the API's resource identifier (RFC 9068 §3). */
  readonly audience: string;
  readonly keys: readonly JwtKeySettings[];
  /** The state port (memory, Redis, PostgreSQL): families, codes, the deny list. */
  readonly store: StateStore;
  /** At least 32 characters: keys the HMAC of the signed double-submit CSRF token. */
  readonly secret: string;
  /** Where the bridge's routes are mounted (absolute path). Default `/jwt`. */
  readonly basePath?: string | undefined;
  /** The SP's login URL (koa-mellon `mellon.urls.login`): the code handoff sends the browser there. */
  readonly samlLoginUrl?: string | undefined;
  /** koa-mellon's `mellon.startLogout`: a JWT user's logout also ends the SAML session at the IdP. */
  readonly startSamlLogout?: StartSamlLogout | undefined;
  /**
   * @koa-mellon/idp's `idp.urls.ssoInit`: turns on POST launch/, which answers a one-time link
   * there for IdP-initiated login of the token's user (redeemed by `bridge.redeemLaunch`). Default: off.
   */
  readonly idpInitiateUrl?: string | undefined;
  /** Front ends on other origins (code handoff). Default: none. */
  readonly clients?: readonly JwtClientSettings[] | undefined;
  /** Cookie delivery for the app's own front end (same site). Default on. */
  readonly cookies?: boolean | undefined;
  /** Origins allowed to make cookie-authenticated state-changing calls. Default: the issuer's origin. */
  readonly allowedOrigins?: readonly string[] | undefined;
  /** Access-token lifetime. Default 300 (RFC 9068 leaves it to the AS; short, as a deny list must cover it). */
  readonly accessTokenLifetime?: number | undefined;
  /** A refresh token unused this long expires. Default 86400. */
  readonly refreshIdleLifetime?: number | undefined;
  /** No family lives longer, and never past the assertion's SessionNotOnOrAfter. Default 43200. */
  readonly refreshAbsoluteLifetime?: number | undefined;
  /** Tolerated clock difference for exp/nbf/iat. Default 30. */
  readonly clockSkew?: number | undefined;
  /** Extra claims of the access token (the configured user claims); registered claims always win. */
  readonly claims?: ((user: BridgeUser, saml: SamlSession) => Readonly<Record<string, ClaimValue>>) | undefined;
  /**
   * Keep a trace of every SAML login that ends in tokens, token refresh, launch link and logout
   * (default true), in `store`, namespace `jwt-traces` whatever `namespace` says (so that
   * `koa-mellon trace` finds it): the steps with their outcome and the refusal's code. Its
   * reference is in refusals' JSON (`reference`) and every log line of the flow. A trace never
   * holds a token, a refresh token, a code, a cookie or a key (docs/troubleshooting.md).
   */
  readonly traces?: boolean | undefined;
  /** Seconds a trace is kept. Default 7 days. */
  readonly traceTtl?: number | undefined;
  /** State namespace prefix. Default `jwt`. */
  readonly namespace?: string | undefined;
  readonly logger?: Logger | undefined;
  /** Milliseconds since the epoch; injectable for tests. */
  readonly clock?: Clock | undefined;
}
