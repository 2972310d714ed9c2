import type { Context } from 'koa';
import {
  checkDestination,
  decodePostParameter,
  decodeRedirect,
  fail,
  findSignature,
  parseXml,
  readMessageHeader,
  verifyEnvelopedSignature,
  verifyRedirectSignature,
  type ParsedXml,
  type RedirectMessage,
} from '@koa-mellon/saml';
import type { IdpRuntime, SpMetadata } from '../runtime.js';
import type { IdpUser } from '../settings/types.js';

/** A logout message from an SP, as its binding carried it. */
export interface ReceivedLogout<U extends IdpUser = IdpUser> {
  readonly kind: 'LogoutRequest' | 'LogoutResponse';
  readonly parsed: ParsedXml;
  readonly relayState?: string | undefined;
  readonly redirect?: RedirectMessage | undefined;
  sp?: SpMetadata<U>;
}

/** HTTP-Redirect (raw query, for its signature) or HTTP-POST; one hardened parse. */
export function readLogoutMessage<U extends IdpUser>(ctx: Context, rt: IdpRuntime<U>, form: ReadonlyMap<string, string>): ReceivedLogout<U> {
  const maxBytes = rt.maxMessageBytes;
  if (ctx.method === 'GET') {
    const redirect = decodeRedirect(ctx.querystring, { maxBytes });
    const kind = redirect.parameter === 'SAMLRequest' ? 'LogoutRequest' : 'LogoutResponse';
    return { kind, parsed: parseXml(redirect.xml, { maxBytes }), relayState: redirect.relayState, redirect };
  }
  if (form.has('SAMLRequest') && form.has('SAMLResponse')) fail('BINDING_INVALID', 'both SAMLRequest and SAMLResponse');
  const parameter = form.has('SAMLRequest') ? 'SAMLRequest' : 'SAMLResponse';
  const xml = decodePostParameter(form.get(parameter), { maxBytes });
  return { kind: parameter === 'SAMLRequest' ? 'LogoutRequest' : 'LogoutResponse', parsed: parseXml(xml, { maxBytes }), relayState: form.get('RelayState') };
}

/** The configured SP named by the Issuer: only its metadata keys will be tried. */
export async function identifyLogoutSp<U extends IdpUser>(rt: IdpRuntime<U>, message: ReceivedLogout<U>): Promise<void> {
  const issuer = readMessageHeader(message.parsed.root, message.kind).issuer;
  if (issuer === undefined || issuer === '') fail('ENTITY_NOT_FOUND', 'logout message without Issuer');
  message.sp = await rt.spByEntityId(issuer);
}

/**
 * saml-profiles §4.4.3.1, §4.4.4.1: logout messages are signed (detached for Redirect, enveloped
 * for POST), with a key of the SP's metadata; unsigned ones are refused.
 */
export function verifyLogoutSignature<U extends IdpUser>(message: ReceivedLogout<U>): void {
  const keys = message.sp?.descriptor.signingKeys ?? [];
  if (message.redirect) {
    verifyRedirectSignature(message.redirect, keys);
    return;
  }
  const root = message.parsed.root;
  const signature = findSignature(root);
  if (!signature) fail('SIGNATURE_MISSING', 'logout message is not signed');
  verifyEnvelopedSignature(root, signature, { keys, ids: message.parsed.ids });
}

/** Destination is our SLO URL: required, since logout messages are signed (saml-bindings §3.4.5.2, §3.5.5.2). */
export function checkLogoutDestination<U extends IdpUser>(rt: IdpRuntime<U>, message: ReceivedLogout<U>): void {
  checkDestination(message.parsed.root, true, rt.urls.slo);
}
