import { UsernameTakenError } from '../users/errors.js';
import { provisionAttributes } from './attribute-mapping.js';
import { mappingWithDefaults } from './attribute-mapping-defaults.js';
import { federationIdentity, type FederationIdentity } from './federation.js';
import { provisionGroups } from './group-mapping.js';
import { lookupByAttributes } from './lookup-by-attributes.js';
import { USERNAME_TAKEN_MESSAGE } from './messages.js';
import { withNameIdForEmail } from './name-id-email.js';
import { singleString } from './read-attributes.js';
import { provisionSuperuser } from './superuser-mapping.js';
import { PermissionDenied, type Adapter, type IdpContext, type MellonAttributes, type User } from './types.js';
import { formatTemplate, parseTemplate, type CompiledTemplate, type TemplateValues } from './username-template.js';

/** Django's `User.username` max_length: django-mellon truncates the formatted username to it. */
export const USERNAME_MAX_LENGTH = 150;

/**
 * What django-mellon's `mellon.adapters.DefaultAdapter` does, setting by setting (docs/adapters.md):
 * AUTHN_CLASSREF in `authorize`; the federation link, TRANSIENT_FEDERATION_ATTRIBUTE,
 * LOOKUP_BY_ATTRIBUTES, PROVISION, REALM and USERNAME_TEMPLATE in `lookupUser`; ATTRIBUTE_MAPPING
 * (with our `attributeMappingDefaults` and `useNameIdForEmail`), SUPERUSER_MAPPING, GROUP_ATTRIBUTE and
 * CREATE_GROUP in `provision`. Each step is a method a
 * subclass may override, like django-mellon's hooks.
 * @example
 * class MyAdapter extends DefaultAdapter {
 *   override formatUsername(idp: IdpContext, attributes: MellonAttributes) {
 *     return super.formatUsername(idp, attributes)?.toLowerCase() ?? null;
 *   }
 * }
 */
export class DefaultAdapter implements Adapter {
  // Templates come from the settings, so this holds a handful of entries for the process lifetime.
  readonly #templates = new Map<string, CompiledTemplate>();

  /** AUTHN_CLASSREF: an empty list accepts any; otherwise the assertion's class must be listed. */
  authorize(idp: IdpContext, attributes: MellonAttributes): boolean {
    if (idp.authnClassRef.length === 0) return true;
    const given = singleString(attributes, 'authn_context_class_ref');
    return given !== undefined && idp.authnClassRef.includes(given);
  }

  /**
   * The user linked to this identity; else the one LOOKUP_BY_ATTRIBUTES finds (then linked);
   * else, with PROVISION, a new user named by USERNAME_TEMPLATE (then linked). The link is what
   * later logins use, so changing the template never orphans an account.
   */
  async lookupUser(idp: IdpContext, attributes: MellonAttributes): Promise<User | null> {
    const identity = federationIdentity(idp, attributes);
    if (identity === null) return null;
    const linked = await idp.users.findByFederation(identity.issuer, identity.nameId);
    if (linked !== undefined) return linked;
    const matched = await this.lookupByAttributes(idp, attributes);
    if (matched !== null) {
      await idp.users.linkFederation(matched, identity.issuer, identity.nameId);
      return matched;
    }
    if (!idp.provision) return null;
    return this.createUser(idp, attributes, identity);
  }

  /** Runs the three provisioning steps, then saves the user once if anything changed. */
  async provision(user: User, idp: IdpContext, attributes: MellonAttributes): Promise<void> {
    let changed = this.provisionAttributes(user, idp, attributes);
    changed = this.provisionSuperuser(user, idp, attributes) || changed;
    changed = (await this.provisionGroups(user, idp, attributes)) || changed;
    if (changed) await idp.users.save(user);
  }

  /** USERNAME_TEMPLATE with REALM, truncated like Django's username field; null when it cannot be filled. */
  formatUsername(idp: IdpContext, attributes: MellonAttributes): string | null {
    const result = formatTemplate(this.compile(idp.usernameTemplate), this.templateValues(idp, attributes));
    if (!result.ok) return null;
    const username = Array.from(result.value).slice(0, USERNAME_MAX_LENGTH).join('');
    return username === '' ? null : username;
  }

  /**
   * Creates the user and links the identity to it. A username that already exists belongs to
   * someone else: taking it over would hand that account to this IdP user, so the login is
   * refused (django-mellon fails on the unique constraint). When a concurrent first login of the
   * same identity created it, that user is returned.
   */
  async createUser(idp: IdpContext, attributes: MellonAttributes, identity: FederationIdentity): Promise<User | null> {
    const username = this.formatUsername(idp, attributes);
    if (username === null) return null;
    let user: User;
    try {
      user = await idp.users.create(username);
    } catch (error) {
      if (!(error instanceof UsernameTakenError)) throw error;
      const raced = await idp.users.findByFederation(identity.issuer, identity.nameId);
      if (raced !== undefined) return raced;
      throw new PermissionDenied(USERNAME_TAKEN_MESSAGE);
    }
    await idp.users.linkFederation(user, identity.issuer, identity.nameId);
    return user;
  }

  lookupByAttributes(idp: IdpContext, attributes: MellonAttributes): Promise<User | null> {
    return lookupByAttributes(idp, attributes);
  }

  /** ATTRIBUTE_MAPPING, over the defaults table when `attributeMappingDefaults` is on, then `useNameIdForEmail`. */
  provisionAttributes(user: User, idp: IdpContext, attributes: MellonAttributes): boolean {
    const mapping = mappingWithDefaults(idp.attributeMapping, idp.attributeMappingDefaults);
    const withEmail = idp.useNameIdForEmail ? withNameIdForEmail(mapping, attributes) : mapping;
    return provisionAttributes(user, withEmail, this.templateValues(idp, attributes), (t) => this.compile(t));
  }

  provisionSuperuser(user: User, idp: IdpContext, attributes: MellonAttributes): boolean {
    return provisionSuperuser(user, idp, attributes);
  }

  provisionGroups(user: User, idp: IdpContext, attributes: MellonAttributes): Promise<boolean> {
    return provisionGroups(user, idp, attributes);
  }

  /** The names a template sees: `realm`, `attributes`, `idp` (docs/adapters.md#templates). */
  protected templateValues(idp: IdpContext, attributes: MellonAttributes): TemplateValues {
    return { realm: idp.realm, attributes, idp };
  }

  /** Settings validation has parsed every template at start-up; a bad one throws TemplateError here too. */
  protected compile(template: string): CompiledTemplate {
    let compiled = this.#templates.get(template);
    if (compiled === undefined) {
      compiled = parseTemplate(template);
      this.#templates.set(template, compiled);
    }
    return compiled;
  }
}
