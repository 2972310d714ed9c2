import fc from 'fast-check';
import { anyText, attributeName, fraction, offset, pick, textStyle, timeVerdict, xmlText } from './arbitraries.js';
import { evilAssertion, type ResponseModel, type ResponseTree, type SamlAttribute } from './response-model.js';
import { BEARER, NS, SUCCESS } from './saml-ns.js';
import { walkElements, xmlTrim, type TextStyle, type XElement, type XNode } from './xml-tree.js';

/**
 * Mutations of a Response before the IdP signs it, as plain data (fast-check prints and shrinks
 * them). Each says what a correct SP must do with the signed result:
 * - nothing: accept it with the identity the model now says, or refuse it with a documented code
 *   (time windows are only judged well away from the clock-skew edges);
 * - `refuse`: refuse it. `signed` reasons are about what the IdP signed, so no later damage to the
 *   bytes can undo them; `envelope` ones are about unsigned parts, which damage may remove.
 */
export type Verdict = { readonly refuse?: { readonly reason: string; readonly scope: 'signed' | 'envelope' } | undefined };

const FOREIGN = 'urn:example:not-saml';
/** Elements whose content is a value (text), not other elements. */
const TEXT_ELEMENTS = new Set(['NameID', 'AttributeValue', 'Issuer', 'Audience', 'AuthnContextClassRef', 'StatusMessage']);
const SAML1 = 'urn:oasis:names:tc:SAML:1.0:assertion';

export type ModelMutation =
  | { readonly kind: 'name-id'; readonly value: string }
  | { readonly kind: 'name-id-format'; readonly value: string | null }
  | { readonly kind: 'name-id-remove' }
  | { readonly kind: 'attr-value'; readonly at: number; readonly value: string }
  | { readonly kind: 'attr-add'; readonly name: string; readonly values: readonly string[]; readonly at: number }
  | { readonly kind: 'attr-remove'; readonly at: number }
  | { readonly kind: 'attr-duplicate'; readonly at: number; readonly values: readonly string[] }
  | { readonly kind: 'attr-nil'; readonly at: number }
  | { readonly kind: 'statement-add'; readonly attributes: ReadonlyArray<{ readonly name: string; readonly values: readonly string[] }> }
  | { readonly kind: 'statements-remove' }
  | { readonly kind: 'big-value'; readonly size: number; readonly char: string }
  | { readonly kind: 'many-values'; readonly count: number }
  | { readonly kind: 'foreign-ns'; readonly target: 'statement' | 'attribute' | 'value'; readonly at: number; readonly uri: string }
  | { readonly kind: 'text-style'; readonly target: 'name-id' | 'values'; readonly style: TextStyle }
  | { readonly kind: 'audience'; readonly value: string }
  | { readonly kind: 'audience-remove' }
  | { readonly kind: 'audience-also'; readonly value: string }
  | { readonly kind: 'audience-restriction'; readonly value: string }
  | { readonly kind: 'recipient'; readonly value: string }
  | { readonly kind: 'destination'; readonly value: string }
  | { readonly kind: 'destination-remove' }
  | { readonly kind: 'issuer'; readonly where: 'assertion' | 'response'; readonly value: string }
  | { readonly kind: 'response-issuer-remove' }
  | { readonly kind: 'conditions-time'; readonly notBefore: number | null; readonly notOnOrAfter: number | null }
  | { readonly kind: 'bearer-time'; readonly notBefore: number | null; readonly notOnOrAfter: number | null }
  | { readonly kind: 'method'; readonly value: string }
  | { readonly kind: 'extra-confirmation'; readonly method: string }
  | { readonly kind: 'version'; readonly where: 'assertion' | 'response'; readonly value: string }
  | { readonly kind: 'status'; readonly value: string }
  | { readonly kind: 'authn-remove' }
  | { readonly kind: 'in-response-to'; readonly where: 'response' | 'bearer' | 'both'; readonly value: string }
  | { readonly kind: 'in-response-to-remove'; readonly where: 'response' | 'bearer' | 'both' };

