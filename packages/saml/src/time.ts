import { failWithDetail, fail } from './errors.js';
import { trimXmlSpace } from './xml/text.js';

/** Returns the current time in ms since the epoch; inject a frozen one in tests. */
export type Clock = () => number;

export const systemClock: Clock = () => Date.now();

/** Default tolerated clock difference with peers: 3 minutes, as Shibboleth's `clockSkew`. */
export const DEFAULT_CLOCK_SKEW_SECONDS = 180;

// xs:dateTime as SAML uses it (saml-core §1.3.3): UTC, optional fraction, and a zone of "Z" or
// an explicit zero offset, which XML Schema defines as the same instant (real IdP output carries
// `+00:00`). Any other offset is refused.
const INSTANT = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?)(?:Z|[+-]00:00)$/;

/** Parses a SAML instant: UTC only, written `Z` or as a zero offset (`+00:00`, `-00:00`). */
export function parseInstant(value: string, what: string): number {
  const match = INSTANT.exec(trimXmlSpace(value));
  const ms = match ? Date.parse(`${match[1]}Z`) : Number.NaN;
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
  // The detail gives the operator the measured difference: how far our clock is off the window's edge.
  const detail = (edge: string, at: number) => ({ window: what, [edge]: new Date(at).toISOString(), now: new Date(now).toISOString(), clockSkewSeconds: String(skewSeconds), differenceSeconds: String(Math.round((now - at) / 1000)) });
  if (window.notBefore !== undefined && now + skew < window.notBefore) failWithDetail('ASSERTION_NOT_YET_VALID', `${what} not yet valid`, detail('notBefore', window.notBefore));
  if (window.notOnOrAfter !== undefined && now - skew >= window.notOnOrAfter) failWithDetail('ASSERTION_EXPIRED', `${what} expired`, detail('notOnOrAfter', window.notOnOrAfter));
}
