import { randomBytes } from 'node:crypto';
import { fail } from '../errors.js';
import { STATUS } from '../constants/urn.js';
import { attribute, elementChildren, isElement, optionalChild, requiredAttribute } from '../xml/select.js';
import { x, type XmlElement } from '../xml/build.js';
import { parseInstant } from '../time.js';
import { readIssuer, readStatus } from './response/shape.js';

/** A fresh message ID: 160 random bits, NCName-safe (saml-core §1.3.4). */
export function generateId(): string {
  return `_${randomBytes(20).toString('hex')}`;
}

/** The header every SAML request and response shares (saml-core §3.2.1, §3.2.2). */
export interface MessageHeader {
  readonly id: string;
  readonly issueInstant: Date;
  readonly issuer?: string | undefined;
  readonly destination?: string | undefined;
  readonly inResponseTo?: string | undefined;
  /** The message's own `<ds:Signature>`, if any: verify it before trusting anything here. */
  readonly signature?: Element | undefined;
  readonly element: Element;
}

/** Reads the header of the samlp message `root`, which must be `samlp:${local}`. */
export function readMessageHeader(root: Element, local: string): MessageHeader {
  if (!isElement(root, 'samlp', local)) fail('MESSAGE_TYPE_UNEXPECTED', `root is <${root.localName}>, not samlp:${local}`);
  if (requiredAttribute(root, 'Version') !== '2.0') fail('VERSION_UNSUPPORTED', 'Version is not 2.0');
  const children = elementChildren(root);
  let index = 0;
  const issuerEl = children[index] && isElement(children[index], 'saml', 'Issuer') ? children[index++] : undefined;
  const signature = children[index] && isElement(children[index], 'ds', 'Signature') ? children[index++] : undefined;
  for (const child of children.slice(index)) {
    if (isElement(child, 'saml', 'Issuer') || isElement(child, 'ds', 'Signature')) fail('XML_UNEXPECTED_CONTENT', `misplaced <${child.localName}>`);
  }
  return {
    id: requiredAttribute(root, 'ID'),
    issueInstant: new Date(parseInstant(requiredAttribute(root, 'IssueInstant'), 'IssueInstant')),
    issuer: issuerEl ? readIssuer(issuerEl) : undefined,
    destination: attribute(root, 'Destination'),
    inResponseTo: attribute(root, 'InResponseTo'),
    signature,
    element: root,
  };
}

/** A status for a response we build; Success by default. */
export interface StatusInput {
  readonly codes?: readonly string[] | undefined;
  readonly message?: string | undefined;
}

export function buildStatus(status: StatusInput = {}): XmlElement {
  const codes = status.codes && status.codes.length > 0 ? status.codes : [STATUS.success];
  let code: XmlElement | undefined;
  for (const value of [...codes].reverse()) code = x('samlp:StatusCode', { Value: value }, code);
  return x('samlp:Status', {}, code, status.message !== undefined && x('samlp:StatusMessage', {}, status.message));
}

/** Reads a Status element of a response message: codes (top first) and message. */
export function readResponseStatus(root: Element): { codes: string[]; message?: string | undefined; success: boolean } {
  const status = optionalChild(root, 'samlp', 'Status');
  if (!status) fail('MESSAGE_INVALID', `<${root.localName}> lacks Status`);
  const read = readStatus(status);
  return { ...read, success: read.codes[0] === STATUS.success };
}