export type TreeMutation =
  | { readonly kind: 'advice-assertion' }
  | { readonly kind: 'second-assertion'; readonly first: boolean; readonly sameId: boolean }
  | { readonly kind: 'wrap-signed-assertion'; readonly into: 'advice' | 'subject-confirmation-data' }
  | { readonly kind: 'rename-root'; readonly local: string }
  | { readonly kind: 'extensions-assertion' }
  | { readonly kind: 'confirmation-name-id' }
  | { readonly kind: 'second-name-id'; readonly first: boolean }
  | { readonly kind: 'confirmation-data-assertion' }
  | { readonly kind: 'deep'; readonly depth: number; readonly where: 'confirmation-data' | 'advice' }
  | { readonly kind: 'unknown-element'; readonly at: number; readonly position: number; readonly ns: 'saml' | 'foreign' | 'none'; readonly local: string }
  | { readonly kind: 'unknown-attribute'; readonly at: number; readonly ns: 'foreign' | 'none' | 'xml'; readonly local: string; readonly value: string }
  | { readonly kind: 'comment-in-value'; readonly target: 'name-id' | 'value'; readonly at: number }
  | { readonly kind: 'element-in-name-id'; readonly at: number }
  | { readonly kind: 'pi'; readonly where: 'name-id' | 'assertion' | 'prolog' }
  | { readonly kind: 'doctype' }
  | { readonly kind: 'signature-position'; readonly where: 'end' | 'first' | 'in-subject' }
  | { readonly kind: 'namespace'; readonly target: 'assertion' | 'subject' | 'name-id' | 'conditions' | 'confirmation' | 'issuer'; readonly uri: string }
  | { readonly kind: 'duplicate-id' };

/** Values that are not the expected one, beyond XML whitespace (comparison is exact, no URL folding). */
function otherThan(expected: string): fc.Arbitrary<string> {
  return fc
    .oneof(xmlText, fc.constantFrom(`${expected}x`, `${expected}/`, `${expected}#`, expected.replace('https:', 'http:'), expected.replace(/\/$/, ''), `${expected}?a=b`, expected.toUpperCase().replace('HTTPS://', 'https://'), `x${expected}`, `${expected}\u00a0`, `${expected}\u200b`))
    .filter((v) => xmlTrim(v) !== expected);
}

export interface Expected {
  readonly spEntityId: string;
  readonly acsUrl: string;
  readonly idpEntityId: string;
}

