import type { UserStore } from '../adapters/types.js';

/**
 * The user store as one organization sees it: every federation link is keyed by the organization
 * as well as the provider id, so an organization that registers another organization's IdP
 * entityID reaches none of that organization's accounts. Users themselves stay in one store (the
 * session middleware finds them by id).
 */
export function scopeFederation(users: UserStore, slug: string, providerId: string | undefined): UserStore {
  // The issuer is the IdP's entityID, verified by then; providerId replaces it when configured.
  const scoped = (issuer: string) => JSON.stringify(['org', slug, providerId ?? issuer]);
  return {
    findById: (id) => users.findById(id),
    findByUsername: (username) => users.findByUsername(username),
    findByField: (field, value, options) => users.findByField(field, value, options),
    findByFederation: (issuer, nameId) => users.findByFederation(scoped(issuer), nameId),
    create: (username) => users.create(username),
    save: (user) => users.save(user),
    linkFederation: (user, issuer, nameId) => users.linkFederation(user, scoped(issuer), nameId),
    groupExists: (name) => users.groupExists(name),
    createGroup: (name) => users.createGroup(name),
  };
}
