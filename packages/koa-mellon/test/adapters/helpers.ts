import { NAMEID_FORMAT } from '@koa-mellon/saml';
import type { IdpContext, IdpSettings, MellonAttributes, UserStore } from '../../src/adapters/types.js';
import { createMemoryStore } from '@koa-mellon/web';
import { createStateUserStore } from '../../src/users/state-user-store.js';

export const ISSUER = 'https://idp.example.com/metadata';
export const CLASS_PASSWORD = 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport';
export const CLASS_MFA = 'https://refeds.org/profile/mfa';

/** django-mellon's defaults (app_settings.py), as IdpSettings. */
export const DEFAULT_SETTINGS: IdpSettings = {
  entityId: ISSUER,
  realm: 'saml',
  provision: true,
  usernameTemplate: '{attributes[name_id_content]}@{realm}',
  attributeMapping: {},
  attributeMappingDefaults: false,
  useNameIdForEmail: false,
  superuserMapping: {},
  authnClassRef: [],
  groupAttribute: undefined,
  createGroup: true,
  transientFederationAttribute: undefined,
  lookupByAttributes: [],
};

export function memoryUsers(): UserStore {
  return createStateUserStore(createMemoryStore().namespace('sp-users'));
}

export function idpContext(overrides: Partial<IdpSettings> = {}, users: UserStore = memoryUsers()): IdpContext {
  return { ...DEFAULT_SETTINGS, ...overrides, users };
}

/**
 * saml_attributes as the ACS builds them (null prototype, facts as strings): a persistent NameID
 * `abc` from ISSUER unless `facts` says otherwise.
 */
export function samlAttributes(
  attributes: Readonly<Record<string, readonly string[]>> = {},
  facts: Readonly<Record<string, string | undefined>> = {},
): MellonAttributes {
  const out: Record<string, string | readonly string[] | undefined> = Object.create(null);
  for (const [name, values] of Object.entries(attributes)) out[name] = values;
  Object.assign(out, {
    issuer: ISSUER,
    name_id_content: 'abc',
    name_id_format: NAMEID_FORMAT.persistent,
    authn_instant: '2026-01-01T00:00:00.000Z',
    authn_context_class_ref: CLASS_PASSWORD,
    session_index: '_s1',
    ...facts,
  });
  return out;
}

/** Counts `save` calls, so a test can see "saved once" and "not saved when unchanged". */
export function countingSaves(users: UserStore): { users: UserStore; saves: () => number } {
  let count = 0;
  const wrapped: UserStore = {
    findById: (id) => users.findById(id),
    findByUsername: (username) => users.findByUsername(username),
    findByField: (field, value, options) => users.findByField(field, value, options),
    findByFederation: (issuer, nameId) => users.findByFederation(issuer, nameId),
    create: (username) => users.create(username),
    save: (user) => {
      count += 1;
      return users.save(user);
    },
    linkFederation: (user, issuer, nameId) => users.linkFederation(user, issuer, nameId),
    groupExists: (name) => users.groupExists(name),
    createGroup: (name) => users.createGroup(name),
  };
  return { users: wrapped, saves: () => count };
}