export function modelMutation(e: Expected): fc.Arbitrary<ModelMutation> {
  const values = fc.array(xmlText, { maxLength: 3 });
  return fc.oneof(
    { arbitrary: fc.record({ kind: fc.constant('name-id' as const), value: xmlText }), weight: 6 },
    { arbitrary: fc.record({ kind: fc.constant('name-id-format' as const), value: fc.option(xmlText, { nil: null }) }), weight: 1 },
    { arbitrary: fc.constant({ kind: 'name-id-remove' as const }), weight: 1 },
    { arbitrary: fc.record({ kind: fc.constant('attr-value' as const), at: fraction, value: xmlText }), weight: 5 },
    { arbitrary: fc.record({ kind: fc.constant('attr-add' as const), name: attributeName, values, at: fraction }), weight: 5 },
    { arbitrary: fc.record({ kind: fc.constant('attr-remove' as const), at: fraction }), weight: 1 },
    { arbitrary: fc.record({ kind: fc.constant('attr-duplicate' as const), at: fraction, values }), weight: 2 },
    { arbitrary: fc.record({ kind: fc.constant('attr-nil' as const), at: fraction }), weight: 1 },
    { arbitrary: fc.record({ kind: fc.constant('statement-add' as const), attributes: fc.array(fc.record({ name: attributeName, values }), { maxLength: 3 }) }), weight: 1 },
    { arbitrary: fc.constant({ kind: 'statements-remove' as const }), weight: 1 },
    { arbitrary: fc.record({ kind: fc.constant('big-value' as const), size: fc.integer({ min: 1000, max: 600_000 }), char: fc.constantFrom('a', '\u00e9', '\u{1f600}', '&', ' ') }), weight: 1 },
    { arbitrary: fc.record({ kind: fc.constant('many-values' as const), count: fc.integer({ min: 10, max: 3000 }) }), weight: 1 },
    { arbitrary: fc.record({ kind: fc.constant('foreign-ns' as const), target: fc.constantFrom('statement' as const, 'attribute' as const, 'value' as const), at: fraction, uri: fc.constantFrom(FOREIGN, SAML1, `${NS.saml} `, NS.samlp, '') }), weight: 2 },
    { arbitrary: fc.record({ kind: fc.constant('text-style' as const), target: fc.constantFrom('name-id' as const, 'values' as const), style: textStyle }), weight: 2 },
    { arbitrary: fc.record({ kind: fc.constant('audience' as const), value: otherThan(e.spEntityId) }), weight: 1 },
    { arbitrary: fc.constant({ kind: 'audience-remove' as const }), weight: 1 },
    { arbitrary: fc.record({ kind: fc.constant('audience-also' as const), value: xmlText }), weight: 1 },
    { arbitrary: fc.record({ kind: fc.constant('audience-restriction' as const), value: otherThan(e.spEntityId) }), weight: 1 },
    { arbitrary: fc.record({ kind: fc.constant('recipient' as const), value: otherThan(e.acsUrl) }), weight: 1 },
    { arbitrary: fc.record({ kind: fc.constant('destination' as const), value: otherThan(e.acsUrl) }), weight: 1 },
    { arbitrary: fc.constant({ kind: 'destination-remove' as const }), weight: 1 },
    { arbitrary: fc.record({ kind: fc.constant('issuer' as const), where: fc.constantFrom('assertion' as const, 'response' as const), value: otherThan(e.idpEntityId) }), weight: 1 },
    { arbitrary: fc.constant({ kind: 'response-issuer-remove' as const }), weight: 1 },
    { arbitrary: fc.record({ kind: fc.constant('conditions-time' as const), notBefore: fc.option(offset, { nil: null }), notOnOrAfter: fc.option(offset, { nil: null }) }), weight: 2 },
    { arbitrary: fc.record({ kind: fc.constant('bearer-time' as const), notBefore: fc.oneof({ arbitrary: fc.constant(null), weight: 3 }, { arbitrary: offset, weight: 1 }), notOnOrAfter: fc.option(offset, { nil: null }) }), weight: 2 },
    { arbitrary: fc.record({ kind: fc.constant('method' as const), value: otherThan(BEARER) }), weight: 1 },
    { arbitrary: fc.record({ kind: fc.constant('extra-confirmation' as const), method: fc.constantFrom('urn:oasis:names:tc:SAML:2.0:cm:holder-of-key', 'urn:oasis:names:tc:SAML:2.0:cm:sender-vouches', 'x') }), weight: 1 },
    { arbitrary: fc.record({ kind: fc.constant('version' as const), where: fc.constantFrom('assertion' as const, 'response' as const), value: fc.constantFrom('1.1', '2.1', '2', '2.0 ', ' 2.0', '') }), weight: 1 },
    { arbitrary: fc.record({ kind: fc.constant('status' as const), value: fc.constantFrom('urn:oasis:names:tc:SAML:2.0:status:Requester', 'urn:oasis:names:tc:SAML:2.0:status:Success ', 'Success', '') }), weight: 1 },
    { arbitrary: fc.constant({ kind: 'authn-remove' as const }), weight: 1 },
    { arbitrary: fc.record({ kind: fc.constant('in-response-to' as const), where: fc.constantFrom('response' as const, 'bearer' as const, 'both' as const), value: fc.oneof(xmlText, fc.constant('_req0123456789abcdef')) }), weight: 1 },
    { arbitrary: fc.record({ kind: fc.constant('in-response-to-remove' as const), where: fc.constantFrom('response' as const, 'bearer' as const, 'both' as const) }), weight: 1 },
  );
}

