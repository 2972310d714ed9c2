import { fail } from '../../errors.js';
import { attribute, elementChildren, isElement, optionalChild, requiredAttribute } from '../../xml/select.js';
import { parseInstant } from '../../time.js';
import { textOf, trimXmlSpace } from '../../xml/text.js';
import { separateSignature } from '../../xmldsig/verify.js';

/** The parts of a `<samlp:Response>` the pipeline needs, located once (saml-core §3.2.2, §3.3.3). */
export interface ResponseShape {
  readonly element: Element;
  readonly id: string;
  readonly issueInstant: number;
  readonly issuer?: Element | undefined;
  readonly signature?: Element | undefined;
  readonly status: Element;
  /** The one Assertion or EncryptedAssertion, when the response carries one. */
  readonly assertion?: Element | undefined;
}

/** Checks the protocol-message envelope common to every SAML response and request. */
export function checkMessageHeader(el: Element): { id: string; issueInstant: number } {
  if (requiredAttribute(el, 'Version') !== '2.0') fail('VERSION_UNSUPPORTED', 'Version is not 2.0');
  const id = requiredAttribute(el, 'ID');
  return { id, issueInstant: parseInstant(requiredAttribute(el, 'IssueInstant'), 'IssueInstant') };
}

/**
 * Locates the children of a Response in schema order: Issuer?, Extensions?, Status, then Assertion
 * / EncryptedAssertion, with at most one Signature anywhere among them (separateSignature). More
 * than one assertion is refused: nothing decides which one a user meant, and the second is where
 * wrapping attacks hide theirs.
 */
export function readResponseShape(root: Element): ResponseShape {
  if (!isElement(root, 'samlp', 'Response')) fail('MESSAGE_TYPE_UNEXPECTED', `root is <${root.localName}>, not samlp:Response`);
  const { id, issueInstant } = checkMessageHeader(root);
  const { signature, rest: children } = separateSignature(elementChildren(root));
  let index = 0;
  const take = (ns: 'saml' | 'samlp', local: string): Element | undefined => {
    const child = children[index];
    if (child && isElement(child, ns, local)) {
      index++;
      return child;
    }
    return undefined;
  };
  const issuer = take('saml', 'Issuer');
  take('samlp', 'Extensions');
  const status = take('samlp', 'Status');
  if (!status) {
    const unexpected = children[index];
    if (unexpected) fail('XML_UNEXPECTED_CONTENT', `unexpected <${unexpected.localName}> in Response`);
    fail('MESSAGE_INVALID', 'Response lacks Status');
  }
  const assertions: Element[] = [];
  for (; index < children.length; index++) {
    const child = children[index] as Element;
    if (!isElement(child, 'saml', 'Assertion') && !isElement(child, 'saml', 'EncryptedAssertion')) {
      fail('XML_UNEXPECTED_CONTENT', `unexpected <${child.localName}> in Response`);
    }
    assertions.push(child);
  }
  if (assertions.length > 1) fail('XML_UNEXPECTED_CONTENT', `${assertions.length} assertions in one Response`);
  return { element: root, id, issueInstant, issuer, signature, status, assertion: assertions[0] };
}

/** saml-core §3.2.2.2: the top-level StatusCode and its nested sub-codes, and StatusMessage. */
export function readStatus(status: Element): { codes: string[]; message?: string | undefined } {
  const codes: string[] = [];
  for (let code = optionalChild(status, 'samlp', 'StatusCode'); code; code = optionalChild(code, 'samlp', 'StatusCode')) {
    codes.push(requiredAttribute(code, 'Value'));
  }
  if (codes.length === 0) fail('MESSAGE_INVALID', 'Status lacks StatusCode');
  const message = optionalChild(status, 'samlp', 'StatusMessage');
  return { codes, message: message ? message.textContent?.trim().slice(0, 500) : undefined };
}

/** The text of an `<saml:Issuer>`; its Format, when present, must be the entity format. */
export function readIssuer(issuer: Element): string {
  const format = attribute(issuer, 'Format');
  if (format !== undefined && format !== 'urn:oasis:names:tc:SAML:2.0:nameid-format:entity') {
    fail('ISSUER_MISMATCH', 'Issuer Format is not entity');
  }
  return trimXmlSpace(textOf(issuer));
}
