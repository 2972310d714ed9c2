import type { Context } from 'koa';
import { fail } from '@koa-mellon/saml';

/**
 * Cookie names and attributes (OAuth browser-based apps BCP, "Cookie Security"): Secure,
 * HttpOnly, SameSite=Strict, no Domain. The access cookie is `__Host-` (Path=/, host-only). The
 * refresh cookie is sent only to the refresh and logout routes; a `__Host-` cookie must have
 * Path=/, so it is `__Secure-` (still Secure and without Domain). The CSRF cookie is the one the
 * front end's script reads (signed double-submit), so it is not HttpOnly.
 */
export const COOKIE = {
  access: '__Host-mellon-at',
  refresh: '__Secure-mellon-rt',
  csrf: '__Host-mellon-csrf',
} as const;

export interface TokenCookies {
  readonly accessToken: string;
  readonly accessExpiresAt: number;
  readonly refreshToken: string;
  readonly refreshExpiresAt: number;
  /** Set at login only: it stays the same for the family's whole life. */
  readonly csrfToken?: string | undefined;
  readonly csrfExpiresAt?: number | undefined;
}

/** The path the refresh cookie is sent to: the bridge's routes (refresh/ and logout/). */
export function refreshCookiePath(basePath: string): string {
  return `${basePath}/`;
}

/** Secure cookies cannot be set on a plain-http request (behind a proxy: `app.proxy` and X-Forwarded-Proto). */
export function requireSecure(ctx: Context): void {
  if (!ctx.secure) fail('TRANSPORT_INSECURE', 'token cookies need an https request');
}

export function setTokenCookies(ctx: Context, basePath: string, now: number, cookies: TokenCookies): void {
  requireSecure(ctx);
  const common = { secure: true, sameSite: 'strict', overwrite: true } as const;
  ctx.cookies.set(COOKIE.access, cookies.accessToken, { ...common, httpOnly: true, path: '/', maxAge: cookies.accessExpiresAt - now });
  ctx.cookies.set(COOKIE.refresh, cookies.refreshToken, { ...common, httpOnly: true, path: refreshCookiePath(basePath), maxAge: cookies.refreshExpiresAt - now });
  if (cookies.csrfToken !== undefined) ctx.cookies.set(COOKIE.csrf, cookies.csrfToken, { ...common, httpOnly: false, path: '/', maxAge: (cookies.csrfExpiresAt ?? cookies.refreshExpiresAt) - now });
}

export function clearTokenCookies(ctx: Context, basePath: string): void {
  requireSecure(ctx);
  const common = { secure: true, sameSite: 'strict', overwrite: true, expires: new Date(0) } as const;
  ctx.cookies.set(COOKIE.access, '', { ...common, httpOnly: true, path: '/' });
  ctx.cookies.set(COOKIE.refresh, '', { ...common, httpOnly: true, path: refreshCookiePath(basePath) });
  ctx.cookies.set(COOKIE.csrf, '', { ...common, httpOnly: false, path: '/' });
}
