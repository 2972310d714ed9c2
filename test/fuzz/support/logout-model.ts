import fc from 'fast-check';
import { anyText, fraction, offset, pick, textStyle, timeVerdict, xmlText } from './arbitraries.js';
import { NS, PERSISTENT, SUCCESS, instant } from './saml-ns.js';
import { el, walkElements, xmlTrim, type TextStyle, type XElement, type XNode } from './xml-tree.js';

/**
 * Single logout messages the IdP sends to the SP's logout/ (saml-core §3.7): a LogoutRequest
 * (IdP-initiated) or a LogoutResponse (to the SP's own request), as data to mutate, their trees
 * (signature slot `message` after the Issuer), and what a correct SP must do with them.
 */
export interface LogoutRequestModel {
  id: string;
  now: number;
  issueInstant: number;
  version: string;
  issuer: string | undefined;
  destination: string | undefined;
  notOnOrAfter: number | undefined;
  reason: string | undefined;
  nameId: { value: string; format?: string | undefined; style?: TextStyle | undefined } | undefined;
  sessionIndexes: string[];
}

export interface LogoutResponseModel {
  id: string;
  now: number;
  version: string;
  issuer: string | undefined;
  destination: string | undefined;
  inResponseTo: string | undefined;
  status: string;
}

export type LogoutMutation =
  | { readonly kind: 'name-id'; readonly value: string }
  | { readonly kind: 'name-id-format'; readonly value: string | null }
  | { readonly kind: 'name-id-style'; readonly style: TextStyle }
  | { readonly kind: 'name-id-remove' }
  | { readonly kind: 'session-index'; readonly values: readonly string[] }
  | { readonly kind: 'issuer'; readonly value: string | null }
  | { readonly kind: 'destination'; readonly value: string | null }
  | { readonly kind: 'not-on-or-after'; readonly seconds: number | null }
  | { readonly kind: 'issue-instant'; readonly seconds: number }
  | { readonly kind: 'version'; readonly value: string }
  | { readonly kind: 'reason'; readonly value: string }
  | { readonly kind: 'id'; readonly value: string }
  | { readonly kind: 'in-response-to'; readonly value: string | null }
  | { readonly kind: 'status'; readonly value: string };

export type LogoutTreeMutation =
  | { readonly kind: 'unknown-element'; readonly at: number; readonly position: number; readonly ns: 'saml' | 'samlp' | 'foreign' | 'none'; readonly local: string }
  | { readonly kind: 'unknown-attribute'; readonly at: number; readonly ns: 'foreign' | 'none' | 'xml'; readonly local: string; readonly value: string }
  | { readonly kind: 'comment-in-name-id'; readonly at: number }
  | { readonly kind: 'pi'; readonly inside: boolean }
  | { readonly kind: 'doctype' }
  | { readonly kind: 'second-name-id' }
  | { readonly kind: 'extensions-name-id' }
  | { readonly kind: 'namespace'; readonly target: 'root' | 'issuer' | 'name-id' | 'session-index'; readonly uri: string }
  | { readonly kind: 'signature-position'; readonly where: 'end' | 'first' }
  | { readonly kind: 'rename-root'; readonly local: string };

const FOREIGN = 'urn:example:not-saml';

export const logoutRequestMutation: fc.Arbitrary<LogoutMutation> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('name-id' as const), value: fc.oneof(xmlText, fc.constantFrom('alice-1234', ' alice-1234\n', 'Alice-1234', 'alice-1234\u00a0', 'alice-12345')) }), weight: 5 },
  { arbitrary: fc.record({ kind: fc.constant('name-id-format' as const), value: fc.option(fc.oneof(xmlText, fc.constant(PERSISTENT)), { nil: null }) }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('name-id-style' as const), style: textStyle }), weight: 1 },
  { arbitrary: fc.constant({ kind: 'name-id-remove' as const }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('session-index' as const), values: fc.array(fc.oneof(xmlText, fc.constantFrom('_session42', ' _session42 ', '_session43')), { maxLength: 3 }) }), weight: 4 },
  { arbitrary: fc.record({ kind: fc.constant('issuer' as const), value: fc.option(xmlText, { nil: null }) }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('destination' as const), value: fc.option(xmlText, { nil: null }) }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('not-on-or-after' as const), seconds: fc.option(offset, { nil: null }) }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('issue-instant' as const), seconds: offset }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('version' as const), value: fc.constantFrom('1.1', '2', ' 2.0', '') }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('reason' as const), value: anyText }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('id' as const), value: fc.oneof(xmlText, anyText) }), weight: 2 },
);

