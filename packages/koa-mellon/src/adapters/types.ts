import type { MellonErrorCode } from '@koa-mellon/saml';
import { MellonError } from '@koa-mellon/saml';

/**
 * The attributes an adapter sees, as django-mellon builds them: every SAML attribute by Name with
 * its list of values, plus the login's own facts under fixed keys (strings, not lists):
 * `issuer`, `name_id_content`, `name_id_format`, `name_id_name_qualifier`,
 * `name_id_sp_name_qualifier`, `authn_instant`, `session_not_on_or_after`,
 * `authn_context_class_ref`, `session_index`. A null-prototype object.
 */
export type MellonAttributes = Readonly<Record<string, string | readonly string[] | undefined>>;

/** The per-IdP view of the settings that adapters read (django-mellon's `idp` dict). */
export interface IdpSettings {
  readonly entityId: string;
  readonly realm: string;
  readonly provision: boolean;
  /** Python `str.format` template, e.g. `{attributes[name_id_content]}@{realm}`. */
  readonly usernameTemplate: string;
  /** User field → template, or a list of templates tried in order. */
  readonly attributeMapping: Readonly<Record<string, string | readonly string[]>>;
  /** The built-in table under `attributeMapping` (DEFAULT_ATTRIBUTE_MAPPING; explicit fields win). */
  readonly attributeMappingDefaults: boolean;
  /** An emailAddress NameID fills `email` when no e-mail template could be filled. */
  readonly useNameIdForEmail: boolean;
  /** SAML attribute → values that make the user a superuser (and staff). */
  readonly superuserMapping: Readonly<Record<string, readonly string[]>>;
  /** Accepted AuthnContextClassRef values; empty accepts any. */
  readonly authnClassRef: readonly string[];
  /** One attribute, or several of which the first present is used. */
  readonly groupAttribute?: string | readonly string[] | undefined;
  readonly createGroup: boolean;
  /** For transient NameIDs: the attribute holding a stable identifier; without it, no login. */
  readonly transientFederationAttribute?: string | undefined;
  /** The NameID format asked for in AuthnRequests, and those listed in our metadata (shown when a login is refused for its NameID). */
  readonly nameIdPolicyFormat?: string | undefined;
  readonly nameIdFormats?: readonly string[] | undefined;
  readonly lookupByAttributes: readonly LookupByAttributeRule[];
}

/** django-mellon's LOOKUP_BY_ATTRIBUTES entry. */
export interface LookupByAttributeRule {
  readonly userField: string;
  readonly samlAttribute: string;
  readonly ignoreCase?: boolean | undefined;
}

/** A user as koa-mellon's stores keep one. Apps with an ORM map theirs onto it (docs/adapters.md). */
export interface User {
  readonly id: string;
  username: string;
  isActive: boolean;
  isSuperuser: boolean;
  isStaff: boolean;
  groups: string[];
  /** Fields filled by attributeMapping (email, firstName, ...). */
  fields: Record<string, string>;
}

/**
 * Where users live. The default is on the state store (`createStateUserStore`); an app plugs its own ORM by
 * implementing this.
 */
export interface UserStore {
  findById(id: string): Promise<User | undefined>;
  findByUsername(username: string): Promise<User | undefined>;
  /** Users whose `field` (a key of `fields`, or `username`) equals `value`. */
  findByField(field: string, value: string, options?: { ignoreCase?: boolean }): Promise<User[]>;
  /** The user linked to this federated identity (issuer + NameID), if any. */
  findByFederation(issuer: string, nameId: string): Promise<User | undefined>;
  create(username: string): Promise<User>;
  save(user: User): Promise<void>;
  linkFederation(user: User, issuer: string, nameId: string): Promise<void>;
  groupExists(name: string): Promise<boolean>;
  createGroup(name: string): Promise<void>;
}

/**
 * The `idp` argument of every adapter method: the IdP's effective settings (django-mellon's `idp`
 * dict) and the user store.
 */
export interface IdpContext extends IdpSettings {
  readonly users: UserStore;
}

/**
 * One link of the adapter chain (django-mellon's adapters). Every method is optional:
 * - `authorize`: returning `false` refuses the login; throwing `PermissionDenied` shows its message.
 * - `lookupUser`: the first adapter returning a user wins.
 * - `provision`: runs on every adapter, in order, after the user is found.
 */
export interface Adapter {
  authorize?(idp: IdpContext, attributes: MellonAttributes): boolean | void | Promise<boolean | void>;
  lookupUser?(idp: IdpContext, attributes: MellonAttributes): User | null | undefined | Promise<User | null | undefined>;
  provision?(user: User, idp: IdpContext, attributes: MellonAttributes): void | Promise<void>;
}

/** An adapter class (instantiated once per `createMellon`) or an instance. */
export type AdapterSpec = Adapter | (new () => Adapter);

/** Thrown by an adapter to refuse a login with a message shown to the user. */
export class PermissionDenied extends MellonError {
  override readonly name = 'PermissionDenied';
  /** Shown to the user as is: never put wire data in it. */
  readonly publicMessage: string;
  /**
   * `reason`, when given, is for the operator's log only (the message), `detail` for the login's
   * trace (MellonError.detail); the user sees `publicMessage`.
   */
  constructor(publicMessage = 'You are not allowed to sign in to this application.', reason?: string, detail?: Readonly<Record<string, string>>) {
    super('PERMISSION_DENIED' satisfies MellonErrorCode, reason === undefined ? publicMessage : `${publicMessage} ${reason}`, detail ? { detail } : undefined);
    this.publicMessage = publicMessage;
  }
}
