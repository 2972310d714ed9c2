import { fail, MellonError } from '../errors.js';
import { buildDocument, x, type XmlElement } from '../xml/build.js';
import { parseXml, type ParseLimits, type ParsedXml } from '../xml/parse.js';
import { elementChildren, isElement, requiredChild } from '../xml/select.js';

/** Builds a SOAP 1.1 envelope around one SAML message (saml-bindings §3.2.3). */
export function buildSoapEnvelope(body: XmlElement): Document {
  return buildDocument(x('soap:Envelope', {}, x('soap:Body', {}, body)));
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

/**
 * Posts a SOAP message and returns the response text (saml-bindings §3.2.3.3). TLS verification
 * is Node's (on by default); the request is abandoned after `timeoutMs`.
 */
export async function postSoap(url: string, xml: string, options: { timeoutMs: number; maxBytes?: number | undefined; fetch?: typeof fetch | undefined }): Promise<string> {
  const doFetch = options.fetch ?? fetch;
  let response: Response;
  try {
    response = await doFetch(url, {
      method: 'POST',
      headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: 'http://www.oasis-open.org/committees/security' },
      body: xml,
      redirect: 'error',
      signal: AbortSignal.timeout(options.timeoutMs),
    });
  } catch (err) {
    throw new MellonError('ARTIFACT_RESOLUTION_FAILED', 'SOAP request failed', { cause: err });
  }
  if (!response.ok) throw new MellonError('ARTIFACT_RESOLUTION_FAILED', `SOAP peer answered HTTP ${response.status}`);
  const text = await response.text();
  if (options.maxBytes !== undefined && text.length > options.maxBytes) fail('INPUT_TOO_LARGE', 'SOAP response too large');
  return text;
}
