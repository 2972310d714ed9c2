import type { KeyObject } from 'node:crypto';
import type { Context } from 'koa';
import { BINDING, encodePostForm, encodeRedirect, postFormCsp, serializeXml, signElement, type Endpoint, type SamlParameter } from '@koa-mellon/saml';

export interface Outgoing {
  readonly endpoint: Endpoint;
  readonly parameter: SamlParameter;
  readonly document: Document;
  readonly relayState?: string | undefined;
  /** Signs (detached for Redirect, enveloped for POST) when given. */
  readonly signingKey?: KeyObject | undefined;
  readonly signatureAlgorithm?: string | undefined;
  /** Response messages go to ResponseLocation when the endpoint has one (saml-metadata §2.2.2). */
  readonly isResponse?: boolean;
}

/** Sends a SAML message to a peer endpoint over its binding: a 302 (Redirect) or an auto-post page. */
export function sendSaml(ctx: Context, out: Outgoing): void {
  const url = (out.isResponse && out.endpoint.responseLocation) || out.endpoint.location;
  ctx.set('Cache-Control', 'no-store');
  if (out.endpoint.binding === BINDING.redirect) {
    ctx.redirect(
      encodeRedirect({
        url,
        parameter: out.parameter,
        xml: serializeXml(out.document),
        relayState: out.relayState,
        signingKey: out.signingKey,
        signatureAlgorithm: out.signatureAlgorithm,
      }),
    );
    return;
  }
  if (out.signingKey) signElement(out.document.documentElement, { privateKey: out.signingKey, signatureAlgorithm: out.signatureAlgorithm });
  ctx.set('Content-Security-Policy', postFormCsp());
  ctx.type = 'html';
  ctx.body = encodePostForm({ url, parameter: out.parameter, xml: serializeXml(out.document), relayState: out.relayState });
}

/** The algorithm to sign with: the setting for RSA keys, ecdsa-sha256 for EC keys. */
export function signatureAlgorithmFor(key: KeyObject | undefined, setting: string): string | undefined {
  if (!key) return undefined;
  return key.asymmetricKeyType === 'ec' ? 'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256' : setting;
}
