import { randomBytes } from 'node:crypto';

// Crockford's base32: no I, L, O or U, so a reference read aloud or typed from a screenshot is
// unambiguous; reading maps the look-alikes back (O→0, I/L→1).
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * A new trace reference: 8 symbols (40 random bits) written `K7Q2-9XMA`, short enough for a user
 * to read out from an error page, long enough that guessing one that exists is hopeless.
 */
export function createTraceReference(): string {
  const bytes = randomBytes(8);
  let out = '';
  for (let i = 0; i < 8; i++) out += ALPHABET[(bytes[i] as number) & 31];
  return `${out.slice(0, 4)}-${out.slice(4)}`;
}

/**
 * The canonical form of a reference as someone typed it (`k7q2 9xma`, `K7Q29XMA`, `K7Q2-9XMA`),
 * or undefined when it cannot be one.
 */
export function normalizeTraceReference(input: string): string | undefined {
  const symbols = input.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
  if (!/^[0-9A-HJKMNP-TV-Z]{8}$/.test(symbols)) return undefined;
  return `${symbols.slice(0, 4)}-${symbols.slice(4)}`;
}
