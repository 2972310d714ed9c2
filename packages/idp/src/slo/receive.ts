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
} from '@koa-mellon/saml';
import { readForm, readQuery } from '@koa-mellon/web';
import type { IdpUser } from '../settings/types.js';
import { need, type SloState } from './context.js';

/** The query, and the size-limited form of a POST (read once, before anything is decided). */
export async function readLogoutForm<U extends IdpUser>(state: SloState<U>): Promise<void> {
  const { ctx, rt } = state;
  state.query = readQuery(ctx);
  state.form = ctx.method === 'POST' ? await readForm(ctx, rt.maxMessageBytes, { timeoutMs: rt.bodyTimeoutMs }) : new Map<string, string>();
}

/** HTTP-Redirect (raw query, for its signature) or HTTP-POST; one hardened parse. */
export function readLogoutMessage<U extends IdpUser>(state: SloState<U>): void {
  const { ctx, rt } = state;
  const maxBytes = rt.maxMessageBytes;
  if (ctx.method === 'GET') {
    const redirect = decodeRedirect(ctx.querystring, { maxBytes });
    const kind = redirect.parameter === 'SAMLRequest' ? 'LogoutRequest' : 'LogoutResponse';
    state.trace.message(kind, redirect.xml);
    state.message = { kind, parsed: parseXml(redirect.xml, { maxBytes }), relayState: redirect.relayState, redirect };
    return;
  }
  const form = need(state, 'form');
  if (form.has('SAMLRequest') && form.has('SAMLResponse')) fail('BINDING_INVALID', 'both SAMLRequest and SAMLResponse');
  const parameter = form.has('SAMLRequest') ? 'SAMLRequest' : 'SAMLResponse';
  const xml = decodePostParameter(form.get(parameter), { maxBytes });
  const kind = parameter === 'SAMLRequest' ? 'LogoutRequest' : 'LogoutResponse';
  state.trace.message(kind, xml);
  state.message = { kind, parsed: parseXml(xml, { maxBytes }), relayState: form.get('RelayState') };
}

/** The configured SP named by the Issuer: only its metadata keys will be tried. */
export async function identifyLogoutSp<U extends IdpUser>(state: SloState<U>): Promise<void> {
  const message = need(state, 'message');
  const issuer = readMessageHeader(message.parsed.root, message.kind).issuer;
  if (issuer === undefined || issuer === '') fail('ENTITY_NOT_FOUND', 'logout message without Issuer');
  message.sp = await state.rt.spByEntityId(issuer);
  state.trace.peer(message.sp.entity.entityId);
}

/**
 * saml-profiles §4.4.3.1, §4.4.4.1: logout messages are signed (detached for Redirect, enveloped
 * for POST and SOAP), with a key of the SP's metadata; unsigned ones are refused.
 */
export function verifyLogoutSignature<U extends IdpUser>(state: SloState<U>): void {
  const message = need(state, 'message');
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
export function checkLogoutDestination<U extends IdpUser>(state: SloState<U>): void {
  checkDestination(need(state, 'message').parsed.root, true, state.rt.urls.slo);
}
