import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context } from 'koa';
import type { Runtime } from '../runtime.js';

/**
 * Binds an SP-initiated login to the browser that started it, against login CSRF (an attacker
 * making a victim's browser post the attacker's own fresh response). The IdP's POST to the ACS is
 * cross-site and carries no SameSite=Lax cookie, so the ACS validates, stashes the result and sends
 * the browser to a same-site GET (login/finish/), where this cookie is sent and checked
 * (django-allauth's design).
 */
export function bindBrowser(ctx: Context, rt: Runtime): string {
  const token = randomBytes(16).toString('hex');
  ctx.cookies.set(cookieName(rt), token, {
    signed: true,
    httpOnly: true,
    sameSite: 'lax',
    secure: rt.urls.base.protocol === 'https:',
    path: rt.urls.base.pathname,
    maxAge: 10 * 60 * 1000,
    overwrite: true,
  });
  return digest(token);
}

/** True when this browser holds the token whose digest the pending login recorded. */
export function isSameBrowser(ctx: Context, rt: Runtime, expectedDigest: string): boolean {
  const token = ctx.cookies.get(cookieName(rt), { signed: true });
  if (!token) return false;
  const actual = Buffer.from(digest(token), 'hex');
  const expected = Buffer.from(expectedDigest, 'hex');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

export function clearBinding(ctx: Context, rt: Runtime): void {
  ctx.cookies.set(cookieName(rt), null, { signed: true, path: rt.urls.base.pathname, overwrite: true });
}

function cookieName(rt: Runtime): string {
  return `${rt.sessions.cookieName}.login`;
}

function digest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
