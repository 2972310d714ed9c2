import type { ErrorPage, PageSettings, StateStore, TraceRedaction } from '@koa-mellon/web';
import type { Context } from 'koa';
import type { Clock, ContactPerson, MetadataEvent, Organization, SpSsoDescriptor } from '@koa-mellon/saml';

/** What the app's `authenticate` hook returns: an object (of the app's own type) with a stable, never reassigned `id`. */
export interface IdpUser {
  /** Stable and unique: the pairwise persistent NameID of every SP derives from it. */
  readonly id: string;
}

/** A service provider as the hooks see it: its entityID and its current metadata. */
export interface ServiceProviderInfo {
  /** Position in `serviceProviders`. */
  readonly index: number;
  readonly entityId: string;
  readonly descriptor: SpSsoDescriptor;
}

/** Values an attribute source may yield; `null`/`undefined`/`[]` release nothing. */
export type AttributeValue = string | number | boolean | null | undefined | readonly (string | number | boolean)[];

/** One released attribute: read a user field, or compute the values. */
export interface AttributeSource<U extends IdpUser> {
  /** A user field (`email`, `groups`); arrays give several values. */
  readonly field?: string | undefined;
  /** Computes the values; wins over `field`. */
  readonly value?: ((user: U, sp: ServiceProviderInfo) => AttributeValue | Promise<AttributeValue>) | undefined;
  /** Default: `uri` for names that are URNs or URLs, else `basic` (saml-core §8.2). */
  readonly nameFormat?: string | undefined;
  readonly friendlyName?: string | undefined;
}

/**
 * Attribute release, keyed by the SAML attribute Name sent to the SP. A string is shorthand for
 * `{ field }`: `{ mail: 'email' }` releases the user's `email` as `mail`. One field may go out
 * under several names (`mail` and `urn:oid:0.9.2342.19200300.100.1.3`).
 */
export type AttributeRelease<U extends IdpUser> = Readonly<Record<string, string | AttributeSource<U>>>;

/** NameID formats the IdP can issue (saml-core §8.3). */
export type NameIdFormatName = 'persistent' | 'transient' | 'emailAddress' | 'unspecified';

/** One service provider: where its metadata comes from, and what it gets. */
export interface ServiceProviderSettings<U extends IdpUser = IdpUser> {
  /** Inline metadata XML. Exactly one of metadata, metadataPath, metadataUrl. */
  readonly metadata?: string | undefined;
  /** A metadata file, reloaded when it changes. */
  readonly metadataPath?: string | undefined;
  /** A metadata URL, cached on disk and refreshed in the background (as for the SP's IdPs). */
  readonly metadataUrl?: string | undefined;
  /** The SP's entityID: required with an aggregate, pinned otherwise. */
  readonly entityId?: string | undefined;
  /** Certificates that must have signed the metadata. */
  readonly metadataSigningCertificates?: readonly string[] | undefined;
  /** Seconds a metadata download may take. Default 10. */
  readonly metadataHttpTimeout?: number | undefined;
  /** Seconds between background refreshes of `metadataUrl`. Default 3600. */
  readonly metadataCacheTime?: number | undefined;
  /** Verify TLS for `metadataUrl` and the SOAP back-channel. Default true. */
  readonly verifySslCertificate?: boolean | undefined;
  /** What this SP receives. Default: nothing but the NameID. */
  readonly attributes?: AttributeRelease<U> | undefined;
  /** Default `persistent` (pairwise: HMAC of `secret`, user id and SP entityID). */
  readonly nameIdFormat?: NameIdFormatName | undefined;
  /** User field for `emailAddress` (default `email`) and `unspecified` (required) NameIDs. */
  readonly nameIdField?: string | undefined;
  /** Default: true when the SP's metadata has an encryption key. */
  readonly encryptAssertions?: boolean | undefined;
  /** Sign the assertion. Default true. */
  readonly signAssertion?: boolean | undefined;
  /** Sign the Response too. Default true (node-saml and pysaml2 require it; error responses are always signed). */
  readonly signResponse?: boolean | undefined;
  /** Seconds until SessionNotOnOrAfter for this SP. Default: the IdP's `sessionLifetime`. */
  readonly sessionLifetime?: number | undefined;
  /** Refuse unsigned AuthnRequests from this SP. Default: the IdP's setting, or the SP metadata's AuthnRequestsSigned. */
  readonly wantAuthnRequestsSigned?: boolean | undefined;
  /** Allow `sso/init/?sp=` logins to this SP. Default true. */
  readonly allowIdpInitiated?: boolean | undefined;
  /** Default: the IdP's `authnContextClassRef`. */
  readonly authnContextClassRef?: string | undefined;
  /** Block cipher of encrypted assertions. Default aes256-gcm. */
  readonly encryptionAlgorithm?: string | undefined;
  /** Show the consent page before releasing attributes to this SP. Default: the IdP's `askConsent`. */
  readonly askConsent?: boolean | undefined;
}

