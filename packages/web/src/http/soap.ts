import type { Context } from 'koa';
import { STATUS, buildSoapEnvelope, buildSoapFault, serializeXml, type MellonErrorCode, type StatusInput } from '@koa-mellon/saml';

/** Our own failures: the sender may try again later. */
const OURS: ReadonlySet<MellonErrorCode> = new Set(['INTERNAL_ERROR', 'STORE_UNAVAILABLE', 'METADATA_UNAVAILABLE']);
/** A message that is not a SAML message in a SOAP envelope. */
const UNREADABLE: ReadonlySet<MellonErrorCode> = new Set(['INPUT_TOO_LARGE', 'MESSAGE_INVALID', 'MESSAGE_TYPE_UNEXPECTED', 'VERSION_UNSUPPORTED']);

/** A SOAP POST (saml-bindings §3.2.3.1: text/xml; SOAP 1.2's type too): the back-channel, no browser. */
export function isSoapRequest(ctx: Context): boolean {
  return ctx.method === 'POST' && Boolean(ctx.is('text/xml', 'application/soap+xml'));
}

/**
 * How a SOAP endpoint (artifact resolution, back-channel logout) says no before it trusts the
 * sender (saml-bindings §3.2.3.3): 403 when it refuses the sender (unknown, unsigned, bad
 * signature, the exchange is off), 500 with a SOAP fault when the message cannot be processed as
 * SOAP and SAML, or when we failed. The fault string is the error code, nothing from the wire.
 * Once the sender is verified, a SAML error status in a 200 answer is the right reply instead.
 */
export function sendSoapFault(ctx: Context, code: MellonErrorCode): void {
  const ours = OURS.has(code);
  const unreadable = UNREADABLE.has(code) || code.startsWith('XML_');
  ctx.status = ours || unreadable ? 500 : 403;
  ctx.type = 'text/xml';
  ctx.set('Cache-Control', 'no-store');
  ctx.body = serializeXml(buildSoapFault(ours ? 'Server' : 'Client', code));
}

/** Our SAML message (already signed) as the SOAP answer (saml-bindings §3.2.3.3: 200). */
export function sendSoapMessage(ctx: Context, message: Document): void {
  ctx.set('Cache-Control', 'no-store');
  ctx.type = 'text/xml';
  ctx.body = serializeXml(buildSoapEnvelope(message.documentElement));
}

/** The status of a refusal once the sender is verified: Responder for our failures, else Requester; the message is the code. */
export function soapErrorStatus(code: MellonErrorCode): StatusInput {
  return { codes: [OURS.has(code) ? STATUS.responder : STATUS.requester], message: code };
}
