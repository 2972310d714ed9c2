import type { KeyObject } from 'node:crypto';
import type { Context } from 'koa';
import { BINDING, encodePostForm, encodeRedirect, postFormCsp, serializeXml, signElement, type Endpoint, type SamlParameter } from '@koa-mellon/saml';

/**
 * STAND-IN for koa-mellon's `router/send.ts` (`sendSaml`), not exported yet. Sends a message to a
 * peer endpoint over its binding: HTTP-Redirect (signed query string) or HTTP-POST (enveloped
 * signature, auto-submitting form under a CSP that allows only that form).
 */
export interface Outgoing {
  readonly endpoint: Endpoint;
  readonly parameter: SamlParameter;
  readonly document: Document;
  readonly relayState?: string | undefined;
  readonly signingKey: KeyObject;
  readonly signatureAlgorithm?: string | undefined;
  /** Responses go to ResponseLocation when the endpoint has one (saml-metadata §2.2.2). */
  readonly isResponse?: boolean | undefined;
}

export function sendSaml(ctx: Context, out: Outgoing): void {
  const url = (out.isResponse && out.endpoint.responseLocation) || out.endpoint.location;
  ctx.set('Cache-Control', 'no-store');
  if (out.endpoint.binding === BINDING.redirect) {
    // saml-bindings §3.4.4.1: the signature travels in the query string, none inside the XML.
    ctx.redirect(encodeRedirect({ url, parameter: out.parameter, xml: serializeXml(out.document), relayState: out.relayState, signingKey: out.signingKey, signatureAlgorithm: out.signatureAlgorithm }));
    return;
  }
  signElement(out.document.documentElement, { privateKey: out.signingKey, signatureAlgorithm: out.signatureAlgorithm });
  ctx.set('Content-Security-Policy', postFormCsp(url));
  ctx.type = 'html';
  ctx.body = encodePostForm({ url, parameter: out.parameter, xml: serializeXml(out.document), relayState: out.relayState });
}
