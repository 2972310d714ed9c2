import { createHash } from 'node:crypto';
import { decodeBase64 } from '../base64.js';
import { fail } from '../errors.js';
import { DEFAULT_MAX_BYTES } from '../xml/parse.js';
import type { SamlParameter } from './redirect.js';

/** The inline script of the auto-submit page; its hash goes into a CSP `script-src`. */
const SUBMIT_SCRIPT = 'document.forms[0].submit();';
export const POST_FORM_SCRIPT_HASH = `'sha256-${createHash('sha256').update(SUBMIT_SCRIPT).digest('base64')}'`;

/**
 * The Content-Security-Policy of the auto-submit page: nothing loads, only the hash-pinned submit
 * script runs, no `<base>`, no framing.
 *
 * It has no `form-action`, on purpose. That directive stops injected markup from posting a form
 * elsewhere; this page has no injectable markup (we build the one form, every value escaped, no
 * other script can run). And Chromium applies `form-action` to every redirect that answers the
 * POST as well: the receiving endpoint (a metadata-registered peer) may answer with a 302/303 to
 * another origin — node-saml answers a LogoutRequest with a Redirect-binding LogoutResponse back to
 * the IdP, an SP sends the browser on to its app — and a list of origins we cannot know would block
 * that navigation and leave single logout unfinished. The form data goes only to the action we
 * chose; where it sends the browser next is the peer's decision, as with any link.
 */
export function postFormCsp(): string {
  return `default-src 'none'; script-src ${POST_FORM_SCRIPT_HASH}; base-uri 'none'; frame-ancestors 'none'`;
}

/**
 * HTTP-POST binding (saml-bindings §3.5.4): an HTML page whose form posts the base64 message (and
 * RelayState) to `url`, submitted by a hash-pinned inline script, with a button when scripts are
 * off. Every value is HTML-escaped.
 */
export function encodePostForm(options: { url: string; parameter: SamlParameter; xml: string; relayState?: string | undefined }): string {
  const payload = Buffer.from(options.xml, 'utf8').toString('base64');
  const relay = options.relayState === undefined ? '' : `<input type="hidden" name="RelayState" value="${escapeHtml(options.relayState)}">`;
  return (
    '<!DOCTYPE html><html><head><meta charset="utf-8"><title>Continue</title></head><body>' +
    `<form method="post" action="${escapeHtml(options.url)}">` +
    `<input type="hidden" name="${options.parameter}" value="${payload}">${relay}` +
    '<noscript><button type="submit">Continue</button></noscript></form>' +
    `<script>${SUBMIT_SCRIPT}</script></body></html>`
  );
}

/** Decodes a posted SAMLRequest / SAMLResponse value, refusing it before decoding when too large. */
export function decodePostParameter(value: unknown, options: { maxBytes?: number | undefined } = {}): string {
  if (typeof value !== 'string' || value === '') fail('BINDING_INVALID', 'missing or repeated SAML parameter');
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  // base64 inflates by 4/3; refuse before allocating anything for the decoded form.
  if (value.length > Math.ceil((maxBytes * 4) / 3) + 1024) fail('INPUT_TOO_LARGE', 'posted message too large');
  return decodeBase64(value).toString('utf8');
}

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