/** Every page the IdP shows a person, by `kind`: what `pages.render` receives. */
export type IdpPage<U extends IdpUser = IdpUser> = ConsentPage<U> | ErrorPage;

/** What the `consent` hook answers. */
export type ConsentAnswer = boolean | 'ask';

/** One attribute as the consent page lists it: exactly what the SP would receive. */
export interface ConsentAttribute {
  readonly name: string;
  readonly friendlyName?: string | undefined;
  readonly values: readonly string[];
}

/**
 * What the consent page shows and posts. The form is a POST to `action` with the hidden field
 * `k` = `key`, a `decision` of `accept` or `decline`, and `remember=1` to remember the choice.
 */
export interface ConsentPage<U extends IdpUser = IdpUser> {
  readonly kind: 'consent';
  readonly sp: ServiceProviderInfo;
  /** mdui:DisplayName, else Organization display name, else the entityID. */
  readonly spName: string;
  readonly user: U;
  readonly attributes: readonly ConsentAttribute[];
  readonly action: string;
  readonly key: string;
}

/** The IdP's cookie (session and browser binding). Signed with `app.keys`. */
export interface IdpCookieOptions {
  /** Default `idp.sid`. */
  readonly name?: string | undefined;
  /** Default `lax`. */
  readonly sameSite?: 'lax' | 'strict' | 'none' | undefined;
  /** Default: true when baseUrl is https. */
  readonly secure?: boolean | undefined;
  readonly domain?: string | undefined;
}

