import fc from 'fast-check';
import { attributeName, fraction, offset, pick, textStyle, xmlText } from './arbitraries.js';
import type { ResponseModel, SamlAttribute } from './response-model.js';
import { BEARER, NS } from './saml-ns.js';
import { xmlTrim, type TextStyle } from './xml-tree.js';

/**
 * Mutations of a Response's content before the IdP signs it, as plain data (fast-check prints and
 * shrinks them). `judgeResponse` (response-judge.ts) then says what the mutated model deserves;
 * tree mutations (acs-tree-mutations.ts) change its markup.
 */
export const FOREIGN = 'urn:example:not-saml';
export const SAML1 = 'urn:oasis:names:tc:SAML:1.0:assertion';

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