export const logoutResponseMutation: fc.Arbitrary<LogoutMutation> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('in-response-to' as const), value: fc.option(xmlText, { nil: null }) }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('issuer' as const), value: fc.option(xmlText, { nil: null }) }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('destination' as const), value: fc.option(xmlText, { nil: null }) }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('status' as const), value: fc.constantFrom('urn:oasis:names:tc:SAML:2.0:status:Responder', 'urn:oasis:names:tc:SAML:2.0:status:PartialLogout', '', 'x') }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('version' as const), value: fc.constantFrom('1.1', '2', ' 2.0', '') }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('id' as const), value: fc.oneof(xmlText, anyText) }), weight: 1 },
);

export const logoutTreeMutation: fc.Arbitrary<LogoutTreeMutation> = fc.oneof(
  fc.record({ kind: fc.constant('unknown-element' as const), at: fraction, position: fraction, ns: fc.constantFrom('saml' as const, 'samlp' as const, 'foreign' as const, 'none' as const), local: fc.constantFrom('Foo', 'NameId', 'nameid', 'sessionindex', 'Issuer', 'Status', 'X') }),
  fc.record({ kind: fc.constant('unknown-attribute' as const), at: fraction, ns: fc.constantFrom('foreign' as const, 'none' as const, 'xml' as const), local: fc.constantFrom('Foo', 'id', 'Id', 'lang', 'NameQualifier', 'SPNameQualifier', 'Consent'), value: anyText }),
  fc.record({ kind: fc.constant('comment-in-name-id' as const), at: fraction }),
  fc.record({ kind: fc.constant('pi' as const), inside: fc.boolean() }),
  fc.constant({ kind: 'doctype' as const }),
  fc.constant({ kind: 'second-name-id' as const }),
  fc.constant({ kind: 'extensions-name-id' as const }),
  fc.record({ kind: fc.constant('namespace' as const), target: fc.constantFrom('root' as const, 'issuer' as const, 'name-id' as const, 'session-index' as const), uri: fc.constantFrom(FOREIGN, NS.saml, NS.samlp, 'urn:oasis:names:tc:SAML:1.0:protocol') }),
  fc.record({ kind: fc.constant('signature-position' as const), where: fc.constantFrom('end' as const, 'first' as const) }),
  fc.record({ kind: fc.constant('rename-root' as const), local: fc.constantFrom('LogoutRequest', 'LogoutResponse', 'Response', 'AuthnRequest', 'logoutrequest') }),
);

export function validLogoutRequest(c: { id: string; now: number; idpEntityId: string; logoutUrl: string }): LogoutRequestModel {
  return {
    id: c.id,
    now: c.now,
    issueInstant: c.now,
    version: '2.0',
    issuer: c.idpEntityId,
    destination: c.logoutUrl,
    notOnOrAfter: c.now + 300_000,
    reason: undefined,
    nameId: { value: 'alice-1234', format: PERSISTENT },
    sessionIndexes: ['_session42'],
  };
}

export function validLogoutResponse(c: { id: string; now: number; idpEntityId: string; logoutUrl: string; inResponseTo: string }): LogoutResponseModel {
  return { id: c.id, now: c.now, version: '2.0', issuer: c.idpEntityId, destination: c.logoutUrl, inResponseTo: c.inResponseTo, status: SUCCESS };
}

/** Applies a mutation to either model (each ignores the other's fields). */
export function applyLogoutMutation(m: LogoutRequestModel | LogoutResponseModel, mu: LogoutMutation): void {
  const request = 'sessionIndexes' in m ? m : undefined;
  const response = 'status' in m ? m : undefined;
  switch (mu.kind) {
    case 'name-id':
      if (request?.nameId) request.nameId.value = mu.value;
      return;
    case 'name-id-format':
      if (request?.nameId) request.nameId.format = mu.value ?? undefined;
      return;
    case 'name-id-style':
      if (request?.nameId) request.nameId.style = mu.style;
      return;
    case 'name-id-remove':
      if (request) request.nameId = undefined;
      return;
    case 'session-index':
      if (request) request.sessionIndexes = [...mu.values];
      return;
    case 'issuer':
      m.issuer = mu.value ?? undefined;
      return;
    case 'destination':
      m.destination = mu.value ?? undefined;
      return;
    case 'not-on-or-after':
      if (request) request.notOnOrAfter = mu.seconds === null ? undefined : m.now + mu.seconds * 1000;
      return;
    case 'issue-instant':
      if (request) request.issueInstant = m.now + mu.seconds * 1000;
      return;
    case 'version':
      m.version = mu.value;
      return;
    case 'reason':
      if (request) request.reason = mu.value;
      return;
    case 'id':
      m.id = mu.value;
      return;
    case 'in-response-to':
      if (response) response.inResponseTo = mu.value ?? undefined;
      return;
    case 'status':
      if (response) response.status = mu.value;
      return;
  }
}

