import { ConfigError } from '@koa-mellon/saml';
import { checkKind, validateGenericSettings, validateIdp } from '../settings/validate.js';
import { IDP_ONLY_SETTINGS, SETTINGS_SCHEMA, type SettingSpec } from '../settings/schema.js';
import { ORGANIZATION_KEYS, type MellonOrganizationsSettings, type OrganizationSettings } from './types.js';

const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;

/**
 * Checks organizations settings at start-up: the shared keys as `createMellon` does, then each
 * organization, with ConfigErrors naming the key (`organizations[2].requestsSigned`).
 */
export function validateOrganizationsSettings(input: unknown): MellonOrganizationsSettings {
  const settings = validateGenericSettings(input, new Set(['identityProviders', 'organizations', 'registry']));
  if (settings['identityProviders'] !== undefined) throw new ConfigError('identityProviders', 'use organizations (one IdP each) with createMellonOrganizations');
  if (settings['entityId'] !== undefined) throw new ConfigError('entityId', 'each organization has its own SP entityID ({baseUrl}/{slug}/metadata/)');
  const list = settings['organizations'];
  if (!Array.isArray(list)) throw new ConfigError('organizations', 'expected an array of organizations');
  const slugs = new Set<string>();
  list.forEach((entry: unknown, index) => {
    const path = `organizations[${index}]`;
    validateOrganization(entry, path);
    // validateOrganization made it an object with a string slug.
    const slug = (entry as { slug: string }).slug;
    if (slugs.has(slug)) throw new ConfigError(`${path}.slug`, `duplicates the slug of another organization`);
    slugs.add(slug);
  });
  // The checks above make the object conform to MellonOrganizationsSettings key by key.
  return settings as unknown as MellonOrganizationsSettings;
}

/** One organization; the programmatic registry validates with it too. */
export function validateOrganization(entry: unknown, path: string): void {
  validateIdp(entry, path, ORGANIZATION_KEYS);
  // validateIdp refused anything but a plain object.
  const org = entry as Record<string, unknown>;
  if (typeof org['slug'] !== 'string' || !SLUG.test(org['slug'])) throw new ConfigError(`${path}.slug`, 'expected lower-case letters, digits and dashes (1 to 64)');
  if (typeof org['name'] !== 'string' || org['name'].trim() === '') throw new ConfigError(`${path}.name`, 'expected a non-empty string');
  if (org['providerId'] !== undefined) checkKind('string', org['providerId'], `${path}.providerId`);
  if (org['enabled'] !== undefined) checkKind('boolean', org['enabled'], `${path}.enabled`);
  if (org['emailVerified'] !== undefined) checkKind('boolean', org['emailVerified'], `${path}.emailVerified`);
  if (org['emailDomains'] !== undefined) {
    checkKind('strings', org['emailDomains'], `${path}.emailDomains`);
    for (const domain of org['emailDomains'] as string[]) {
      if (!/^[a-z0-9.-]+\.[a-z0-9-]+$/.test(domain)) throw new ConfigError(`${path}.emailDomains`, `expected lower-case domain names, got ${JSON.stringify(domain).slice(0, 80)}`);
    }
  }
}

/**
 * An organization added at run time (registry, admin API) is written by someone other than the app's
 * developer: its metadata may come inline or from a URL fetched through the SSRF guard, with the
 * app's own allow-list; never from a file on the server, and it cannot turn the guard off.
 */
export function validateRunTimeOrganization(entry: unknown, path: string): void {
  // Before validateOrganization, so that the refusal names the forbidden key whatever else is wrong.
  if (typeof entry === 'object' && entry !== null) {
    const org = entry as Record<string, unknown>;
    for (const key of ['metadataPath', 'metadataUrlGuard', 'metadataUrlAllowList']) {
      if (org[key] !== undefined) throw new ConfigError(`${path}.${key}`, 'not allowed for an organization added at run time (metadata or metadataUrl only; URLs are always fetched through the SSRF guard)');
    }
    // readPem takes a string without a PEM header for a file path: never read the server's files
    // (a private key, certificates) for someone who can only write the registry.
    for (const [key, value] of Object.entries(org)) {
      const kind = (Object.hasOwn(IDP_ONLY_SETTINGS, key) ? IDP_ONLY_SETTINGS[key as keyof typeof IDP_ONLY_SETTINGS] : (SETTINGS_SCHEMA as Record<string, SettingSpec>)[key])?.kind;
      if (kind !== 'pem' && kind !== 'pems' && kind !== 'privateKeys') continue;
      const pems = (Array.isArray(value) ? value : [value]).map((item: unknown) => (kind === 'privateKeys' && Array.isArray(item) ? item[0] : item));
      if (pems.some((pem) => typeof pem !== 'string' || !pem.includes('-----BEGIN'))) {
        throw new ConfigError(`${path}.${key}`, 'PEM text only for an organization added at run time (never a file on the server)');
      }
    }
  }
  validateOrganization(entry, path);
}

/**
 * Linking a login to an existing account by e-mail trusts the IdP's e-mail: an organization's admin
 * could otherwise assert a victim's address from their own IdP. Only organizations that mark their
 * e-mail as verified (`emailVerified: true`) may look users up by the `email` field.
 */
export function checkEmailLinking(org: OrganizationSettings, shared: unknown, path: string): void {
  // Both were kind-checked as lookup rules by the schema.
  const rules = (org.lookupByAttributes ?? shared ?? []) as readonly { userField: string }[];
  if (org.emailVerified === true || !rules.some((rule) => rule.userField === 'email')) return;
  throw new ConfigError(Object.hasOwn(org, 'lookupByAttributes') ? `${path}.lookupByAttributes` : `${path}.emailVerified`, 'looking users up by email needs emailVerified: true (the organization vouches for its e-mail addresses)');
}
