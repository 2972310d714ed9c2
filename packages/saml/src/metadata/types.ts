import type { KeyObject, X509Certificate } from 'node:crypto';
import type { MellonErrorCode } from '../errors.js';

/**
 * What parsing SAML 2.0 metadata yields. Nothing here holds a DOM node: an aggregate of thousands
 * of entities is read once, its keys loaded once, and the document is then let go.
 */

/** saml-metadata §2.2.2 EndpointType. */
export interface Endpoint {
  /** Binding URI, e.g. `BINDING.redirect`; kept as written, so SAML 1.x or PAOS bindings stay visible. */
  readonly binding: string;
  readonly location: string;
  /** Where responses go when it differs from `location` (saml-metadata §2.2.2). */
  readonly responseLocation?: string | undefined;
}

/** saml-metadata §2.2.3 IndexedEndpointType (AssertionConsumerService, ArtifactResolutionService). */
export interface IndexedEndpoint extends Endpoint {
  readonly index: number;
  /** `true` / `false` when the attribute is present, `undefined` when it is not (§2.2.3 tells them apart). */
  readonly isDefault?: boolean | undefined;
}

/** saml-metadata §2.4.1.1: a KeyDescriptor without `use` serves both purposes. */
export type KeyUse = 'signing' | 'encryption' | 'both';

/** One certificate of a KeyDescriptor, loaded into a KeyObject at parse time. */
export interface MetadataKey {
  readonly use: KeyUse;
  readonly key: KeyObject;
  readonly certificate?: X509Certificate | undefined;
  /** `<md:EncryptionMethod>` algorithm URIs the peer accepts with this key, in its order. */
  readonly encryptionMethods: readonly string[];
}

/** A value with its `xml:lang` (mdui and Organization elements carry one). */
export interface LocalizedString {
  readonly lang: string;
  readonly value: string;
}

/** mdui:Logo (saml-metadata-ui §2.1.6). */
export interface Logo {
  readonly url: string;
  readonly width: number;
  readonly height: number;
  readonly lang?: string | undefined;
}

/** mdui:UIInfo (saml-metadata-ui §2.1), what a discovery service shows. */
export interface UiInfo {
  readonly displayNames: readonly LocalizedString[];
  readonly descriptions: readonly LocalizedString[];
  readonly logos: readonly Logo[];
  readonly informationUrls: readonly LocalizedString[];
  readonly privacyStatementUrls: readonly LocalizedString[];
}

/** shibmd:Scope: the attribute scopes (`@example.org`) an IdP may assert. */
export interface Scope {
  readonly value: string;
  /** When true, `value` is a regular expression (Shibboleth's convention), not a literal. */
  readonly regexp: boolean;
}

/** saml-metadata §2.3.2.1. */
export interface Organization {
  readonly names: readonly LocalizedString[];
  readonly displayNames: readonly LocalizedString[];
  readonly urls: readonly LocalizedString[];
}

export type ContactType = 'technical' | 'support' | 'administrative' | 'billing' | 'other';

/** saml-metadata §2.3.2.2. E-mail addresses are kept as written (often `mailto:` URIs). */
export interface ContactPerson {
  readonly contactType: ContactType;
  readonly company?: string | undefined;
  readonly givenName?: string | undefined;
  readonly surName?: string | undefined;
  readonly emailAddresses: readonly string[];
  readonly telephoneNumbers: readonly string[];
}

/** saml-metadata §2.4.1 RoleDescriptor and §2.4.2 SSODescriptor: what both SSO roles share. */
export interface SsoDescriptor {
  readonly protocolSupport: readonly string[];
  /** Every KeyDescriptor certificate, in document order. */
  readonly keys: readonly MetadataKey[];
  /** Keys with use signing or none: pass these to signature verification (several during rollover). */
  readonly signingKeys: readonly KeyObject[];
  /** Keys with use encryption or none, with their certificates (for KeyInfo) and accepted methods. */
  readonly encryptionKeys: readonly MetadataKey[];
  readonly errorUrl?: string | undefined;
  readonly artifactResolutionServices: readonly IndexedEndpoint[];
  readonly singleLogoutServices: readonly Endpoint[];
  readonly manageNameIdServices: readonly Endpoint[];
  readonly nameIdFormats: readonly string[];
  readonly ui?: UiInfo | undefined;
  readonly scopes: readonly Scope[];
}

/** saml-metadata §2.4.3. */
export interface IdpSsoDescriptor extends SsoDescriptor {
  readonly wantAuthnRequestsSigned: boolean;
  readonly singleSignOnServices: readonly Endpoint[];
}

/** saml-metadata §2.4.4. */
export interface SpSsoDescriptor extends SsoDescriptor {
  readonly authnRequestsSigned: boolean;
  readonly wantAssertionsSigned: boolean;
  readonly assertionConsumerServices: readonly IndexedEndpoint[];
}

/** saml-metadata §2.3.2. Only SSO role descriptors supporting SAML 2.0 are read. */
export interface EntityDescriptor {
  readonly entityId: string;
  /**
   * The earliest validUntil of the entity, its SAML 2.0 roles and every enclosing
   * EntitiesDescriptor (saml-metadata §2.3.1: it bounds all contained elements).
   */
  readonly validUntil?: Date | undefined;
  /** Own cacheDuration in ms, if any. */
  readonly cacheDurationMs?: number | undefined;
  readonly idp?: IdpSsoDescriptor | undefined;
  readonly sp?: SpSsoDescriptor | undefined;
  readonly organization?: Organization | undefined;
  readonly contacts: readonly ContactPerson[];
  /** shibmd:Scope in the entity's own Extensions (role-level scopes are on the role). */
  readonly scopes: readonly Scope[];
}

/**
 * An EntityDescriptor of an aggregate that was left out because it does not conform (a typo in one
 * member must not take a federation down), or because its entityID is listed more than once.
 */
export interface SkippedEntity {
  /** Absent when the descriptor's own entityID is missing or too long. */
  readonly entityId?: string | undefined;
  /** Why: METADATA_INVALID or KEY_INVALID. */
  readonly code: MellonErrorCode;
  /** What is wrong, for logs (never shown to users). */
  readonly reason: string;
}

/** One metadata document, parsed, verified and indexed. */
export interface ParsedMetadata {
  /** Entities by entityID: an O(1) lookup however large the aggregate. */
  readonly entities: ReadonlyMap<string, EntityDescriptor>;
  /** The root element's validUntil. */
  readonly validUntil?: Date | undefined;
  /** The root element's cacheDuration, in ms. */
  readonly cacheDurationMs?: number | undefined;
  /** The root EntitiesDescriptor's Name, if the document is an aggregate that has one. */
  readonly name?: string | undefined;
  /** True when the root signature was verified with a configured certificate. */
  readonly signed: boolean;
  /** Descriptors left out of `entities`, in document order (see `SkippedEntity`). */
  readonly skipped: readonly SkippedEntity[];
}
