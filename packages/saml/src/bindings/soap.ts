import type { KeyObject } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AlgorithmPolicy } from '../constants/algorithms.js';
import { fail, MellonError } from '../errors.js';
import { isLoopbackHost } from '../net.js';
import { buildDocument, serializeXml, x } from '../xml/build.js';
import { parseXml, type ParseLimits, type ParsedXml } from '../xml/parse.js';
import { elementChildren, isElement, requiredChild } from '../xml/select.js';
import { signElement, type SignOptions } from '../xmldsig/sign.js';
import { findSignature, verifyEnvelopedSignature } from '../xmldsig/verify.js';

/**
 * Builds a SOAP 1.1 envelope around one SAML message (saml-bindings §3.2.3). The message is an
 * element already built (and signed) in its own document; it is imported as is.
 */
export function buildSoapEnvelope(message: Element): Document {
  const envelope = buildDocument(x('soap:Envelope', {}, x('soap:Body')));
  const body = envelope.documentElement.firstChild as Element;
  body.appendChild(envelope.importNode(message, true));
  return envelope;
}

/**
 * A SOAP 1.1 Fault (SOAP 1.1 §4.4): `Client` when the message was at fault, `Server` when we were.
 * The fault string should be a stable code, never wire data or a stack.
 */
export function buildSoapFault(faultCode: 'Client' | 'Server', faultString: string): Document {
  const document = buildDocument(x('soap:Envelope', {}, x('soap:Body', {}, x('soap:Fault'))));
  // Built just above: Envelope > Body > Fault.
  const fault = document.documentElement.firstChild?.firstChild as Element;
  // faultcode and faultstring are unqualified (SOAP 1.1 §4.4), which the builder does not make.
  for (const [name, text] of [['faultcode', `soap:${faultCode}`], ['faultstring', faultString]] as const) {
    const el = document.createElementNS(null, name);
    el.appendChild(document.createTextNode(text));
    fault.appendChild(el);
  }
  return document;
}

/** Parses a SOAP envelope and returns the one element of its Body (no Header is acted on). */
export function parseSoapEnvelope(xml: string, limits?: ParseLimits): { parsed: ParsedXml; message: Element } {
  const parsed = parseXml(xml, limits);
  if (!isElement(parsed.root, 'soap', 'Envelope')) fail('MESSAGE_TYPE_UNEXPECTED', 'not a SOAP Envelope');
  const body = requiredChild(parsed.root, 'soap', 'Body');
  const children = elementChildren(body);
  if (children.length !== 1) fail('XML_UNEXPECTED_CONTENT', 'SOAP Body must hold exactly one message');
  return { parsed, message: children[0] as Element };
}

export interface SoapCallOptions {
  readonly timeoutMs: number;
  readonly maxBytes: number;
  readonly verifyTls?: boolean | undefined;
  /** The code of transport failures: what the exchange was for. Default ARTIFACT_RESOLUTION_FAILED. */
  readonly errorCode?: 'ARTIFACT_RESOLUTION_FAILED' | 'LOGOUT_FAILED' | undefined;
}

/**
 * Posts a SOAP message and returns the response text (saml-bindings §3.2.3.3), over node:http(s)
 * so that TLS verification (on unless `verifyTls: false`), the timeout and the size cap are ours.
 * Redirects are not followed: a back-channel answer comes from the endpoint itself.
 */
export async function postSoap(url: string, xml: string, options: SoapCallOptions): Promise<string> {
  const code = options.errorCode ?? 'ARTIFACT_RESOLUTION_FAILED';
  const target = new URL(url);
  if (target.protocol !== 'https:' && target.protocol !== 'http:') fail(code, 'SOAP endpoint is not http(s)');
  // The endpoint comes from peer metadata: plain http would carry assertions and NameIDs in clear,
  // and could reach any host of our network. Only this machine may be reached without TLS.
  if (target.protocol === 'http:' && !isLoopbackHost(target.hostname)) fail(code, 'SOAP endpoint is plain http (https required, except on loopback)');
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  const body = Buffer.from(xml, 'utf8');
  return new Promise<string>((resolve, reject) => {
    const failWith = (message: string, cause?: unknown) => reject(new MellonError(code, message, cause === undefined ? undefined : { cause }));
    // `timeout` below is the socket's idle timeout: a peer trickling bytes would never trip it.
    // The whole exchange gets the same deadline.
    const deadline = setTimeout(() => request.destroy(new Error(`no complete answer within ${options.timeoutMs} ms`)), options.timeoutMs);
    deadline.unref();
    const request = send(
      target,
      {
        method: 'POST',
        headers: { 'content-type': 'text/xml; charset=utf-8', 'content-length': body.length, soapaction: 'http://www.oasis-open.org/committees/security' },
        timeout: options.timeoutMs,
        ...(target.protocol === 'https:' ? { rejectUnauthorized: options.verifyTls ?? true } : {}),
      },
      (response) => {
        if (response.statusCode !== 200) {
          // Nothing of a refusal is read: the connection is closed rather than drained.
          request.destroy();
          failWith(`SOAP peer answered HTTP ${response.statusCode}`);
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > options.maxBytes) {
            request.destroy();
            reject(new MellonError('INPUT_TOO_LARGE', 'SOAP response too large'));
            return;
          }
          chunks.push(chunk);
        });
        response.on('end', () => {
          clearTimeout(deadline);
          resolve(Buffer.concat(chunks).toString('utf8'));
        });
        response.on('error', (err) => failWith('SOAP response failed', err));
      },
    );
    request.on('timeout', () => request.destroy(new Error(`no answer within ${options.timeoutMs} ms`)));
    request.on('error', (err) => {
      clearTimeout(deadline);
      failWith('SOAP request failed', err);
    });
    request.on('close', () => clearTimeout(deadline));
    request.end(body);
  });
}

export interface SoapExchangeOptions extends SoapCallOptions {
  /** Signs our message (enveloped) before it is sent. */
  readonly signing?: SignOptions | undefined;
  /** The peer's keys, from its metadata only: the answer's signature is checked with these. */
  readonly keys: readonly KeyObject[];
  /** Refuse an unsigned answer (else its signature is checked when present, TLS vouching for the rest). */
  readonly requireSignature: boolean;
  readonly policy?: AlgorithmPolicy | undefined;
}

/**
 * One SOAP round trip (saml-bindings §3.2): our message, signed when `signing` is given, in an
 * envelope; the peer's one message back, its enveloped signature verified with the peer's keys.
 * `message` is the verified element: read the answer from it, and from nothing else.
 */
export async function exchangeSoap(url: string, message: Document, options: SoapExchangeOptions): Promise<{ text: string; parsed: ParsedXml; message: Element }> {
  if (options.signing) signElement(message.documentElement, options.signing);
  const text = await postSoap(url, serializeXml(buildSoapEnvelope(message.documentElement)), options);
  const answer = parseSoapEnvelope(text, { maxBytes: options.maxBytes });
  const signature = findSignature(answer.message);
  if (signature) verifyEnvelopedSignature(answer.message, signature, { keys: options.keys, ids: answer.parsed.ids, policy: options.policy });
  else if (options.requireSignature) fail('SIGNATURE_MISSING', 'SOAP answer is not signed');
  return { text, ...answer };
}
