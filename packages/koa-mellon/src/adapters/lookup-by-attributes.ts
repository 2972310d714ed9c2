import { AMBIGUOUS_ACCOUNT_MESSAGE } from './messages.js';
import { attributeValues } from './read-attributes.js';
import { PermissionDenied, type IdpContext, type MellonAttributes, type User } from './types.js';

/**
 * django-mellon's LOOKUP_BY_ATTRIBUTES: every rule, every value of its SAML attribute, looked up in
 * the user field; the matches of all rules are pooled (a rule OR the next). One user is the
 * answer; none is null.
 *
 * Several users: django-mellon logs "too many users found" and goes on as if none matched (so
 * PROVISION creates yet another account). We refuse instead: linking a federated identity is what
 * gives the IdP's user this account, and an ambiguous match is no basis for it.
 * @throws PermissionDenied when more than one user matches.
 */
export async function lookupByAttributes(idp: IdpContext, attributes: MellonAttributes): Promise<User | null> {
  const found = new Map<string, User>();
  for (const rule of idp.lookupByAttributes) {
    for (const value of new Set(attributeValues(attributes, rule.samlAttribute))) {
      // An empty value would match every account whose field is empty.
      if (value === '') continue;
      const users = await idp.users.findByField(rule.userField, value, { ignoreCase: rule.ignoreCase ?? false });
      for (const user of users) found.set(user.id, user);
    }
  }
  if (found.size > 1) throw new PermissionDenied(AMBIGUOUS_ACCOUNT_MESSAGE);
  const [user] = found.values();
  return user ?? null;
}
