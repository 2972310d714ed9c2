import { failWithDetail } from '../../../errors.js';
import type { AssertionParts } from '../read-assertion.js';

/**
 * The assertion must say who the user is: by its NameID, or, when it has none (saml-core §2.4.1
 * makes the subject identifier optional), by exactly one non-empty value of the attribute the
 * caller names. Guessing among several values could log in the wrong account.
 */
export function checkSubjectIdentified(parts: AssertionParts, subjectAttribute: string | undefined): void {
  if (parts.nameId) return;
  if (subjectAttribute === undefined) {
    failWithDetail('NAMEID_MISSING', 'assertion has no NameID and no subject attribute is configured (transientFederationAttribute)', {
      nameIdFormatReceived: '(no NameID)',
      subjectAttribute: '(not set)',
    });
  }
  const values = parts.attributes.filter((attribute) => attribute.name === subjectAttribute).flatMap((attribute) => attribute.values);
  if (values.length !== 1 || values[0] === '') {
    // The count only: the values are personal.
    failWithDetail('NAMEID_MISSING', `assertion has no NameID and ${values.length} values of its subject attribute ${subjectAttribute.slice(0, 80)}`, {
      nameIdFormatReceived: '(no NameID)',
      subjectAttribute,
      subjectAttributeValues: values.length === 1 ? 'one, empty' : String(values.length),
    });
  }
}
