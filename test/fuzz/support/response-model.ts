import { el, type TextStyle, type XElement, type XNode } from './xml-tree.js';
import { BEARER, NS, PERSISTENT, SUCCESS, instant } from './saml-ns.js';

/**
 * What a SAML Response says, as plain data the fuzzer mutates, and the identity a correct SP must
 * read from it, computed here from the data (never by the parser under test).
 */
export interface AttrValue {
  readonly text: string;
  /** xsi:nil="true": the attribute has no such value (XML Schema §2.6.2). */
  readonly nil?: boolean | undefined;
  readonly style?: TextStyle | undefined;
  /** Written in this namespace instead of SAML's (then it is no SAML AttributeValue). */
  readonly ns?: string | undefined;
}

export interface SamlAttribute {
  readonly name: string;
  readonly nameFormat?: string | undefined;
  readonly values: AttrValue[];
  readonly ns?: string | undefined;
}

export interface SamlStatement {
  readonly attributes: SamlAttribute[];
  readonly ns?: string | undefined;
}

export interface Confirmation {
  method: string;
  recipient?: string | undefined;
  notOnOrAfter?: number | undefined;
  notBefore?: number | undefined;
  inResponseTo?: string | undefined;
}

export interface ResponseModel {
  responseId: string;
  assertionId: string;
  now: number;
  version: string;
  assertionVersion: string;
  responseIssuer: string | undefined;
  assertionIssuer: string;
  destination: string | undefined;
  inResponseTo: string | undefined;
  status: string;
  nameId: { value: string; format?: string | undefined; style?: TextStyle | undefined } | undefined;
  confirmations: Confirmation[];
  conditions: { notBefore?: number | undefined; notOnOrAfter?: number | undefined; audiences: string[][] } | undefined;
  authn: Array<{ instant: number; sessionIndex?: string | undefined; classRef?: string | undefined }>;
  statements: SamlStatement[];
}

/** The login a correct SP opens for an accepted response. */
export interface Identity {
  readonly nameId: string;
  readonly attributes: Record<string, string[]>;
}

export interface ResponseContext {
  readonly now: number;
  readonly idpEntityId: string;
  readonly spEntityId: string;
  readonly acsUrl: string;
  readonly inResponseTo: string | undefined;
  readonly responseId: string;
  readonly assertionId: string;
}

