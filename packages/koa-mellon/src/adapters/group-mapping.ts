import { attributeValues } from './read-attributes.js';
import type { IdpContext, MellonAttributes, User } from './types.js';

/**
 * django-mellon's GROUP_ATTRIBUTE and CREATE_GROUP: the user's groups become exactly the asserted
 * ones (groups no longer asserted are removed). Unknown groups are created when `createGroup` is
 * on, else skipped. When the assertion does not carry the attribute at all, the groups are left
 * alone, as django-mellon does. A list of attribute names uses the first one present, alone: the
 * values of two claims (Entra ID's groups and roles, say) are never pooled.
 * @returns whether the groups changed (the caller saves once).
 */
export async function provisionGroups(user: User, idp: IdpContext, attributes: MellonAttributes): Promise<boolean> {
  const names = typeof idp.groupAttribute === 'string' ? [idp.groupAttribute] : (idp.groupAttribute ?? []);
  const attribute = names.find((name) => Object.hasOwn(attributes, name) && attributes[name] !== undefined);
  if (attribute === undefined) return false;
  const groups: string[] = [];
  for (const name of new Set(attributeValues(attributes, attribute))) {
    if (!(await idp.users.groupExists(name))) {
      if (!idp.createGroup) continue;
      await idp.users.createGroup(name);
    }
    groups.push(name);
  }
  const before = new Set(user.groups);
  if (before.size === groups.length && groups.every((name) => before.has(name))) return false;
  user.groups = groups;
  return true;
}
