import { C14nCanonicalization, ExclusiveCanonicalization, ExclusiveCanonicalizationWithComments } from 'xml-crypto';
import { NS } from '../constants/urn.js';
import { TRANSFORM } from '../constants/algorithms.js';
import { inScopeNamespaces } from '../xml/select.js';

const EXCLUSIVE = new ExclusiveCanonicalization();
const EXCLUSIVE_WITH_COMMENTS = new ExclusiveCanonicalizationWithComments();
const INCLUSIVE = new C14nCanonicalization();

export interface CanonicalizeOptions {
  /** `TRANSFORM.excC14n` (default), `TRANSFORM.excC14nWithComments` or `TRANSFORM.c14n10`. */
  readonly algorithm?: string;
  /** The InclusiveNamespaces PrefixList (exc-c14n §3); exclusive c14n only. */
  readonly prefixList?: readonly string[];
  /** A descendant left out of the output: the enveloped signature (xmldsig-core §6.6.4). */
  readonly exclude?: Node;
}

interface Declaration {
  prefix: string;
  namespaceURI: string;
}

/**
 * XML canonicalization (xml-crypto's implementations) of `el` in its document context. The DOM
 * is left exactly as it was: the excluded node is put back, and what is copied onto the apex for
 * the algorithm (PrefixList declarations, inherited xml:* attributes) is removed again.
 */
export function canonicalize(el: Element, options: CanonicalizeOptions = {}): string {
  if (options.algorithm === TRANSFORM.c14n10) return withExcluded(options.exclude, () => canonicalizeInclusive(el));
  const engine = options.algorithm === TRANSFORM.excC14nWithComments ? EXCLUSIVE_WITH_COMMENTS : EXCLUSIVE;
  const prefixList = options.prefixList ?? [];
  const added = prefixList.length > 0 ? ancestorDeclarations(el, prefixList) : [];
  try {
    return withExcluded(options.exclude, () =>
      // xml-crypto types its DOM as xmldom 0.8's; ours is structurally the same.
      engine.process(el as never, { inclusiveNamespacesPrefixList: [...prefixList], ancestorNamespaces: added }),
    );
  } finally {
    for (const { prefix } of added) el.removeAttributeNS(NS.xmlns, prefix);
  }
}

/**
 * Inclusive C14N 1.0 of a document subset (xml-c14n §2.4): the apex carries every namespace in
 * scope from its ancestors, and the xml:* attributes it inherits (xml:lang, xml:space...).
 * xml-crypto renders the first from `ancestorNamespaces`; the second are put on the apex for the
 * call and taken off again.
 */
function canonicalizeInclusive(el: Element): string {
  const parent = el.parentNode;
  const inherited = parent && parent.nodeType === 1 ? inScopeNamespaces(parent as Element) : {};
  const ancestorNamespaces: Declaration[] = Object.entries(inherited)
    .filter(([prefix, uri]) => prefix !== 'xml' && !(prefix === '' && uri === ''))
    .map(([prefix, namespaceURI]) => ({ prefix, namespaceURI }));
  const xmlAttributes = inheritedXmlAttributes(el);
  for (const attr of xmlAttributes) el.setAttributeNS(NS.xml, `xml:${attr.localName}`, attr.value);
  try {
    // xml-crypto types its DOM as xmldom 0.8's; ours is structurally the same.
    return INCLUSIVE.process(el as never, { ancestorNamespaces });
  } finally {
    for (const attr of xmlAttributes) el.removeAttributeNS(NS.xml, attr.localName);
  }
}

/** xml:* attributes of `el`'s ancestors that `el` does not set itself, nearest ancestor first wins. */
function inheritedXmlAttributes(el: Element): { localName: string; value: string }[] {
  const out = new Map<string, string>();
  for (let node = el.parentNode; node && node.nodeType === 1; node = node.parentNode) {
    const attrs = (node as Element).attributes;
    for (let i = 0; i < attrs.length; i++) {
      const attr = attrs[i] as Attr;
      if (attr.namespaceURI === NS.xml && !out.has(attr.localName) && !el.hasAttributeNS(NS.xml, attr.localName)) out.set(attr.localName, attr.value);
    }
  }
  return [...out].map(([localName, value]) => ({ localName, value }));
}

/** Runs `fn` with `exclude` taken out of the tree, and puts it back where it was. */
function withExcluded<T>(exclude: Node | undefined, fn: () => T): T {
  const parent = exclude?.parentNode ?? null;
  const next = exclude?.nextSibling ?? null;
  if (exclude && parent) parent.removeChild(exclude);
  try {
    return fn();
  } finally {
    if (exclude && parent) parent.insertBefore(exclude, next);
  }
}

/** Declarations of listed prefixes that `el` inherits from its ancestors (not declared on itself). */
function ancestorDeclarations(el: Element, prefixList: readonly string[]): Declaration[] {
  const out: Declaration[] = [];
  for (const prefix of prefixList) {
    if (el.getAttributeNodeNS(NS.xmlns, prefix)) continue;
    for (let node = el.parentNode; node && node.nodeType === 1; node = node.parentNode) {
      const decl = (node as Element).getAttributeNodeNS(NS.xmlns, prefix);
      if (decl) {
        out.push({ prefix, namespaceURI: decl.value });
        break;
      }
    }
  }
  return out;
}