export interface LogoutTree {
  readonly root: XElement;
  readonly nameId: XElement | undefined;
}

export function logoutRequestTree(m: LogoutRequestModel): LogoutTree {
  const nameId = m.nameId && el(NS.saml, 'NameID', { Format: m.nameId.format }, { kind: 'text', value: m.nameId.value, style: m.nameId.style });
  const root = el(
    NS.samlp,
    'LogoutRequest',
    {
      ID: m.id,
      Version: m.version,
      IssueInstant: instant(m.issueInstant),
      Destination: m.destination,
      NotOnOrAfter: m.notOnOrAfter === undefined ? undefined : instant(m.notOnOrAfter),
      Reason: m.reason,
    },
    m.issuer !== undefined && el(NS.saml, 'Issuer', {}, m.issuer),
    { kind: 'slot', name: 'message' },
    nameId,
    ...m.sessionIndexes.map((index) => el(NS.samlp, 'SessionIndex', {}, index)),
  );
  return { root, nameId };
}

export function logoutResponseTree(m: LogoutResponseModel): LogoutTree {
  const root = el(
    NS.samlp,
    'LogoutResponse',
    { ID: m.id, Version: m.version, IssueInstant: instant(m.now), Destination: m.destination, InResponseTo: m.inResponseTo },
    m.issuer !== undefined && el(NS.saml, 'Issuer', {}, m.issuer),
    { kind: 'slot', name: 'message' },
    el(NS.samlp, 'Status', {}, el(NS.samlp, 'StatusCode', { Value: m.status })),
  );
  return { root, nameId: undefined };
}

/** Applies a tree mutation; returns why the result must be refused, if it must. */
export function applyLogoutTreeMutation(t: LogoutTree, mu: LogoutTreeMutation, render: { declaration?: string | undefined }): string | undefined {
  const uri = (ns: 'saml' | 'samlp' | 'foreign' | 'none') => (ns === 'saml' ? NS.saml : ns === 'samlp' ? NS.samlp : ns === 'foreign' ? FOREIGN : undefined);
  const all: XElement[] = [];
  walkElements(t.root, (node) => all.push(node));
  switch (mu.kind) {
    case 'unknown-element': {
      const targets = all.filter((node) => !['NameID', 'Issuer', 'SessionIndex', 'StatusMessage'].includes(node.local));
      const target = pick(targets, mu.position);
      if (target) target.children.splice(Math.floor(mu.at * (target.children.length + 1)), 0, { kind: 'el', ns: uri(mu.ns), local: mu.local, attrs: [], children: [] });
      return undefined;
    }
    case 'unknown-attribute': {
      const target = pick(all, mu.at);
      const ns = mu.ns === 'foreign' ? FOREIGN : mu.ns === 'xml' ? 'http://www.w3.org/XML/1998/namespace' : undefined;
      if (target && !target.attrs.some((a) => a.local === mu.local && a.ns === ns)) target.attrs.push({ ns, local: mu.local, value: mu.value });
      return undefined;
    }
    case 'comment-in-name-id': {
      const text = t.nameId?.children.find((c) => c.kind === 'text');
      if (t.nameId && text?.kind === 'text') {
        const chars = [...text.value];
        const at = Math.floor(mu.at * (chars.length + 1));
        t.nameId.children = [{ ...text, value: chars.slice(0, at).join('') }, { kind: 'comment', value: '' }, { ...text, value: chars.slice(at).join('') }];
      }
      return undefined;
    }
    case 'pi':
      if (mu.inside) t.root.children.push({ kind: 'pi', target: 'x', data: 'y' });
      else render.declaration = `${render.declaration ?? ''}<?x-fuzz y?>`;
      return 'processing instruction (always refused)';
    case 'doctype':
      render.declaration = `${render.declaration ?? ''}<!DOCTYPE x [<!ENTITY e "alice-1234">]>`;
      return 'DOCTYPE (always refused)';
    case 'second-name-id':
    case 'extensions-name-id': {
      const evil: XNode = el(NS.saml, 'NameID', {}, 'mallory');
      const i = t.root.children.findIndex((c) => c.kind === 'slot') + 1;
      t.root.children.splice(i, 0, mu.kind === 'second-name-id' ? evil : el(NS.samlp, 'Extensions', {}, evil as XElement));
      return undefined;
    }
    case 'namespace': {
      // Judged on the final tree (logoutShape): a later mutation may move it back.
      const target = mu.target === 'root' ? t.root : mu.target === 'name-id' ? t.nameId : all.find((node) => node.local === (mu.target === 'issuer' ? 'Issuer' : 'SessionIndex'));
      if (target) target.ns = mu.uri;
      return undefined;
    }
    case 'signature-position': {
      const i = t.root.children.findIndex((c) => c.kind === 'slot');
      const [slot] = t.root.children.splice(i, 1);
      if (slot) {
        if (mu.where === 'end') t.root.children.push(slot);
        else t.root.children.unshift(slot);
      }
      return undefined;
    }
    case 'rename-root':
      t.root.local = mu.local;
      return undefined; // judged on the final tree (logoutShape)
  }
}

