import { expect } from 'chai';
import { decodeRedirect, parseXml, type ParsedXml } from '@koa-mellon/saml';
import type { Browser, Stop } from './browser.js';

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

/** Our error page with this code, and no SAML message sent to anyone. */
export function expectRefusal(stop: Stop, code: string): void {
  expect(stop.status).to.equal(400);
  expect(stop.body).to.include(`<code class="error-code">${code}</code>`);
  expect(stop.body).to.not.include('SAMLResponse');
  expect(stop.form).to.equal(undefined);
}

/** Flips one bit of the Signature parameter of a Redirect-binding URL (whatever its characters). */
export function breakSignature(url: string): string {
  const altered = url.replace(/([?&]Signature=)([^&]+)/, (_, head: string, value: string) => {
    const bytes = Buffer.from(decodeURIComponent(value), 'base64');
    bytes[10] = (bytes[10] ?? 0) ^ 1;
    return `${head}${encodeURIComponent(bytes.toString('base64'))}`;
  });
  if (altered === url) throw new Error('no Signature parameter to break');
  return altered;
}