export const treeMutation: fc.Arbitrary<TreeMutation> = fc.oneof(
  fc.constant({ kind: 'advice-assertion' as const }),
  fc.record({ kind: fc.constant('second-assertion' as const), first: fc.boolean(), sameId: fc.boolean() }),
  fc.record({ kind: fc.constant('wrap-signed-assertion' as const), into: fc.constantFrom('advice' as const, 'subject-confirmation-data' as const) }),
  fc.record({ kind: fc.constant('rename-root' as const), local: fc.constantFrom('LogoutResponse', 'ArtifactResponse', 'response', 'Assertion', 'RESPONSE') }),
  fc.constant({ kind: 'extensions-assertion' as const }),
  fc.constant({ kind: 'confirmation-name-id' as const }),
  fc.record({ kind: fc.constant('second-name-id' as const), first: fc.boolean() }),
  fc.constant({ kind: 'confirmation-data-assertion' as const }),
  fc.record({ kind: fc.constant('deep' as const), depth: fc.integer({ min: 1, max: 300 }), where: fc.constantFrom('confirmation-data' as const, 'advice' as const) }),
  fc.record({ kind: fc.constant('unknown-element' as const), at: fraction, position: fraction, ns: fc.constantFrom('saml' as const, 'foreign' as const, 'none' as const), local: fc.constantFrom('Foo', 'nameid', 'NameId', 'attribute', 'AttributeValueX', 'Extensions', 'X') }),
  fc.record({ kind: fc.constant('unknown-attribute' as const), at: fraction, ns: fc.constantFrom('foreign' as const, 'none' as const, 'xml' as const), local: fc.constantFrom('Foo', 'id', 'Id', 'lang', 'space', 'base', 'NameFormat', 'Format', 'Consent'), value: anyText }),
  fc.record({ kind: fc.constant('comment-in-value' as const), target: fc.constantFrom('name-id' as const, 'value' as const), at: fraction }),
  fc.record({ kind: fc.constant('element-in-name-id' as const), at: fraction }),
  fc.record({ kind: fc.constant('pi' as const), where: fc.constantFrom('name-id' as const, 'assertion' as const, 'prolog' as const) }),
  fc.constant({ kind: 'doctype' as const }),
  fc.record({ kind: fc.constant('signature-position' as const), where: fc.constantFrom('end' as const, 'first' as const, 'in-subject' as const) }),
  fc.record({ kind: fc.constant('namespace' as const), target: fc.constantFrom('assertion' as const, 'subject' as const, 'name-id' as const, 'conditions' as const, 'confirmation' as const, 'issuer' as const), uri: fc.constantFrom(FOREIGN, SAML1, `${NS.saml} `, NS.samlp, 'urn:oasis:names:tc:saml:2.0:assertion') }),
  fc.constant({ kind: 'duplicate-id' as const }),
);

const refuse = (reason: string, scope: 'signed' | 'envelope' = 'signed'): Verdict => ({ refuse: { reason, scope } });
const OK: Verdict = {};

/** Every AttributeValue of the model, flattened, with its attribute. */
function allValues(m: ResponseModel): Array<{ attribute: SamlAttribute; index: number }> {
  return m.statements.flatMap((s) => s.attributes.flatMap((attribute) => attribute.values.map((_, index) => ({ attribute, index }))));
}

function allAttributes(m: ResponseModel): Array<{ list: SamlAttribute[]; index: number }> {
  return m.statements.flatMap((s) => s.attributes.map((_, index) => ({ list: s.attributes, index })));
}

