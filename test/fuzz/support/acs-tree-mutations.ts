import fc from 'fast-check';
import { anyText, fraction, pick } from './arbitraries.js';
import { FOREIGN, SAML1 } from './acs-mutations.js';
import { evilAssertion, type ResponseTree } from './response-model.js';
import { OK, refuse, type Verdict } from './response-judge.js';
import { BEARER, NS } from './saml-ns.js';
import { walkElements, xmlTrim, type XElement, type XNode } from './xml-tree.js';

/**
 * Mutations of a Response's markup before the IdP signs it: wrapping (assertions and NameIDs where
 * attacks park them), unknown elements and attributes, comments and PIs inside values, DOCTYPE,
 * the signature's position, namespaces, a renamed root, duplicate IDs. None changes the identity
 * a correct SP reads, except by leaving it no NameID or two (read from the final tree by
 * `subjectNameId`).
 */
/** Elements whose content is a value (text), not other elements. */
const TEXT_ELEMENTS = new Set(['NameID', 'AttributeValue', 'Issuer', 'Audience', 'AuthnContextClassRef', 'StatusMessage']);

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
      return OK; // judged on the final tree (acs-case.ts)
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
  const value = id.children.map((c) => (c.kind === 'text' ? c.value : '')).join('');
  return xmlTrim(value) === '' ? { refuse: 'empty NameID' } : { value };
}

/** Cuts the text of `target` at `f` and puts `node` in between (the value read around it is unchanged). */
function splitText(target: XElement | undefined, f: number, node: XNode): void {
  const text = target?.children.find((c) => c.kind === 'text');
  if (!target || !text || text.kind !== 'text') return;
  const chars = [...text.value];
  const at = Math.floor(f * (chars.length + 1));
  target.children = [{ ...text, value: chars.slice(0, at).join('') }, node, { ...text, value: chars.slice(at).join('') }];
}
