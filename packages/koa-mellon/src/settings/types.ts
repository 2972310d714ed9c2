import type { ErrorPage, IdpChooserPage, OrganizationPage, PageSettings, StateStore, TraceRedaction } from '@koa-mellon/web';
import type { Context } from 'koa';
import type { MellonSession } from '../session/sessions.js';
import type { Clock } from '@koa-mellon/saml';
import type { AdapterSpec, LookupByAttributeRule, User, UserStore } from '../adapters/types.js';
import type { IdpOnlyKey, SettingKey } from './schema.js';

export type AcsBinding = 'post' | 'artifact';

/** Every page the SP (and its organizations) shows a person, by `kind`: what `pages.render` receives. */
export type MellonPage = ErrorPage | IdpChooserPage | OrganizationPage;

/** A pino-compatible logger: `logger.warn({ code }, 'message')`. */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface SessionCookieOptions {
  readonly name?: string;
  readonly sameSite?: 'lax' | 'strict' | 'none';
  readonly secure?: boolean;
  readonly domain?: string;
  /** Seconds; the session never outlives the IdP's SessionNotOnOrAfter. */
  readonly maxAge?: number;
}

/** What `hooks.login` receives once the adapter chain has picked the user. */
export interface SamlLoginEvent {
  readonly user: User;
  /** The SAML session: IdP entityID, NameID with qualifiers and format, SessionIndex, SessionNotOnOrAfter, attributes. */
  readonly saml: MellonSession;
  /** Where the login goes next: a same-site path (safeNext). */
  readonly next: string;
  /** This login's trace reference (`koa-mellon trace`): a hook that keeps a trace of its own names it. */
  readonly trace?: string | undefined;
}

/** What `hooks.federatedLogout` receives: a verified LogoutRequest from the IdP (Redirect, POST or SOAP). */
export interface FederatedLogoutEvent {
  readonly issuer: string;
  readonly nameId: string;
  /** Empty: every session of that NameID (saml-core §3.7.1). */
  readonly sessionIndexes: readonly string[];
}

/**
 * Hooks for what replaces or accompanies the server session, e.g. the JWT bridge
 * (`@koa-mellon/jwt`'s `bridge.samlHooks` has this shape; no import either way).
 */
export interface MellonHooks {
  /** After a successful login: return true when the hook answered (no server session is created). */
  readonly login?: ((ctx: Context, event: SamlLoginEvent) => boolean | Promise<boolean>) | undefined;
  /** After the IdP's LogoutRequest ended the local sessions of a NameID (on any instance). */
  readonly federatedLogout?: ((event: FederatedLogoutEvent) => void | Promise<void>) | undefined;
}

/** Settings every IdP entry may override (django-mellon's generic settings, camelCased). */
export interface GenericSettings {
  readonly publicKeys?: readonly string[];
  readonly privateKey?: string;
  readonly privateKeyPassword?: string;
  readonly privateKeys?: readonly (string | readonly [string, string])[];
  readonly nameIdFormats?: readonly string[];
  readonly nameIdPolicyFormat?: string;
  readonly nameIdPolicyAllowCreate?: boolean;
  readonly forceAuthn?: boolean;
  readonly signatureMethod?: string;
  readonly requestsSigned?: boolean;
  readonly defaultAssertionConsumerBinding?: AcsBinding;
  readonly assertionConsumerBindings?: readonly AcsBinding[];
  readonly artifactResolveTimeout?: number;
  readonly metadataCacheTime?: number;
  readonly metadataHttpTimeout?: number;
  readonly verifySslCertificate?: boolean;
  readonly metadataUrlGuard?: boolean;
  readonly metadataUrlAllowList?: readonly string[];
  readonly adapters?: readonly AdapterSpec[];
  readonly realm?: string;
  readonly provision?: boolean;
  readonly usernameTemplate?: string;
  readonly attributeMapping?: Readonly<Record<string, string | readonly string[]>>;
  readonly attributeMappingDefaults?: boolean;
  readonly useNameIdForEmail?: boolean;
  readonly superuserMapping?: Readonly<Record<string, string | readonly string[]>>;
  readonly authnClassRef?: readonly string[];
  readonly groupAttribute?: string | readonly string[];
  readonly createGroup?: boolean;
  readonly transientFederationAttribute?: string;
  readonly lookupByAttributes?: readonly LookupByAttributeRule[];
  readonly errorUrl?: string;
  readonly errorRedirectAfterTimeout?: number;
  readonly clockSkew?: number;
  readonly allowIdpInitiated?: boolean;
  readonly wantAssertionsSigned?: boolean;
  readonly wantResponseSigned?: boolean;
  readonly allowSha1?: boolean;
  readonly allowRsa15KeyTransport?: boolean;
  readonly signatureAlgorithms?: readonly string[];
  readonly encryptionAlgorithms?: readonly string[];
}

/** One `identityProviders` entry: a metadata source and any overrides. */
export interface IdentityProviderSettings extends GenericSettings {
  readonly metadata?: string;
  readonly metadataPath?: string;
  readonly metadataUrl?: string;
  readonly entityId?: string;
  readonly metadataSigningCertificates?: readonly string[];
  /** The IdP by parts (with `entityId` and `certificates`) instead of metadata. */
  readonly ssoUrl?: string;
  readonly sloUrl?: string;
  /** The IdP's signing certificates, current and next. */
  readonly certificates?: readonly string[];
}

/** The MELLON-style settings object of `createMellon`. */
export interface MellonSettings extends GenericSettings {
  readonly baseUrl: string;
  readonly entityId?: string;
  readonly identityProviders: readonly IdentityProviderSettings[];
  readonly store?: StateStore;
  readonly userStore?: UserStore;
  readonly logger?: Logger;
  readonly debug?: boolean;
  /** Keep login and logout traces (default true). */
  readonly traces?: boolean;
  /** Seconds a trace is kept (default 7 days). */
  readonly traceTtl?: number;
  /** What stored messages blank: `personal` (default) or only `secrets`. */
  readonly traceRedaction?: TraceRedaction;
  /** The pages a person sees: their look, or your own renderer (docs/pages.md). */
  readonly pages?: PageSettings<MellonPage>;
  readonly loginRedirectUrl?: string;
  readonly sessionCookie?: SessionCookieOptions;
  readonly metadataCacheDir?: string;
  readonly discoveryServiceUrl?: string;
  readonly organization?: { readonly names?: readonly string[]; readonly displayNames?: readonly string[]; readonly urls?: readonly string[] };
  readonly contactPersons?: readonly { readonly contactType: 'technical' | 'support' | 'administrative' | 'billing' | 'other'; readonly givenName?: string; readonly surName?: string; readonly company?: string; readonly emailAddresses?: readonly string[] }[];
  readonly maxMessageBytes?: number;
  /** Seconds to receive a POST body (default 10). */
  readonly bodyTimeout?: number;
  readonly soapLogout?: boolean;
  readonly hooks?: MellonHooks;
  /** Injectable clock (tests). */
  readonly clock?: Clock;
}

// Compile-time guard: every settings key is in the schema, and every schema key is typed.
type Typed = Exclude<keyof MellonSettings | keyof IdentityProviderSettings, 'clock'>;
type Untyped = Exclude<SettingKey | IdpOnlyKey, Typed>;
type Unschemed = Exclude<Typed, SettingKey | IdpOnlyKey>;
export type SettingsSchemaInSync = [Untyped, Unschemed] extends [never, never] ? true : { untyped: Untyped; unschemed: Unschemed };
export const SETTINGS_SCHEMA_IN_SYNC: SettingsSchemaInSync = true;
