import { ATTRNAME_FORMAT, type ResponseAttribute } from '@koa-mellon/saml';
import type { AttributeRelease, IdpUser, ServiceProviderInfo } from './settings/types.js';

/**
 * Attribute release (what djangosaml2idp's `attribute_mapping` does), keyed by the SAML Name the
 * SP receives. Values become strings; null, undefined and empty lists release nothing, so an
 * attribute the user lacks is left out rather than sent empty.
 */
export async function releaseAttributes<U extends IdpUser>(release: AttributeRelease<U> | undefined, user: U, sp: ServiceProviderInfo): Promise<ResponseAttribute[]> {
  const out: ResponseAttribute[] = [];
  for (const [name, source] of Object.entries(release ?? {})) {
    const spec = typeof source === 'string' ? { field: source } : source;
    const values = spec.value ? toStrings(await spec.value(user, sp)) : readField(user, spec.field ?? name);
    if (values.length === 0) continue;
    out.push({ name, nameFormat: spec.nameFormat ?? defaultNameFormat(name), friendlyName: spec.friendlyName, values });
  }
  return out;
}

/**
 * A user field's values as strings. Field names come from the settings, never from the wire; a
 * getter on the prototype (ORM models) counts, a method does not (functions release nothing).
 */
export function readField(user: IdpUser, field: string): string[] {
  return field in user ? toStrings(Reflect.get(user, field)) : [];
}

function toStrings(value: unknown): string[] {
  const list: readonly unknown[] = Array.isArray(value) ? value : [value];
  const out: string[] = [];
  for (const item of list) {
    if (typeof item === 'string') out.push(item);
    else if (typeof item === 'number' || typeof item === 'boolean') out.push(String(item));
    else if (item instanceof Date) out.push(item.toISOString());
  }
  return out;
}

/** saml-core §8.2: URI names (urn:oid:…, https://…) say so; plain names are `basic`. */
function defaultNameFormat(name: string): string {
  return /^(urn:|https?:\/\/)/i.test(name) ? ATTRNAME_FORMAT.uri : ATTRNAME_FORMAT.basic;
}