/** Applies `mu` to `m` in place; `judgeResponse` then says what the result deserves. */
export function applyModelMutation(m: ResponseModel, mu: ModelMutation): void {
  const bearer = m.confirmations[0];
  const at = (n: number | null) => (n === null ? undefined : m.now + n * 1000);
  switch (mu.kind) {
    case 'name-id':
      if (m.nameId) m.nameId.value = mu.value;
      return;
    case 'name-id-format':
      if (m.nameId) m.nameId.format = mu.value ?? undefined;
      return;
    case 'name-id-remove':
      m.nameId = undefined;
      return;
    case 'attr-value': {
      const target = pick(allValues(m), mu.at);
      if (target) target.attribute.values[target.index] = { text: mu.value };
      return;
    }
    case 'attr-add': {
      const statement = pick(m.statements, mu.at) ?? (m.statements[0] = { attributes: [] });
      statement.attributes.push({ name: mu.name, values: mu.values.map((text) => ({ text })) });
      return;
    }
    case 'attr-remove': {
      const target = pick(allAttributes(m), mu.at);
      target?.list.splice(target.index, 1);
      return;
    }
    case 'attr-duplicate': {
      const target = pick(allAttributes(m), mu.at);
      const original = target?.list[target.index];
      if (target && original) target.list.push({ name: original.name, values: mu.values.map((text) => ({ text })) });
      return;
    }
    case 'attr-nil': {
      const target = pick(allValues(m), mu.at);
      if (target) target.attribute.values[target.index] = { text: '', nil: true };
      return;
    }
    case 'statement-add':
      m.statements.push({ attributes: mu.attributes.map((a) => ({ name: a.name, values: a.values.map((text) => ({ text })) })) });
      return;
    case 'statements-remove':
      m.statements = [];
      return;
    case 'big-value': {
      // `size` is in bytes as written (an escaped "&" takes five): the post stays under the size
      // where the SP stops reading and cuts the connection (koa-mellon router/form.ts).
      const written = mu.char === '&' ? 5 : Buffer.byteLength(mu.char);
      const statement = m.statements[0] ?? (m.statements[0] = { attributes: [] });
      statement.attributes.push({ name: 'big', values: [{ text: mu.char.repeat(Math.ceil(mu.size / written)) }] });
      return;
    }
    case 'many-values': {
      const statement = m.statements[0] ?? (m.statements[0] = { attributes: [] });
      statement.attributes.push({ name: 'many', values: Array.from({ length: mu.count }, (_, i) => ({ text: `v${i}` })) });
      return;
    }
    case 'foreign-ns': {
      const uri = mu.uri === '' ? FOREIGN : mu.uri;
      if (mu.target === 'statement') {
        const i = Math.floor(mu.at * m.statements.length);
        const statement = m.statements[i];
        if (statement) m.statements[i] = { ...statement, ns: uri };
      } else if (mu.target === 'attribute') {
        const target = pick(allAttributes(m), mu.at);
        const attribute = target?.list[target.index];
        if (target && attribute) target.list[target.index] = { ...attribute, ns: uri };
      } else {
        const target = pick(allValues(m), mu.at);
        const value = target?.attribute.values[target.index];
        if (target && value) target.attribute.values[target.index] = { ...value, ns: uri };
      }
      return;
    }
    case 'text-style':
      if (mu.target === 'name-id' && m.nameId) m.nameId.style = mu.style;
      if (mu.target === 'values') {
        for (const { attribute, index } of allValues(m)) {
          const value = attribute.values[index];
          if (value) attribute.values[index] = { ...value, style: mu.style };
        }
      }
      return;
    case 'audience':
      if (m.conditions) m.conditions.audiences = [[mu.value]];
      return;
    case 'audience-remove':
      if (m.conditions) m.conditions.audiences = [];
      return;
    case 'audience-also':
      m.conditions?.audiences[0]?.push(mu.value);
      return;
    case 'audience-restriction':
      m.conditions?.audiences.push([mu.value]);
      return;
    case 'recipient':
      if (bearer) bearer.recipient = mu.value;
      return;
    case 'destination':
      m.destination = mu.value;
      return;
    case 'destination-remove':
      m.destination = undefined;
      return;
    case 'issuer':
      if (mu.where === 'assertion') m.assertionIssuer = mu.value;
      else m.responseIssuer = mu.value;
      return;
    case 'response-issuer-remove':
      m.responseIssuer = undefined;
      return;
    case 'conditions-time':
      if (m.conditions) {
        m.conditions.notBefore = at(mu.notBefore);
        m.conditions.notOnOrAfter = at(mu.notOnOrAfter);
      }
      return;
    case 'bearer-time':
      if (bearer) {
        bearer.notBefore = at(mu.notBefore);
        bearer.notOnOrAfter = at(mu.notOnOrAfter);
      }
      return;
    case 'method':
      if (bearer) bearer.method = mu.value;
      return;
    case 'extra-confirmation':
      m.confirmations.push({ method: mu.method, recipient: 'https://elsewhere.example/acs' });
      return;
    case 'version':
      if (mu.where === 'assertion') m.assertionVersion = mu.value;
      else m.version = mu.value;
      return;
    case 'status':
      m.status = mu.value;
      return;
    case 'authn-remove':
      m.authn = [];
      return;
    case 'in-response-to':
      if (mu.where !== 'bearer') m.inResponseTo = mu.value;
      if (mu.where !== 'response' && bearer) bearer.inResponseTo = mu.value;
      return;
    case 'in-response-to-remove':
      if (mu.where !== 'bearer') m.inResponseTo = undefined;
      if (mu.where !== 'response' && bearer) bearer.inResponseTo = undefined;
      return;
  }
}

/** Where the response is going and what the SP waits for. */
export interface Judged {
  readonly spEntityId: string;
  readonly acsUrl: string;
  readonly idpEntityId: string;
  /** The AuthnRequest ID the SP waits for (SP-initiated), else undefined. */
  readonly requestId: string | undefined;
  /** The SP refuses unsolicited responses. */
  readonly strict: boolean;
}

