import { DOMParser, XMLSerializer } from '@xmldom/xmldom';

const SAML = 'urn:oasis:names:tc:SAML:2.0:assertion';
const SAMLP = 'urn:oasis:names:tc:SAML:2.0:protocol';
const DS = 'http://www.w3.org/2000/09/xmldsig#';

/** The attacker's tool: parse a captured message, edit the DOM, serialise it again. */
export function tamper(xml: string, edit: (doc: Document, parts: Parts) => void): string {
  // xmldom's Document is structurally the DOM's; the cast only renames the type.
  const doc = new DOMParser().parseFromString(xml, 'text/xml') as unknown as Document;
  edit(doc, parts(doc));
  return new XMLSerializer().serializeToString(doc as never);
}

export interface Parts {
  response: Element;
  assertion: Element;
  responseSignature: Element | undefined;
  assertionSignature: Element | undefined;
  nameId: Element;
}

function parts(doc: Document): Parts {
  const response = doc.documentElement;
  const assertion = doc.getElementsByTagNameNS(SAML, 'Assertion')[0] as Element;
  const child = (el: Element, ns: string, local: string) =>
    Array.from(el.childNodes).find((n) => (n as Element).localName === local && (n as Element).namespaceURI === ns) as Element | undefined;
  return {
    response,
    assertion,
    responseSignature: child(response, DS, 'Signature'),
    assertionSignature: assertion ? child(assertion, DS, 'Signature') : undefined,
    nameId: doc.getElementsByTagNameNS(SAML, 'NameID')[0] as Element,
  };
}

export const NS_URI = { SAML, SAMLP, DS };