/** Why the final tree's envelope must be refused: a root that is not the message sent, no Issuer. */
export function logoutShape(t: LogoutTree, local: 'LogoutRequest' | 'LogoutResponse'): string[] {
  const out: string[] = [];
  if (t.root.ns !== NS.samlp || t.root.local !== local) out.push(`the root is not samlp:${local}`);
  if (!t.root.children.some((c) => c.kind === 'el' && c.ns === NS.saml && c.local === 'Issuer')) out.push('no saml:Issuer (saml-profiles §4.4.4.1)');
  return out;
}

/** Who a LogoutRequest logs out, read from the final tree (saml-core §3.7.1). */
export function logoutSubject(t: LogoutTree): { nameId: string; sessionIndexes: string[]; format: string | undefined } | { refuse: string } {
  const children = t.root.children.filter((c): c is XElement => c.kind === 'el');
  const ids = children.filter((c) => c.ns === NS.saml && c.local === 'NameID');
  if (ids.length !== 1) return { refuse: ids.length === 0 ? 'no NameID' : 'two NameIDs' };
  const id = ids[0] as XElement;
  // Identifiers exactly as signed (docs/security.md): " alice" is not "alice".
  const nameId = id.children.map((c) => (c.kind === 'text' ? c.value : '')).join('');
  if (xmlTrim(nameId) === '') return { refuse: 'empty NameID' };
  const sessionIndexes = children.filter((c) => c.ns === NS.samlp && c.local === 'SessionIndex').map((c) => c.children.map((n) => (n.kind === 'text' ? n.value : '')).join(''));
  return { nameId, sessionIndexes, format: id.attrs.find((a) => a.local === 'Format' && a.ns === undefined)?.value };
}

/** What the model deserves at the SP's logout/ (docs/security.md, single logout). */
export function judgeLogout(m: LogoutRequestModel | LogoutResponseModel, e: { idpEntityId: string; logoutUrl: string; requestId?: string | undefined }): string[] {
  const out: string[] = [];
  if (m.version !== '2.0') out.push('not SAML 2.0');
  if (m.issuer === undefined || xmlTrim(m.issuer) !== e.idpEntityId) out.push('Issuer is not the IdP');
  if (m.destination !== undefined && m.destination !== e.logoutUrl) out.push('Destination is not our logout URL');
  if ('sessionIndexes' in m) {
    if (m.notOnOrAfter !== undefined && timeVerdict(false, (m.notOnOrAfter - m.now) / 1000) === 'bad') out.push('expired (NotOnOrAfter)');
    const age = (m.issueInstant - m.now) / 1000;
    if (timeVerdict(true, age) === 'bad') out.push('issued in the future');
    if (age < -(600 + 180 + 30)) out.push('issued too long ago');
  } else if (m.inResponseTo !== e.requestId) out.push('InResponseTo is not our LogoutRequest');
  return out;
}
