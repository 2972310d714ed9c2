import { X509Certificate, type KeyObject } from 'node:crypto';
import { EXPIRY_WARNING_DAYS, type Report } from './report.js';

const DAY_MS = 86_400_000;

/** `RSA 2048`, `EC prime256v1`, `ED25519`. */
export function describeKey(key: KeyObject): string {
  const details = key.asymmetricKeyDetails;
  if (key.asymmetricKeyType === 'rsa' || key.asymmetricKeyType === 'rsa-pss') return `RSA ${details?.modulusLength ?? '?'}`;
  if (key.asymmetricKeyType === 'ec') return `EC ${details?.namedCurve ?? '?'}`;
  return (key.asymmetricKeyType ?? 'unknown').toUpperCase();
}

/**
 * One line for a certificate (key, subject, expiry) and a warning when it expires within
 * EXPIRY_WARNING_DAYS or has expired. SAML trusts the key metadata publishes, not the dates, so
 * an expired certificate still verifies; but peers that do check dates will refuse it, and an
 * expiry is when IdPs roll keys over.
 */
export function reportCertificate(report: Report, indent: number, certificate: X509Certificate, now: number): void {
  const expires = Date.parse(certificate.validTo);
  const days = Math.floor((expires - now) / DAY_MS);
  const subject = certificate.subject.split('\n').join(', ');
  const when = Number.isNaN(expires) ? certificate.validTo : new Date(expires).toISOString().slice(0, 10);
  const left = days < 0 ? `expired ${-days} days ago` : `in ${days} days`;
  report.line(indent, `${describeKey(certificate.publicKey)}, ${subject}, expires ${when} (${left})`);
  if (days < 0) report.warning(indent + 1, `this certificate expired on ${when}`);
  else if (days < EXPIRY_WARNING_DAYS) report.warning(indent + 1, `this certificate expires in ${days} days: plan the key rollover`);
}

/** A certificate from the base64 DER that metadata and SpKeys carry. */
export function certificateFromBase64(der: string): X509Certificate {
  return new X509Certificate(Buffer.from(der, 'base64'));
}
