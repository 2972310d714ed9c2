import { attribute, childrenNamed, optionalChild } from '../xml/select.js';
import { textOf } from '../xml/text.js';
import { isWebUrl, localized } from './read-extensions.js';
import type { ContactPerson, ContactType, LocalizedString, Organization } from './types.js';

/**
 * `<md:Organization>` and `<md:ContactPerson>` (saml-metadata §2.3.2.1, §2.3.2.2). Informational:
 * like mdui, a malformed value is dropped, never fatal.
 */

export function readOrganization(el: Element): Organization | undefined {
  const organization = optionalChild(el, 'md', 'Organization');
  if (!organization) return undefined;
  return {
    names: localizedChildren(organization, 'OrganizationName'),
    displayNames: localizedChildren(organization, 'OrganizationDisplayName'),
    urls: localizedChildren(organization, 'OrganizationURL').filter((url) => isWebUrl(url.value)),
  };
}

const CONTACT_TYPES: ReadonlySet<string> = new Set<ContactType>(['technical', 'support', 'administrative', 'billing', 'other']);
const isContactType = (value: string): value is ContactType => CONTACT_TYPES.has(value);

export function readContacts(el: Element): ContactPerson[] {
  const contacts: ContactPerson[] = [];
  for (const contact of childrenNamed(el, 'md', 'ContactPerson')) {
    const contactType = attribute(contact, 'contactType')?.trim() ?? '';
    if (!isContactType(contactType)) continue;
    const company = singleText(contact, 'Company');
    const givenName = singleText(contact, 'GivenName');
    const surName = singleText(contact, 'SurName');
    contacts.push({
      contactType,
      ...(company === undefined ? {} : { company }),
      ...(givenName === undefined ? {} : { givenName }),
      ...(surName === undefined ? {} : { surName }),
      emailAddresses: texts(contact, 'EmailAddress'),
      telephoneNumbers: texts(contact, 'TelephoneNumber'),
    });
  }
  return contacts;
}

function localizedChildren(el: Element, local: string): LocalizedString[] {
  return childrenNamed(el, 'md', local)
    .map((child) => localized(child, textOf(child).trim()))
    .filter((value) => value.value !== '');
}

function texts(el: Element, local: string): string[] {
  return childrenNamed(el, 'md', local)
    .map((child) => textOf(child).trim())
    .filter((value) => value !== '');
}

function singleText(el: Element, local: string): string | undefined {
  return texts(el, local)[0];
}
