import { attributeValues } from './read-attributes.js';
import type { IdpSettings, MellonAttributes, User } from './types.js';

/**
 * django-mellon's SUPERUSER_MAPPING: when any listed attribute carries any listed value, the user is
 * made staff and superuser; otherwise both flags are removed. The IdP is the authority both ways,
 * so a right withdrawn at the IdP is withdrawn here at the next login. No mapping: no change.
 * @returns whether a flag changed (the caller saves once).
 */
export function provisionSuperuser(user: User, idp: IdpSettings, attributes: MellonAttributes): boolean {
  const mapping = Object.entries(idp.superuserMapping);
  if (mapping.length === 0) return false;
  const granted = mapping.some(([name, wanted]) => attributeValues(attributes, name).some((value) => wanted.includes(value)));
  if (user.isSuperuser === granted && user.isStaff === granted) return false;
  user.isSuperuser = granted;
  user.isStaff = granted;
  return true;
}
