import { fail } from '../../errors.js';
import { CONFIRMATION_METHOD_BEARER } from '../../constants/urn.js';
import { decryptElement, type DecryptOptions } from '../../xmlenc/decrypt.js';
import { attribute, childrenNamed, elementChildren, isElement, optionalChild, requiredAttribute, requiredChild } from '../../xml/select.js';
import { exactText, requiredText, textOf } from '../../xml/text.js';
import { parseInstant } from '../../time.js';
import { separateSignature } from '../../xmldsig/verify.js';
import { readIssuer } from './shape.js';
import type { AttributeDetail } from './types.js';

/** A subject identifier (saml-core §2.2.3). */
export interface NameIdParts {
  readonly value: string;
  readonly format?: string | undefined;
  readonly nameQualifier?: string | undefined;
  readonly spNameQualifier?: string | undefined;
}

export interface BearerConfirmation {
  readonly notBefore?: number | undefined;
  readonly notOnOrAfter?: number | undefined;
  readonly recipient?: string | undefined;
  readonly inResponseTo?: string | undefined;
}

export interface AuthnStatementParts {
  readonly authnInstant: number;
  readonly sessionIndex?: string | undefined;
  readonly sessionNotOnOrAfter?: number | undefined;
  readonly authnContextClassRef?: string | undefined;
}

/** Everything read from one verified `<saml:Assertion>`: its direct children, never Advice. */
export interface AssertionParts {
  readonly id: string;
  readonly issueInstant: number;
  readonly issuer: string;
  readonly nameId?: NameIdParts | undefined;
  readonly bearers: readonly BearerConfirmation[];
  /** The Method of every SubjectConfirmation, bearer or not (for the operator when none is bearer). */
  readonly confirmationMethods: readonly string[];
  readonly conditions?: { notBefore?: number | undefined; notOnOrAfter?: number | undefined; audienceRestrictions: readonly string[][] } | undefined;
  readonly authnStatements: readonly AuthnStatementParts[];
  readonly attributes: readonly AttributeDetail[];
}

const STATEMENTS = new Set(['AuthnStatement', 'AttributeStatement', 'AuthzDecisionStatement', 'Statement']);

/**
 * Reads an assertion (saml-core §2.3.3) whose signature the caller verified. Only its direct
 * children are read; `<saml:Advice>` (where wrapping attacks park assertions) is skipped unread.
 * EncryptedID and EncryptedAttribute are decrypted with `decrypt` (their ciphertext is covered by
 * the assertion's signature).
 */
export function readAssertion(el: Element, decrypt: DecryptOptions): AssertionParts {
  if (!isElement(el, 'saml', 'Assertion')) fail('MESSAGE_TYPE_UNEXPECTED', 'not a saml:Assertion');
  if (requiredAttribute(el, 'Version') !== '2.0') fail('VERSION_UNSUPPORTED', 'Assertion Version is not 2.0');
  const id = requiredAttribute(el, 'ID');
  const issueInstant = parseInstant(requiredAttribute(el, 'IssueInstant'), 'Assertion IssueInstant');
  // The signature may stand anywhere among the children, like the Response's (separateSignature).
  const children = separateSignature(elementChildren(el)).rest;
  let index = 0;
  const take = (ns: 'saml', local: string): Element | undefined => {
    const child = children[index];
    if (child && isElement(child, ns, local)) {
      index++;
      return child;
    }
    return undefined;
  };
  const issuer = take('saml', 'Issuer');
  if (!issuer) fail('MESSAGE_INVALID', 'Assertion lacks Issuer');
  const subject = take('saml', 'Subject');
  const conditions = take('saml', 'Conditions');
  take('saml', 'Advice');
  const statements = children.slice(index);
  for (const statement of statements) {
    if (statement.namespaceURI !== el.namespaceURI || !STATEMENTS.has(statement.localName ?? '')) {
      fail('XML_UNEXPECTED_CONTENT', `unexpected <${statement.localName}> in Assertion`);
    }
  }
  return {
    id,
    issueInstant,
    issuer: readIssuer(issuer),
    nameId: subject ? readSubjectId(subject, decrypt) : undefined,
    bearers: subject ? readBearers(subject) : [],
    confirmationMethods: subject ? childrenNamed(subject, 'saml', 'SubjectConfirmation').map((c) => attribute(c, 'Method') ?? '(no Method)') : [],
    conditions: conditions ? readConditions(conditions) : undefined,
    authnStatements: statements.filter((s) => isElement(s, 'saml', 'AuthnStatement')).map(readAuthnStatement),
    attributes: statements.filter((s) => isElement(s, 'saml', 'AttributeStatement')).flatMap((s) => readAttributeStatement(s, decrypt)),
  };
}

/** Reads a NameID element (also the plaintext of an EncryptedID); its value exactly as signed. */
export function readNameId(el: Element): NameIdParts {
  if (!isElement(el, 'saml', 'NameID')) fail('MESSAGE_INVALID', 'expected saml:NameID');
  return {
    value: exactText(el),
    format: attribute(el, 'Format'),
    nameQualifier: attribute(el, 'NameQualifier'),
    spNameQualifier: attribute(el, 'SPNameQualifier'),
  };
}

