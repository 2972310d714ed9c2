import type { Context } from 'koa';
import { fail } from '@koa-mellon/saml';

/**
 * The CSRF defence of the identity-first form's POST: it must come from a page of our own origin.
 * Fetch Metadata first (`Sec-Fetch-Site: same-origin`, sent by every current browser), the Origin
 * header (or Referer) when a browser sends no Fetch Metadata; a POST carrying neither is refused.
 * Stateless on purpose: no cookie is set for an anonymous visitor, and any instance can check it.
 */
export function checkSameOrigin(ctx: Context, origin: string): void {
  const site = ctx.get('sec-fetch-site');
  if (site === 'same-origin') return;
  if (site !== '') fail('CSRF_CROSS_SITE', `Sec-Fetch-Site: ${site === 'cross-site' || site === 'same-site' || site === 'none' ? site : 'other'}`);
  if ((ctx.get('origin') || originOf(ctx.get('referer'))) !== origin) fail('CSRF_CROSS_SITE', 'Origin/Referer missing or another origin');
}

function originOf(referer: string): string {
  try {
    return referer === '' ? '' : new URL(referer).origin;
  } catch {
    return '';
  }
}
