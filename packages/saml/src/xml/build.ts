import { DOMImplementation, XMLSerializer } from '@xmldom/xmldom';
import { NS, type NamespacePrefix } from '../constants/urn.js';

/**
 * A small XML builder: messages are built as DOM nodes, never from string templates, so every
 * attribute and text value is escaped by construction (CONVENTIONS §12).
 *
 * @example
 * const doc = buildDocument(x('samlp:LogoutResponse', { ID: id, Version: '2.0' }, x('saml:Issuer', {}, entityId)));
 */
export interface XmlElement {
  /** Qualified name whose prefix is one of `NS`'s keys, e.g. `saml:Assertion`. */
  readonly name: string;
  readonly attributes: ReadonlyMap<string, string>;
  readonly children: readonly (XmlElement | string)[];
}

export type XmlChild = XmlElement | string | number | null | undefined | false | readonly XmlChild[];
export type XmlAttributes = Readonly<Record<string, string | number | boolean | null | undefined>>;

/** Declares an element; `undefined`, `null` and `false` attributes and children are left out. */
export function x(name: string, attributes: XmlAttributes = {}, ...children: XmlChild[]): XmlElement {
  const attrs = new Map<string, string>();
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    attrs.set(key, String(value));
  }
  return { name, attributes: attrs, children: flatten(children) };
}

function flatten(children: readonly XmlChild[]): (XmlElement | string)[] {
  const out: (XmlElement | string)[] = [];
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) out.push(...flatten(child));
    else if (typeof child === 'object') out.push(child as XmlElement);
    else if (child !== '') out.push(String(child));
  }
  return out;
}

function namespaceOf(qname: string): { prefix: NamespacePrefix; uri: string } {
  const colon = qname.indexOf(':');
  const prefix = qname.slice(0, colon);
  if (colon < 1 || !(prefix in NS)) throw new TypeError(`unknown namespace prefix in ${qname}`);
  // The `in` check above makes the key a known prefix.
  return { prefix: prefix as NamespacePrefix, uri: NS[prefix as NamespacePrefix] };
}

/**
 * Builds a DOM document. Every namespace the tree uses is declared on its root (plus `declare`,
 * for prefixes used only inside attribute values such as `xsi:type="xs:string"`), so that any
 * element of it serialises self-contained.
 */
export function buildDocument(root: XmlElement, declare: readonly NamespacePrefix[] = []): Document {
  const rootNs = namespaceOf(root.name);
  // @xmldom/xmldom's Document is structurally the DOM's; the cast only renames the type.
  const document = new DOMImplementation().createDocument(rootNs.uri, root.name, null) as unknown as Document;
  const used = new Set<NamespacePrefix>(declare);
  fill(document, document.documentElement, root, used);
  for (const prefix of [...used].sort()) {
    document.documentElement.setAttributeNS(NS.xmlns, `xmlns:${prefix}`, NS[prefix]);
  }
  return document;
}

/** Builds `tree` as a new element of `document` (not yet attached). */
export function buildElement(document: Document, tree: XmlElement): Element {
  const el = document.createElementNS(namespaceOf(tree.name).uri, tree.name);
  fill(document, el, tree, new Set());
  return el;
}

function fill(document: Document, el: Element, tree: XmlElement, used: Set<NamespacePrefix>): void {
  used.add(namespaceOf(tree.name).prefix);
  for (const [name, value] of tree.attributes) {
    if (name.includes(':')) {
      const ns = namespaceOf(name);
      // An explicit `xmlns:p` declaration is not a use of a prefix named "xmlns".
      if (ns.prefix !== 'xmlns') used.add(ns.prefix);
      el.setAttributeNS(ns.uri, name, value);
    } else {
      el.setAttribute(name, value);
    }
  }
  for (const child of tree.children) {
    if (typeof child === 'string') {
      el.appendChild(document.createTextNode(child));
    } else {
      const childEl = document.createElementNS(namespaceOf(child.name).uri, child.name);
      fill(document, childEl, child, used);
      el.appendChild(childEl);
    }
  }
}

/** Serialises a document or element (xmldom escapes `&`, `<`, `>` and quotes as it goes). */
export function serializeXml(node: Node): string {
  // The serializer accepts any DOM node; the cast bridges xmldom's and the DOM's Node types.
  return new XMLSerializer().serializeToString(node as never);
}
