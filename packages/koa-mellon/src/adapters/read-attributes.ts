import type { MellonAttributes } from './types.js';

/**
 * The values of one attribute as a list: SAML attributes are lists, the login facts
 * (`issuer`, `name_id_content`, ...) single strings. Own properties only, so a rule naming
 * `__proto__` or `constructor` reads nothing.
 */
export function attributeValues(attributes: MellonAttributes, name: string): readonly string[] {
  const value = Object.hasOwn(attributes, name) ? attributes[name] : undefined;
  if (value === undefined) return [];
  return typeof value === 'string' ? [value] : value;
}

/** A login fact (`issuer`, `name_id_format`, ...): a non-empty string, or undefined. */
export function singleString(attributes: MellonAttributes, name: string): string | undefined {
  const value = Object.hasOwn(attributes, name) ? attributes[name] : undefined;
  return typeof value === 'string' && value !== '' ? value : undefined;
}
