import { fail } from '../errors.js';
import { NS, type NamespacePrefix } from '../constants/urn.js';
import { isXmlSpace } from './text.js';

const ELEMENT_NODE = 1;
const TEXT_NODE = 3;
const CDATA_SECTION_NODE = 4;

/** True when `node` is the element `{NS[prefix]}local`: namespace-exact, prefix-blind. */
export function isElement(node: Node | null | undefined, ns: NamespacePrefix, local: string): boolean {
  return !!node && node.nodeType === ELEMENT_NODE && (node as Element).localName === local && (node as Element).namespaceURI === NS[ns];
}

/**
 * The element children of `el`. Element-only content may hold whitespace and comments between the
 * elements, nothing else: non-blank text there is refused (an attacker's "unexpected sibling").
 */
export function elementChildren(el: Element): Element[] {
  const out: Element[] = [];
  for (let child = el.firstChild; child; child = child.nextSibling) {
    if (child.nodeType === ELEMENT_NODE) out.push(child as Element);
    else if ((child.nodeType === TEXT_NODE || child.nodeType === CDATA_SECTION_NODE) && !isXmlSpace((child as CharacterData).data)) {
      fail('XML_UNEXPECTED_CONTENT', `text beside child elements of <${el.localName}>`);
    }
  }
  return out;
}

/** Every child `{ns}local` of `el`, in document order. */
export function childrenNamed(el: Element, ns: NamespacePrefix, local: string): Element[] {
  return elementChildren(el).filter((child) => isElement(child, ns, local));
}

/** The child `{ns}local` of `el` if there is one; more than one is refused. */
export function optionalChild(el: Element, ns: NamespacePrefix, local: string): Element | undefined {
  const found = childrenNamed(el, ns, local);
  if (found.length > 1) fail('XML_UNEXPECTED_CONTENT', `more than one <${local}> in <${el.localName}>`);
  return found[0];
}

/** The one child `{ns}local` of `el`. */
export function requiredChild(el: Element, ns: NamespacePrefix, local: string): Element {
  const found = optionalChild(el, ns, local);
  if (!found) fail('MESSAGE_INVALID', `<${el.localName}> lacks <${local}>`);
  return found;
}

/**
 * Checks that `el`'s element children follow `sequence`: each entry names an element and how many
 * times it may occur, in schema order. Anything else, or out of order, is refused.
 */
export function expectSequence(
  el: Element,
  sequence: ReadonlyArray<readonly [NamespacePrefix, string, 'optional' | 'required' | 'many']>,
  options: { allowOtherNamespaces?: boolean } = {},
): Element[] {
  const children = elementChildren(el);
  let index = 0;
  for (const [ns, local, occurs] of sequence) {
    let count = 0;
    while (index < children.length && isElement(children[index], ns, local)) {
      index++;
      count++;
    }
    if (occurs === 'required' && count === 0) fail('MESSAGE_INVALID', `<${el.localName}> lacks <${local}>`);
    if (occurs !== 'many' && count > 1) fail('XML_UNEXPECTED_CONTENT', `more than one <${local}> in <${el.localName}>`);
  }
  if (index < children.length) {
    const extra = children[index] as Element;
    const foreign = !Object.values(NS).includes(extra.namespaceURI as (typeof NS)[NamespacePrefix]);
    if (!(options.allowOtherNamespaces && foreign)) {
      fail('XML_UNEXPECTED_CONTENT', `unexpected <${extra.localName}> in <${el.localName}>`);
    }
  }
  return children;
}

/** The un-namespaced attribute `name`, or undefined when absent. */
export function attribute(el: Element, name: string): string | undefined {
  const node = el.getAttributeNode(name);
  return node ? node.value : undefined;
}

/** The un-namespaced attribute `name`; absent is a MESSAGE_INVALID. */
export function requiredAttribute(el: Element, name: string): string {
  const value = attribute(el, name);
  if (value === undefined || value === '') fail('MESSAGE_INVALID', `<${el.localName}> lacks @${name}`);
  return value;
}

/** The in-scope namespace declarations of `el` (its own and its ancestors'), nearest first wins. */
export function inScopeNamespaces(el: Element): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  for (let node: Node | null = el; node && node.nodeType === ELEMENT_NODE; node = node.parentNode) {
    const attrs = (node as Element).attributes;
    for (let i = 0; i < attrs.length; i++) {
      const attr = attrs[i] as Attr;
      if (attr.prefix === 'xmlns' && !(attr.localName in out)) out[attr.localName] = attr.value;
      else if (attr.name === 'xmlns' && !('' in out)) out[''] = attr.value;
    }
  }
  return out;
}
