import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context } from 'koa';
import { fail } from '@koa-mellon/saml';
import { COOKIE } from './cookies.js';

/** The custom request header a cookie-authenticated state-changing call must carry. */
export const CSRF_HEADER = 'x-csrf-token';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * A signed double-submit token (OWASP CSRF cheat sheet, "Signed Double-Submit Cookie"): a random
 * value and the HMAC of the session id and that value, so a cookie planted from a sibling
 * subdomain (cookie tossing) for another session does not verify.
 */
export function createCsrfToken(secret: string, sessionId: string): string {
  const random = randomBytes(16).toString('base64url');
  return `${random}.${mac(secret, sessionId, random)}`;
}

/**
 * The CSRF defence of a cookie-authenticated state-changing request (browser-based apps BCP,
 * "Cross-Site Request Forgery Protections"; OWASP): Fetch Metadata first (`Sec-Fetch-Site` must be
 * same-origin, or same-site from an allowed origin), with an Origin / Referer fallback when the
 * browser sends no Fetch Metadata; then the custom header (a cross-site form or simple request
 * cannot set it, and it forces a CORS preflight) carrying the token that must equal the CSRF cookie
 * (constant time) and verify for this session. SameSite=Strict is defence in depth only.
 */
export function checkCsrf(ctx: Context, options: { secret: string; sessionId: string; allowedOrigins: ReadonlySet<string> }): void {
  if (SAFE_METHODS.has(ctx.method)) return;
  checkSameSite(ctx, options.allowedOrigins);
  const header = ctx.get(CSRF_HEADER);
  if (header === '') fail('CSRF_HEADER_MISSING', `no ${CSRF_HEADER} header`);
  const cookie = ctx.cookies.get(COOKIE.csrf) ?? '';
  if (!equal(header, cookie)) fail('CSRF_TOKEN_INVALID', 'header and cookie differ');
  const [random = '', signature = ''] = header.split('.');
  if (!equal(signature, mac(options.secret, options.sessionId, random))) fail('CSRF_TOKEN_INVALID', 'token not signed for this session');
}

function checkSameSite(ctx: Context, allowedOrigins: ReadonlySet<string>): void {
  const site = ctx.get('sec-fetch-site');
  const origin = ctx.get('origin') || originOf(ctx.get('referer'));
  if (site === 'same-origin') return;
  if (site === 'same-site' && allowedOrigins.has(origin)) return;
  if (site !== '') fail('CSRF_CROSS_SITE', `Sec-Fetch-Site: ${site === 'cross-site' || site === 'none' ? site : 'other'}`);
  // No Fetch Metadata (an older browser): the Origin (or Referer) must be one we serve.
  if (!allowedOrigins.has(origin)) fail('CSRF_CROSS_SITE', 'Origin/Referer missing or not allowed');
}

function originOf(referer: string): string {
  try {
    return referer === '' ? '' : new URL(referer).origin;
  } catch {
    return '';
  }
}

function mac(secret: string, sessionId: string, random: string): string {
  return createHmac('sha256', secret).update(`koa-mellon-csrf\0${sessionId}\0${random}`).digest('base64url');
}

function equal(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