/**
 * What the final model deserves, by the rules of saml-core and saml-profiles §4.1.4.3 as
 * docs/security.md states them (exact comparisons; XML whitespace around element values is
 * tolerated; time is judged only well away from the clock-skew edges).
 */
export function judgeResponse(m: ResponseModel, e: Judged): Verdict[] {
  const out: Verdict[] = [];
  const no = (reason: string, scope: 'signed' | 'envelope' = 'signed') => out.push(refuse(reason, scope));
  const seconds = (t: number | undefined) => (t === undefined ? undefined : (t - m.now) / 1000);
  if (m.version !== '2.0') no('Response is not SAML 2.0', 'envelope');
  if (m.assertionVersion !== '2.0') no('Assertion is not SAML 2.0');
  if (m.status !== SUCCESS) no('Status is not Success', 'envelope');
  if (m.destination !== undefined && m.destination !== e.acsUrl) no('Destination is not our ACS', 'envelope');
  if (m.responseIssuer !== undefined && xmlTrim(m.responseIssuer) !== e.idpEntityId) no('Response Issuer is not the IdP', 'envelope');
  if (xmlTrim(m.assertionIssuer) !== e.idpEntityId) no('Assertion Issuer is not the IdP');
  if (!m.nameId) no('no NameID');
  else if (xmlTrim(m.nameId.value) === '') no('empty NameID');
  if (m.authn.length === 0) no('no AuthnStatement');
  const restrictions = m.conditions?.audiences ?? [];
  if (restrictions.length === 0) no('no AudienceRestriction (saml-profiles §4.1.4.2)');
  if (restrictions.some((list) => !list.some((a) => xmlTrim(a) === e.spEntityId))) no('an AudienceRestriction excludes this SP (saml-core §2.5.1.4)');
  const notBefore = seconds(m.conditions?.notBefore);
  const notOnOrAfter = seconds(m.conditions?.notOnOrAfter);
  if ((notBefore !== undefined && timeVerdict(true, notBefore) === 'bad') || (notOnOrAfter !== undefined && timeVerdict(false, notOnOrAfter) === 'bad')) no('Conditions exclude now');
  const signedOk = m.confirmations.filter((c) => {
    const until = seconds(c.notOnOrAfter);
    return c.method === BEARER && c.notBefore === undefined && until !== undefined && timeVerdict(false, until) !== 'bad' && c.recipient === e.acsUrl;
  });
  const usable = signedOk.filter((c) => !(c.inResponseTo !== undefined && m.inResponseTo !== undefined && c.inResponseTo !== m.inResponseTo));
  if (signedOk.length === 0) no('no bearer SubjectConfirmation satisfies the profile (Recipient, NotOnOrAfter, no NotBefore)');
  else if (usable.length === 0) no('InResponseTo differs between Response and SubjectConfirmationData', 'envelope');
  const bearerAnswers = usable[0]?.inResponseTo;
  const answered = bearerAnswers ?? m.inResponseTo;
  const scope = bearerAnswers === undefined ? 'envelope' : 'signed';
  if (answered === undefined ? e.strict : answered !== e.requestId) no(answered === undefined ? 'unsolicited response at an SP that refuses them' : 'InResponseTo names no request of ours', scope);
  return out;
}

