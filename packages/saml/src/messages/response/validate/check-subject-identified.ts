import { fail } from '../../../errors.js';
import type { AssertionParts } from '../read-assertion.js';

/**
 * The assertion must say who the user is: by its NameID, or, when it has none (saml-core §2.4.1
 * makes the subject identifier optional), by exactly one non-empty value of the attribute the
 * caller names. Guessing among several values could log in the wrong account.
 */
export function checkSubjectIdentified(parts: AssertionParts, subjectAttribute: string | undefined): void {
  if (parts.nameId) return;
  if (subjectAttribute === undefined) fail('NAMEID_MISSING', 'assertion has no NameID and no subject attribute is configured (transientFederationAttribute)');
  const values = parts.attributes.filter((attribute) => attribute.name === subjectAttribute).flatMap((attribute) => attribute.values);
  if (values.length !== 1 || values[0] === '') {
    fail('NAMEID_MISSING', `assertion has no NameID and ${values.length} values of its subject attribute ${subjectAttribute.slice(0, 80)}`);
  }
}
