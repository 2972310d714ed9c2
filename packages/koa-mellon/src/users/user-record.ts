import { MellonError } from '@koa-mellon/saml';
import type { User } from '../adapters/types.js';

/**
 * How a user is kept in the state store: a plain JSON object (stored as JSON text),
 * read back through a shape check so a damaged or foreign record is an error, not a half user.
 */
export interface UserRecord {
  readonly id: string;
  readonly username: string;
  readonly isActive: boolean;
  readonly isSuperuser: boolean;
  readonly isStaff: boolean;
  readonly groups: readonly string[];
  readonly fields: Readonly<Record<string, string>>;
}

export function toRecord(user: User): UserRecord {
  return {
    id: user.id,
    username: user.username,
    isActive: user.isActive,
    isSuperuser: user.isSuperuser,
    isStaff: user.isStaff,
    groups: [...user.groups],
    fields: Object.fromEntries(Object.entries(user.fields).filter(([, value]) => typeof value === 'string')),
  };
}

/** A fresh, mutable User from a stored record: callers change it freely until they `save`. */
export function fromRecord(data: unknown, id: string): User {
  if (!isRecord(data) || data.id !== id) {
    throw new MellonError('STORE_UNAVAILABLE', 'user store: malformed user record');
  }
  return {
    id: data.id,
    username: data.username,
    isActive: data.isActive,
    isSuperuser: data.isSuperuser,
    isStaff: data.isStaff,
    groups: [...data.groups],
    // fromEntries defines own properties: a stored `__proto__` key stays a plain field.
    fields: Object.fromEntries(Object.entries(data.fields)),
  };
}

function isRecord(data: unknown): data is UserRecord {
  if (typeof data !== 'object' || data === null) return false;
  // Narrowed to a non-null object; each property is type-checked below before use.
  const r = data as Record<string, unknown>;
  return (
    typeof r['id'] === 'string' &&
    typeof r['username'] === 'string' &&
    typeof r['isActive'] === 'boolean' &&
    typeof r['isSuperuser'] === 'boolean' &&
    typeof r['isStaff'] === 'boolean' &&
    Array.isArray(r['groups']) &&
    r['groups'].every((group) => typeof group === 'string') &&
    typeof r['fields'] === 'object' &&
    r['fields'] !== null &&
    Object.values(r['fields']).every((value) => typeof value === 'string')
  );
}

/** The (field, value) pairs `findByField` can find this user by: its username and every field. */
export function indexedValues(user: UserRecord): Array<readonly [string, string]> {
  const entries: Array<readonly [string, string]> = [['username', user.username]];
  for (const [field, value] of Object.entries(user.fields)) {
    // `username` names the account's username in findByField; a field of that name is not indexed.
    if (field !== 'username') entries.push([field, value]);
  }
  return entries;
}

/**
 * ignoreCase folding: plain `toLowerCase()` (locale-independent), like a database's LOWER(). No
 * Unicode normalisation: folding look-alikes together would let an IdP user claim an account
 * whose field merely looks like theirs.
 */
export function foldCase(value: string): string {
  return value.toLowerCase();
}
