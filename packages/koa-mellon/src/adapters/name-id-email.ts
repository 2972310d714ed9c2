import { NAMEID_FORMAT } from '@koa-mellon/saml';
import { singleString } from './read-attributes.js';
import type { MellonAttributes } from './types.js';

/**
 * `useNameIdForEmail`: when the NameID's format says it is an e-mail address (saml-core §8.3.2), it becomes
 * the last `email` candidate, so it fills the field only when no e-mail template (explicit or from the
 * defaults table) could be filled. Any other format leaves the mapping unchanged.
 */
export function withNameIdForEmail(
  mapping: Readonly<Record<string, string | readonly string[]>>,
  attributes: MellonAttributes,
): Readonly<Record<string, string | readonly string[]>> {
  if (singleString(attributes, 'name_id_format') !== NAMEID_FORMAT.emailAddress) return mapping;
  const own = Object.hasOwn(mapping, 'email') ? mapping['email'] : undefined;
  const templates = own === undefined ? [] : typeof own === 'string' ? [own] : own;
  return { ...mapping, email: [...templates, '{attributes[name_id_content]}'] };
}