/** Applies `mu` to the tree; a tree mutation never changes the identity a correct SP reads. */
export function applyTreeMutation(t: ResponseTree, mu: TreeMutation, idpEntityId: string, render: { declaration?: string | undefined }): Verdict {
  const evil = (suffix: string) => evilAssertion(idpEntityId, `_evil${suffix}`);
  const insertAt = (parent: XElement, f: number, node: XNode) => parent.children.splice(Math.floor(f * (parent.children.length + 1)), 0, node);
  switch (mu.kind) {
    case 'advice-assertion':
      t.assertion.children.splice(t.assertion.children.indexOf(t.conditions ?? t.assertion) + 1 || t.assertion.children.length, 0, { kind: 'el', ns: NS.saml, local: 'Advice', attrs: [], children: [evil('a')] });
      return OK;
    case 'second-assertion': {
      const second = evil('b');
      const id = t.assertion.attrs.find((a) => a.local === 'ID');
      if (mu.sameId && id) second.attrs = second.attrs.map((a) => (a.local === 'ID' ? { ...a, value: id.value } : a));
      t.root.children.splice(mu.first ? t.root.children.indexOf(t.assertion) : t.root.children.length, 0, second);
      return refuse('two assertions in one Response', 'envelope');
    }
    case 'wrap-signed-assertion': {
      // XML signature wrapping (McIntyre et al. 2012 class): the signed assertion hidden inside an unsigned one.
      const outer = evil('w');
      const inside: XElement = mu.into === 'advice' ? { kind: 'el', ns: NS.saml, local: 'Advice', attrs: [], children: [t.assertion] } : t.assertion;
      if (mu.into === 'advice') outer.children.splice(2, 0, inside);
      else {
        const subject = outer.children.find((c): c is XElement => c.kind === 'el' && c.local === 'Subject');
        subject?.children.push({ kind: 'el', ns: NS.saml, local: 'SubjectConfirmation', attrs: [{ local: 'Method', value: BEARER }], children: [{ kind: 'el', ns: NS.saml, local: 'SubjectConfirmationData', attrs: [], children: [t.assertion] }] });
      }
      t.root.children[t.root.children.indexOf(t.assertion)] = outer;
      return refuse('the Response\'s assertion is an unsigned wrapper around the signed one');
    }
    case 'rename-root':
      t.root.local = mu.local;
      return refuse('the root is not a samlp:Response', 'envelope');
    case 'extensions-assertion':
      t.root.children.splice(t.root.children.findIndex((c) => c.kind === 'slot') + 1, 0, { kind: 'el', ns: NS.samlp, local: 'Extensions', attrs: [], children: [evil('c')] });
      return OK;
    case 'confirmation-name-id':
      t.confirmation?.children.unshift({ kind: 'el', ns: NS.saml, local: 'NameID', attrs: [], children: [{ kind: 'text', value: 'mallory' }] });
      return OK;
    case 'second-name-id':
      if (!t.subject || !t.nameId) return OK;
      t.subject.children.splice(mu.first ? 0 : 1, 0, { kind: 'el', ns: NS.saml, local: 'NameID', attrs: [], children: [{ kind: 'text', value: 'mallory' }] });
      return OK; // judged on the final tree (subjectNameId)
    case 'confirmation-data-assertion':
      t.confirmationData?.children.push(evil('d'));
      return OK;
    case 'deep': {
      let inner: XElement = { kind: 'el', ns: 'urn:example:deep', local: 'd', attrs: [], children: [{ kind: 'text', value: 'x' }] };
      for (let i = 1; i < mu.depth; i++) inner = { kind: 'el', ns: 'urn:example:deep', local: 'd', attrs: [], children: [inner] };
      if (mu.where === 'confirmation-data') t.confirmationData?.children.push(inner);
      else t.assertion.children.splice(t.assertion.children.indexOf(t.conditions ?? t.assertion) + 1 || t.assertion.children.length, 0, { kind: 'el', ns: NS.saml, local: 'Advice', attrs: [], children: [inner] });
      return OK;
    }
    case 'unknown-element': {
      // Never into an element holding text: what text-with-markup says is another question (element-in-name-id).
      const targets: XElement[] = [];
      walkElements(t.root, (node) => {
        if (!TEXT_ELEMENTS.has(node.local)) targets.push(node);
      });
      const target = pick(targets, mu.at);
      const ns = mu.ns === 'saml' ? NS.saml : mu.ns === 'foreign' ? FOREIGN : undefined;
      if (target) insertAt(target, mu.position, { kind: 'el', ns, local: mu.local, attrs: [], children: [] });
      return OK;
    }
    case 'unknown-attribute': {
      const targets: XElement[] = [];
      walkElements(t.root, (node) => targets.push(node));
      const target = pick(targets, mu.at);
      const ns = mu.ns === 'foreign' ? FOREIGN : mu.ns === 'xml' ? 'http://www.w3.org/XML/1998/namespace' : undefined;
      if (target && !target.attrs.some((a) => a.local === mu.local && a.ns === ns)) target.attrs.push({ ns, local: mu.local, value: mu.value });
      return OK;
    }
    case 'comment-in-value': {
      const target = mu.target === 'name-id' ? t.nameId : t.statements[0]?.children.find((c): c is XElement => c.kind === 'el')?.children.find((c): c is XElement => c.kind === 'el');
      splitText(target, mu.at, { kind: 'comment', value: '' });
      return OK;
    }
    case 'element-in-name-id':
      splitText(t.nameId, mu.at, { kind: 'el', ns: NS.saml, local: 'X', attrs: [], children: [] });
      return OK;
    case 'pi':
      if (mu.where === 'name-id') splitText(t.nameId, 0.5, { kind: 'pi', target: 'x', data: 'y' });
      else if (mu.where === 'assertion') t.assertion.children.push({ kind: 'pi', target: 'x', data: 'y' });
      else render.declaration = `${render.declaration ?? ''}<?x-fuzz y?>`;
      return mu.where === 'name-id' && !t.nameId ? OK : refuse('processing instruction (always refused)', mu.where === 'prolog' ? 'envelope' : 'signed');
    case 'doctype':
      render.declaration = `${render.declaration ?? ''}<!DOCTYPE samlp:Response [<!ENTITY x "alice">]>`;
      return refuse('DOCTYPE (always refused)', 'envelope');
    case 'signature-position': {
      const i = t.assertion.children.findIndex((c) => c.kind === 'slot');
      const [slot] = t.assertion.children.splice(i, 1);
      if (!slot) return OK;
      if (mu.where === 'end') t.assertion.children.push(slot);
      else if (mu.where === 'first') t.assertion.children.unshift(slot);
      else if (t.subject) t.subject.children.unshift(slot);
      else t.assertion.children.splice(i, 0, slot);
      return OK;
    }
    case 'namespace': {
      const target = { assertion: t.assertion, subject: t.subject, 'name-id': t.nameId, conditions: t.conditions, confirmation: t.confirmation, issuer: t.assertion.children.find((c): c is XElement => c.kind === 'el') }[mu.target];
      if (!target) return OK;
      target.ns = mu.uri;
      // Subject and NameID are judged on the final tree (subjectNameId): another NameID may remain.
      return mu.target === 'subject' || mu.target === 'name-id' ? OK : refuse(`${mu.target} is not in SAML's namespace`);
    }
    case 'duplicate-id': {
      const id = t.assertion.attrs.find((a) => a.local === 'ID');
      const rid = t.root.attrs.findIndex((a) => a.local === 'ID');
      if (id && rid >= 0) t.root.attrs[rid] = { local: 'ID', value: id.value };
      return refuse('duplicate ID (always refused)', 'envelope');
    }
  }
}

