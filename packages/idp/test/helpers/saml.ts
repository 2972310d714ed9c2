import { decodeRedirect, parseXml, type ParsedXml } from '@koa-mellon/saml';
import type { Browser } from './browser.js';

/** The last SAMLResponse this browser posted (decoded XML). */
export function lastPostedResponse(browser: Browser): string {
  const post = [...browser.posts].reverse().find((p) => p.form.has('SAMLResponse'));
  if (!post) throw new Error('no SAMLResponse was posted');
  return Buffer.from(post.form.get('SAMLResponse') ?? '', 'base64').toString('utf8');
}

/** The SAML message of a Redirect-binding URL. */
export function redirectMessage(url: string): { xml: string; parsed: ParsedXml; relayState?: string | undefined; signed: boolean } {
  const message = decodeRedirect(new URL(url).search.slice(1));
  return { xml: message.xml, parsed: parseXml(message.xml), relayState: message.relayState, signed: message.signature !== undefined };
}

/** The `next` the IdP gave the app's login page. */
export function nextOf(loginPageUrl: string): string {
  const next = new URL(loginPageUrl).searchParams.get('next');
  if (!next) throw new Error(`no next in ${loginPageUrl}`);
  return next;
}
