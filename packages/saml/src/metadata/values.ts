import { fail, MellonError } from '../errors.js';
import { parseInstant } from '../time.js';
import { attribute } from '../xml/select.js';

/** Simple-typed attribute values of metadata, each refused with METADATA_INVALID when malformed. */

/** xs:boolean (xmlschema-2 §3.2.2): `true`, `false`, `1`, `0`; absent gives `fallback`. */
export function readBoolean(el: Element, name: string, fallback: boolean): boolean {
  const value = attribute(el, name)?.trim();
  if (value === undefined) return fallback;
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  fail('METADATA_INVALID', `<${el.localName}> @${name} is not an xs:boolean`);
}

/** Like `readBoolean`, but tells an absent attribute apart (saml-metadata §2.2.3 isDefault). */
export function readOptionalBoolean(el: Element, name: string): boolean | undefined {
  return attribute(el, name) === undefined ? undefined : readBoolean(el, name, false);
}

/** A required, non-empty attribute. */
export function readRequired(el: Element, name: string): string {
  const value = attribute(el, name)?.trim();
  if (!value) fail('METADATA_INVALID', `<${el.localName}> lacks @${name}`);
  return value;
}

/** xs:unsignedShort, as IndexedEndpointType's `index` (saml-metadata §2.2.3). */
export function readUnsignedShort(el: Element, name: string): number {
  const value = readRequired(el, name);
  const n = /^\d{1,5}$/.test(value) ? Number(value) : Number.NaN;
  if (!(n >= 0 && n <= 65535)) fail('METADATA_INVALID', `<${el.localName}> @${name} is not an xs:unsignedShort`);
  return n;
}

/** A required non-negative integer attribute (mdui:Logo width and height, saml-metadata-ui §2.1.6). */
export function readDimension(el: Element, name: string): number {
  const value = readRequired(el, name);
  if (!/^\d{1,6}$/.test(value)) fail('METADATA_INVALID', `<${el.localName}> @${name} is not a positive integer`);
  return Number(value);
}

/** validUntil (saml-metadata §2.3.1): a SAML instant, UTC. */
export function readValidUntil(el: Element): Date | undefined {
  const value = attribute(el, 'validUntil');
  if (value === undefined) return undefined;
  try {
    return new Date(parseInstant(value, 'validUntil'));
  } catch (err) {
    throw new MellonError('METADATA_INVALID', `<${el.localName}> @validUntil is not a UTC xs:dateTime`, { cause: err });
  }
}

/** cacheDuration (saml-metadata §2.3.1), an xs:duration, in ms. */
export function readCacheDuration(el: Element): number | undefined {
  const value = attribute(el, 'cacheDuration');
  if (value === undefined) return undefined;
  const ms = parseDuration(value);
  if (ms === undefined) fail('METADATA_INVALID', `<${el.localName}> @cacheDuration is not a non-negative xs:duration`);
  return ms;
}

const DURATION = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;
const DAY = 86_400_000;

/**
 * A non-negative xs:duration (xmlschema-2 §3.2.6) in ms; undefined when malformed or negative.
 * Years count 365 days and months 30: a cache lifetime needs no calendar.
 */
export function parseDuration(value: string): number | undefined {
  const text = value.trim();
  const match = DURATION.exec(text);
  if (!match || text === 'P' || text.endsWith('T')) return undefined;
  const [, y, mo, d, h, mi, s] = match.map((part) => (part === undefined ? 0 : Number(part)));
  const ms = ((y ?? 0) * 365 + (mo ?? 0) * 30 + (d ?? 0)) * DAY + ((h ?? 0) * 3600 + (mi ?? 0) * 60 + (s ?? 0)) * 1000;
  return Number.isFinite(ms) ? Math.round(ms) : undefined;
}

/** The shortest xs:duration for a number of ms, in whole seconds: `PT3600S`. */
export function formatDuration(ms: number): string {
  return `PT${Math.max(0, Math.round(ms / 1000))}S`;
}

/**
 * An endpoint or logo URL. Only absolute http(s) URLs: metadata Locations become form actions and
 * redirect targets, and a `javascript:` one must never get that far.
 */
export function readUrl(el: Element, name: string): string {
  return checkUrl(readRequired(el, name), `<${el.localName}> @${name}`);
}

export function checkUrl(value: string, what: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) fail('METADATA_INVALID', `${what} is not an http(s) URL`);
  return value;
}

/** The earliest of several optional dates. */
export function earliest(...dates: ReadonlyArray<Date | undefined>): Date | undefined {
  let out: Date | undefined;
  for (const date of dates) if (date && (!out || date.getTime() < out.getTime())) out = date;
  return out;
}
