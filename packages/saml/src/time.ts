import { fail } from './errors.js';

/** Returns the current time in ms since the epoch; inject a frozen one in tests. */
export type Clock = () => number;

export const systemClock: Clock = () => Date.now();

/** Default tolerated clock difference with peers: 3 minutes, as Shibboleth's `clockSkew`. */
export const DEFAULT_CLOCK_SKEW_SECONDS = 180;

// xs:dateTime as SAML uses it (saml-core §1.3.3): UTC, "Z" suffix, optional fraction.
const INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?Z$/;

/** Parses a SAML instant. Time zones other than `Z` are refused (saml-core §1.3.3: UTC, no offset). */
export function parseInstant(value: string, what: string): number {
  const match = INSTANT.exec(value.trim());
  const ms = match ? Date.parse(value.trim()) : Number.NaN;
  if (Number.isNaN(ms)) fail('MESSAGE_INVALID', `${what} is not a UTC xs:dateTime`);
  return ms;
}

/** Formats a SAML instant: UTC, millisecond precision dropped (peers like ADFS choke on fractions). */
export function formatInstant(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** The window [notBefore - skew, notOnOrAfter + skew) holds `now`; else a typed refusal. */
export function checkWindow(
  now: number,
  skewSeconds: number,
  window: { notBefore?: number | undefined; notOnOrAfter?: number | undefined },
  what: string,
): void {
  const skew = skewSeconds * 1000;
  if (window.notBefore !== undefined && now + skew < window.notBefore) fail('ASSERTION_NOT_YET_VALID', `${what} not yet valid`);
  if (window.notOnOrAfter !== undefined && now - skew >= window.notOnOrAfter) fail('ASSERTION_EXPIRED', `${what} expired`);
}
