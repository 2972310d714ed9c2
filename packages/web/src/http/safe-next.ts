/**
 * `next` and RelayState may only ever send the browser to a path of this site: `/x?y#z`. Refused
 * (falls back): absolute and scheme-relative URLs (`https:`, `//evil.com`), backslashes (`/\evil.com`
 * is `//evil.com` to browsers), control characters and non-ASCII, and encoded variants of those.
 */
export function safeNext(value: unknown, fallback: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 2048) return fallback;
  let decoded = value;
  try {
    // Decode repeatedly: %2F%2Fevil.com and %252F... must be seen for what they become.
    for (let i = 0; i < 3 && /%[0-9a-f]{2}/i.test(decoded); i++) decoded = decodeURIComponent(decoded);
  } catch {
    return fallback;
  }
  for (const candidate of [value, decoded]) {
    if (!candidate.startsWith('/') || candidate.startsWith('//')) return fallback;
    if (/[\\\u0000-\u001f\u007f-\uffff]/.test(candidate)) return fallback;
  }
  return value;
}