/** A response every SP of the suite accepts as it is. */
export function validResponse(c: ResponseContext): ResponseModel {
  return {
    responseId: c.responseId,
    assertionId: c.assertionId,
    now: c.now,
    version: '2.0',
    assertionVersion: '2.0',
    responseIssuer: c.idpEntityId,
    assertionIssuer: c.idpEntityId,
    destination: c.acsUrl,
    inResponseTo: c.inResponseTo,
    status: SUCCESS,
    nameId: { value: 'alice-1234', format: PERSISTENT },
    confirmations: [{ method: BEARER, recipient: c.acsUrl, notOnOrAfter: c.now + 300_000, inResponseTo: c.inResponseTo }],
    conditions: { notBefore: c.now - 30_000, notOnOrAfter: c.now + 300_000, audiences: [[c.spEntityId]] },
    authn: [{ instant: c.now - 1000, sessionIndex: '_session42', classRef: 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport' }],
    statements: [
      {
        attributes: [
          { name: 'mail', nameFormat: 'urn:oasis:names:tc:SAML:2.0:attrname-format:basic', values: [{ text: 'alice@example.test' }] },
          { name: 'groups', values: [{ text: 'staff' }, { text: 'admins' }] },
        ],
      },
    ],
  };
}

/**
 * The identity a correct SP reads: the NameID's text (XML whitespace around it tolerated, nothing
 * else: saml-core §2.2.3 NameID is a string), and the attributes by Name in document order over
 * all AttributeStatements, without xsi:nil values. Elements moved out of SAML's namespace are not
 * SAML's: a correct SP refuses them or reads nothing from them.
 */
export function identityOf(model: ResponseModel): Identity | undefined {
  if (!model.nameId) return undefined;
  const attributes: Record<string, string[]> = Object.create(null);
  for (const statement of model.statements) {
    if (statement.ns !== undefined) continue;
    for (const attribute of statement.attributes) {
      if (attribute.ns !== undefined) continue;
      const values = (attributes[attribute.name] ??= []);
      for (const value of attribute.values) if (!value.nil && value.ns === undefined) values.push(value.text);
    }
  }
  // The NameID exactly as signed (docs/security.md): no trimming at all.
  return { nameId: model.nameId.value, attributes };
}

/** Handles on the elements a tree mutation works on. */
export interface ResponseTree {
  readonly root: XElement;
  readonly assertion: XElement;
  readonly subject: XElement | undefined;
  readonly confirmation: XElement | undefined;
  readonly confirmationData: XElement | undefined;
  readonly nameId: XElement | undefined;
  readonly conditions: XElement | undefined;
  readonly statements: XElement[];
}

/** The model as a tree, with the signature slots `assertion` and `response` after each Issuer. */
export function responseTree(m: ResponseModel): ResponseTree {
  const confirmationData: XElement[] = [];
  const confirmations = m.confirmations.map((c) => {
    const data = el(NS.saml, 'SubjectConfirmationData', {
      NotBefore: c.notBefore === undefined ? undefined : instant(c.notBefore),
      NotOnOrAfter: c.notOnOrAfter === undefined ? undefined : instant(c.notOnOrAfter),
      Recipient: c.recipient,
      InResponseTo: c.inResponseTo,
    });
    confirmationData.push(data);
    return el(NS.saml, 'SubjectConfirmation', { Method: c.method }, data);
  });
  const nameId = m.nameId && el(NS.saml, 'NameID', { Format: m.nameId.format }, { kind: 'text', value: m.nameId.value, style: m.nameId.style });
  const subject = nameId || confirmations.length > 0 ? el(NS.saml, 'Subject', {}, nameId, ...confirmations) : undefined;
  const conditions =
    m.conditions &&
    el(
      NS.saml,
      'Conditions',
      {
        NotBefore: m.conditions.notBefore === undefined ? undefined : instant(m.conditions.notBefore),
        NotOnOrAfter: m.conditions.notOnOrAfter === undefined ? undefined : instant(m.conditions.notOnOrAfter),
      },
      ...m.conditions.audiences.map((list) => el(NS.saml, 'AudienceRestriction', {}, ...list.map((a) => el(NS.saml, 'Audience', {}, a)))),
    );
  const statements = m.statements.map((statement) =>
    el(
      statement.ns ?? NS.saml,
      'AttributeStatement',
      {},
      ...statement.attributes.map((attribute) => {
        const a = el(attribute.ns ?? NS.saml, 'Attribute', { Name: attribute.name, NameFormat: attribute.nameFormat });
        a.children = attribute.values.map((value) => attributeValue(value));
        return a;
      }),
    ),
  );
  const assertion = el(
    NS.saml,
    'Assertion',
    { ID: m.assertionId, Version: m.assertionVersion, IssueInstant: instant(m.now) },
    el(NS.saml, 'Issuer', {}, m.assertionIssuer),
    { kind: 'slot', name: 'assertion' },
    subject,
    conditions,
    ...m.authn.map((a) =>
      el(
        NS.saml,
        'AuthnStatement',
        { AuthnInstant: instant(a.instant), SessionIndex: a.sessionIndex },
        el(NS.saml, 'AuthnContext', {}, a.classRef !== undefined && el(NS.saml, 'AuthnContextClassRef', {}, a.classRef)),
      ),
    ),
    ...statements,
  );
  const root = el(
    NS.samlp,
    'Response',
    { ID: m.responseId, Version: m.version, IssueInstant: instant(m.now), Destination: m.destination, InResponseTo: m.inResponseTo },
    m.responseIssuer !== undefined && el(NS.saml, 'Issuer', {}, m.responseIssuer),
    { kind: 'slot', name: 'response' },
    el(NS.samlp, 'Status', {}, el(NS.samlp, 'StatusCode', { Value: m.status })),
    assertion,
  );
  return { root, assertion, subject, confirmation: confirmations[0], confirmationData: confirmationData[0], nameId, conditions, statements };
}

function attributeValue(value: AttrValue): XElement {
  const node = el(value.ns ?? NS.saml, 'AttributeValue');
  if (value.nil) node.attrs.push({ ns: NS.xsi, local: 'nil', value: 'true' });
  else node.attrs.push({ ns: NS.xsi, local: 'type', value: 'xs:string', qname: { ns: NS.xs, local: 'string' } });
  if (!value.nil && value.text !== '') node.children.push({ kind: 'text', value: value.text, style: value.style } satisfies XNode);
  return node;
}

/** Another user's assertion (what a wrapping attack smuggles in), unsigned. */
export function evilAssertion(idpEntityId: string, id: string): XElement {
  return el(
    NS.saml,
    'Assertion',
    { ID: id, Version: '2.0', IssueInstant: '2030-01-01T00:00:00Z' },
    el(NS.saml, 'Issuer', {}, idpEntityId),
    el(NS.saml, 'Subject', {}, el(NS.saml, 'NameID', {}, 'mallory')),
    el(NS.saml, 'AttributeStatement', {}, el(NS.saml, 'Attribute', { Name: 'groups' }, el(NS.saml, 'AttributeValue', {}, 'admins'))),
  );
}