/**
 * The NameID the final tree gives its subject, read from the fuzzer's own tree: the one
 * `saml:NameID` child of the `saml:Subject` of the assertion (saml-core §2.4.1), its text without
 * comments and XML whitespace around it. None or several: a correct SP refuses.
 */
export function subjectNameId(t: ResponseTree): { value: string } | { refuse: string } {
  const isSaml = (n: XNode, local: string): n is XElement => n.kind === 'el' && n.ns === NS.saml && n.local === local;
  if (t.assertion.ns !== NS.saml) return { refuse: 'the Assertion is not in SAML\'s namespace' };
  const subjects = t.assertion.children.filter((c) => isSaml(c, 'Subject'));
  const ids = subjects.flatMap((s) => (s.kind === 'el' ? s.children.filter((c) => isSaml(c, 'NameID')) : []));
  if (subjects.length > 1 || ids.length !== 1) return { refuse: ids.length === 0 ? 'no NameID' : 'more than one Subject or NameID' };
  const id = ids[0] as XElement;
  const value = xmlTrim(id.children.map((c) => (c.kind === 'text' ? c.value : '')).join(''));
  return value === '' ? { refuse: 'empty NameID' } : { value };
}

/** Cuts the text of `target` at `f` and puts `node` in between (the value read around it is unchanged). */
function splitText(target: XElement | undefined, f: number, node: XNode): void {
  const text = target?.children.find((c) => c.kind === 'text');
  if (!target || !text || text.kind !== 'text') return;
  const chars = [...text.value];
  const at = Math.floor(f * (chars.length + 1));
  target.children = [{ ...text, value: chars.slice(0, at).join('') }, node, { ...text, value: chars.slice(at).join('') }];
}
