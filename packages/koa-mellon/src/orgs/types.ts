import type { IdentityProviderSettings, MellonSettings } from '../settings/types.js';
import type { OrganizationRegistry } from './registry.js';

/**
 * One customer organization: its IdP (exactly as an `identityProviders` entry: `metadata`,
 * `metadataPath` or `metadataUrl`, optional `entityId` pin, and any per-IdP override of a generic
 * setting), plus what routes to it and scopes its accounts.
 */
export interface OrganizationSettings extends IdentityProviderSettings {
  /** The URL segment: `{baseUrl}/{slug}/login/`. Lower-case letters, digits and dashes. */
  readonly slug: string;
  /** Shown to users (the chooser); never used as a key. */
  readonly name: string;
  /**
   * The provider id accounts are linked under, default the IdP's entityID. Links are always
   * scoped by the organization's slug as well, so two organizations never share accounts.
   */
  readonly providerId?: string;
  /** A disabled organization's routes answer ORGANIZATION_DISABLED. Default true. */
  readonly enabled?: boolean;
  /** The e-mail domains whose users belong to this organization (identity-first login). */
  readonly emailDomains?: readonly string[];
  /** Whether this organization's IdP verifies the e-mail addresses it asserts. Default false. */
  readonly emailVerified?: boolean;
}

/** The keys an organization has on top of an identity provider entry. */
export const ORGANIZATION_KEYS: ReadonlySet<string> = new Set(['slug', 'name', 'providerId', 'enabled', 'emailDomains', 'emailVerified']);

/**
 * The settings of `createMellonOrganizations`: every key of `createMellon`'s settings (the
 * defaults every organization inherits), with `organizations` instead of `identityProviders`.
 * Each organization's SP entityID is its own metadata URL, `{baseUrl}/{slug}/metadata/`.
 */
export interface MellonOrganizationsSettings extends Omit<MellonSettings, 'identityProviders' | 'entityId'> {
  readonly organizations: readonly OrganizationSettings[];
  /** Organizations added, edited or disabled at run time (`createOrganizationRegistry`). */
  readonly registry?: OrganizationRegistry;
}
