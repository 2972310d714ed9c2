/**
 * The domain of an e-mail address a user typed, lower-cased, or undefined when it is not one. Only
 * routes the user to an organization: the IdP proves who they are, so nothing here is trusted.
 * RFC 5321 §4.5.3.1: at most 254 characters; the domain as `emailDomains` spells them (ASCII, a dot).
 */
export function emailDomainOf(input: string | undefined): string | undefined {
  if (input === undefined) return undefined;
  const email = input.trim().toLowerCase();
  if (email.length > 254) return undefined;
  const at = email.lastIndexOf('@');
  if (at < 1) return undefined;
  const local = email.slice(0, at);
  const domain = email.slice(at + 1).replace(/\.$/, '');
  if (/[\s@<>"\\]/.test(local) || !/^[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?\.[a-z0-9-]+$/.test(domain) || domain.includes('..')) return undefined;
  return domain;
}