export interface IdpLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** The settings of `createIdp`, validated at start-up (ConfigError naming the key path). */
export interface IdpSettings<U extends IdpUser = IdpUser> {
  /** Absolute public URL the routes are mounted under, e.g. `https://idp.example.com/saml`. */
  readonly baseUrl: string;
  /** Default `{baseUrl}/metadata/`. */
  readonly entityId?: string | undefined;
  /** Signing key (PEM text or path). */
  readonly privateKey?: string | undefined;
  /** Passphrase of `privateKey`. */
  readonly privateKeyPassword?: string | undefined;
  /** More keys (PEM, or `[pem, password]`); the first signs when `privateKey` is unset. */
  readonly privateKeys?: readonly (string | readonly [string, string])[] | undefined;
  /** Certificates published in metadata (several during rollover). The signing key's must be one. */
  readonly publicKeys: readonly string[];
  /** At least 32 characters: keys the pairwise persistent NameIDs. Changing it changes every NameID. */
  readonly secret: string;
  /** The SPs this IdP answers (see the table below); requests from any other entityID are refused. */
  readonly serviceProviders: readonly ServiceProviderSettings<U>[];
  /** The logged-in user of this request (your session), or null. */
  readonly authenticate: (ctx: Context) => U | null | undefined | Promise<U | null | undefined>;
  /** Your login page (path or URL). Gets `next` (and `forceAuthn=1` when the SP demands a fresh login). */
  readonly loginUrl: string;
  /** Ends your own session when single logout runs here. */
  readonly logout?: ((ctx: Context) => void | Promise<void>) | undefined;
  /**
   * Take SPs' LogoutRequests over the SOAP back-channel at `slo/` (published in metadata). Default
   * false. No browser is there: `backChannelLogout` must end your own session of that user.
   */
  readonly soapLogout?: boolean | undefined;
  /** Ends every session of your own for this user (a logout without the browser: SOAP). */
  readonly backChannelLogout?: ((userId: string) => void | Promise<void>) | undefined;
  /**
   * Asked before each release to an SP: true releases, false answers RequestDenied, `'ask'` shows
   * the consent page (unless the user asked to remember a consent to the same attribute names).
   * Without it, the page is shown to SPs with `askConsent`.
   */
  readonly consent?: ((ctx: Context, sp: ServiceProviderInfo, user: U) => ConsentAnswer | Promise<ConsentAnswer>) | undefined;
  /** Show the consent page before releasing to any SP, unless the user asked to remember a consent (per SP: `askConsent`). Default false. */
  readonly askConsent?: boolean | undefined;
  /** Seconds a consent the user asked to remember lasts. Default one year. */
  readonly consentLifetime?: number | undefined;
  /** The pages a person sees (consent, errors): `{ appName, accentColor, render }`; `render(page, ctx)` returns your own HTML by `page.kind`, or undefined for the built-in page (docs/pages.md). A consent page must post the form `ConsentPage` describes. */
  readonly pages?: PageSettings<IdpPage<U>> | undefined;
  /** The state store (sessions, pending requests, replay cache, consents). Default: in memory, for one process. Several instances: `await createRedisStore(url)` or `await createPostgresStore(url)` (docs/state.md). */
  readonly store?: StateStore | undefined;
  /**
   * Keep a trace of every login and logout (default true) in `store`, namespace `idp-traces` (with
   * the default in-memory store, a separate memory store of at most 10,000 traces): the steps with
   * their outcome, a refusal with expected vs received (Destination, ACS URL, Issuer, signing key
   * fingerprints, algorithms, times), the decoded messages redacted. Its reference is shown on the
   * error page and tags every log line of the flow; read it with `koa-mellon trace <reference>` or
   * `createTraceAdmin` (docs/troubleshooting.md). When false, the reference still tags pages and
   * logs, nothing is stored.
   */
  readonly traces?: boolean | undefined;
  /** Seconds a trace is kept. Default 7 days. */
  readonly traceTtl?: number | undefined;
  /**
   * What traces blank in stored SAML messages: `personal` (the default: NameIDs, attribute values,
   * the subject's address, and secrets) or `secrets` (signature and digest values, ciphertext,
   * certificates, artifacts only: for debugging an attribute release with the SP's admin, then
   * switch back; personal data is then kept for `traceTtl`). Keys, cookies and tokens are never stored.
   */
  readonly traceRedaction?: TraceRedaction | undefined;
  /** Seconds an IdP session lasts after authentication. Default 8 h. */
  readonly sessionLifetime?: number | undefined;
  /** Seconds a Response is usable. Default 300. */
  readonly responseLifetime?: number | undefined;
  /** Tolerated clock difference with SPs (request IssueInstant, logout NotOnOrAfter). Default 180. */
  readonly clockSkew?: number | undefined;
  /** Refuse unsigned AuthnRequests (published as WantAuthnRequestsSigned). Default false. */
  readonly wantAuthnRequestsSigned?: boolean | undefined;
  /** Sign the metadata. Default false. */
  readonly signMetadata?: boolean | undefined;
  /** Offer HTTP-Artifact (ArtifactResolutionService over SOAP). Default false. */
  readonly artifactResolution?: boolean | undefined;
  /** Default PasswordProtectedTransport. */
  readonly authnContextClassRef?: string | undefined;
  /** Default rsa-sha256 (ecdsa-sha256 for EC keys). */
  readonly signatureAlgorithm?: string | undefined;
  /** Largest SAML message accepted. Default 256 KiB. */
  readonly maxMessageBytes?: number | undefined;
  /**
   * Seconds to receive a POST body at sso/, sso/consent/, slo/ and artifact/. Default 10. A body still
   * arriving then is refused (`REQUEST_TIMEOUT`, 408) and the connection closed: a trickling client
   * cannot hold connections for minutes. Set the server timeouts too (docs/deployment.md).
   */
  readonly bodyTimeout?: number | undefined;
  /** Where copies of `metadataUrl` downloads are kept (served when the URL is down). Default `.cache/koa-mellon/metadata` in the working directory. */
  readonly metadataCacheDir?: string | undefined;
  /** The IdP's cookie: `{ name, sameSite, secure, domain }`; default `idp.sid`, Lax, secure on https. */
  readonly cookie?: IdpCookieOptions | undefined;
  /** The "continue" link of error pages. Default `/`. */
  readonly errorUrl?: string | undefined;
  /** Published in the IdP metadata. */
  readonly organization?: Organization | undefined;
  /** Published in the IdP metadata. */
  readonly contactPersons?: readonly ContactPerson[] | undefined;
  /** pino-style `{ debug, info, warn, error }(obj, msg)`. Default: silent. */
  readonly logger?: IdpLogger | undefined;
  /** Each SP metadata load, refresh or failure (as the SP's `onMetadataEvent`). */
  readonly onMetadataEvent?: ((event: MetadataEvent) => void) | undefined;
  /** Milliseconds since the epoch; injectable for tests. Default `Date.now`. */
  readonly clock?: Clock | undefined;
}