/** NameID, or EncryptedID decrypted; BaseID is not an identifier we can log a user in with. */
export function readSubjectId(parent: Element, decrypt: DecryptOptions): NameIdParts | undefined {
  const nameId = optionalChild(parent, 'saml', 'NameID');
  const encryptedId = optionalChild(parent, 'saml', 'EncryptedID');
  if (nameId && encryptedId) fail('XML_UNEXPECTED_CONTENT', 'both NameID and EncryptedID');
  if (nameId) return readNameId(nameId);
  if (encryptedId) return readNameId(decryptElement(encryptedId, decrypt).root);
  return undefined;
}

function readBearers(subject: Element): BearerConfirmation[] {
  return childrenNamed(subject, 'saml', 'SubjectConfirmation')
    .filter((confirmation) => attribute(confirmation, 'Method') === CONFIRMATION_METHOD_BEARER)
    .map((confirmation) => {
      const data = optionalChild(confirmation, 'saml', 'SubjectConfirmationData');
      if (!data) return {};
      const notBefore = attribute(data, 'NotBefore');
      const notOnOrAfter = attribute(data, 'NotOnOrAfter');
      return {
        notBefore: notBefore === undefined ? undefined : parseInstant(notBefore, 'SubjectConfirmationData NotBefore'),
        notOnOrAfter: notOnOrAfter === undefined ? undefined : parseInstant(notOnOrAfter, 'SubjectConfirmationData NotOnOrAfter'),
        recipient: attribute(data, 'Recipient'),
        inResponseTo: attribute(data, 'InResponseTo'),
      };
    });
}

/**
 * saml-core §2.5.1: every condition must be understood, else the assertion is Indeterminate;
 * so an unknown condition element is refused rather than ignored.
 */
function readConditions(conditions: Element): NonNullable<AssertionParts['conditions']> {
  const audienceRestrictions: string[][] = [];
  for (const child of elementChildren(conditions)) {
    if (isElement(child, 'saml', 'AudienceRestriction')) {
      audienceRestrictions.push(childrenNamed(child, 'saml', 'Audience').map(requiredText));
    } else if (!isElement(child, 'saml', 'OneTimeUse') && !isElement(child, 'saml', 'ProxyRestriction')) {
      fail('XML_UNEXPECTED_CONTENT', `unknown condition <${child.localName}>`);
    }
  }
  const notBefore = attribute(conditions, 'NotBefore');
  const notOnOrAfter = attribute(conditions, 'NotOnOrAfter');
  return {
    notBefore: notBefore === undefined ? undefined : parseInstant(notBefore, 'Conditions NotBefore'),
    notOnOrAfter: notOnOrAfter === undefined ? undefined : parseInstant(notOnOrAfter, 'Conditions NotOnOrAfter'),
    audienceRestrictions,
  };
}

function readAuthnStatement(statement: Element): AuthnStatementParts {
  const context = requiredChild(statement, 'saml', 'AuthnContext');
  const classRef = optionalChild(context, 'saml', 'AuthnContextClassRef');
  const sessionNotOnOrAfter = attribute(statement, 'SessionNotOnOrAfter');
  return {
    authnInstant: parseInstant(requiredAttribute(statement, 'AuthnInstant'), 'AuthnInstant'),
    sessionIndex: attribute(statement, 'SessionIndex'),
    sessionNotOnOrAfter: sessionNotOnOrAfter === undefined ? undefined : parseInstant(sessionNotOnOrAfter, 'SessionNotOnOrAfter'),
    authnContextClassRef: classRef ? requiredText(classRef) : undefined,
  };
}

function readAttributeStatement(statement: Element, decrypt: DecryptOptions): AttributeDetail[] {
  return elementChildren(statement).map((child) => {
    if (isElement(child, 'saml', 'Attribute')) return readAttribute(child);
    if (isElement(child, 'saml', 'EncryptedAttribute')) return readAttribute(decryptElement(child, decrypt).root);
    return fail('XML_UNEXPECTED_CONTENT', `unexpected <${child.localName}> in AttributeStatement`);
  });
}

/**
 * saml-core §2.7.3.1. Values are read as text (comment-safe). A value holding a NameID (as
 * eduPersonTargetedID does) yields the NameID's text; `xsi:nil` values and other structured
 * values are left out.
 */
export function readAttribute(el: Element): AttributeDetail {
  if (!isElement(el, 'saml', 'Attribute')) fail('MESSAGE_INVALID', 'expected saml:Attribute');
  const values: string[] = [];
  for (const value of elementChildren(el)) {
    if (!isElement(value, 'saml', 'AttributeValue')) fail('XML_UNEXPECTED_CONTENT', `unexpected <${value.localName}> in Attribute`);
    if (value.getAttributeNS('http://www.w3.org/2001/XMLSchema-instance', 'nil') === 'true') continue;
    if (!hasElementChild(value)) {
      values.push(textOf(value));
      continue;
    }
    const inner = elementChildren(value);
    if (inner.length === 1 && isElement(inner[0], 'saml', 'NameID')) values.push(exactText(inner[0] as Element));
  }
  return {
    name: requiredAttribute(el, 'Name'),
    nameFormat: attribute(el, 'NameFormat'),
    friendlyName: attribute(el, 'FriendlyName'),
    values,
  };
}

function hasElementChild(el: Element): boolean {
  for (let child = el.firstChild; child; child = child.nextSibling) if (child.nodeType === 1) return true;
  return false;
}
