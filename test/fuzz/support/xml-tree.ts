/**
 * A tiny XML tree and serializer of the fuzzer's own, independent of @koa-mellon/saml's builder:
 * the fuzzer knows exactly which characters it wrote, so the values a conforming parser must read
 * back (XML 1.0 §2.11 line ends, §3.3.3 attribute-value normalization) are known in advance.
 *
 * Render options vary the syntax without changing the infoset: prefixes or a default namespace,
 * where namespaces are declared, quotes, attribute order, whitespace or comments between
 * elements, text as character references or CDATA, the XML declaration.
 */

export type XNode = XElement | XText | XComment | XPi | XSlot;

export interface XAttr {
  readonly ns?: string | undefined;
  readonly local: string;
  readonly value: string;
  /** The value is a QName in this namespace (xsi:type="xs:string"): its prefix follows the render. */
  readonly qname?: { readonly ns: string; readonly local: string } | undefined;
}

export interface XElement {
  readonly kind: 'el';
  ns?: string | undefined;
  local: string;
  attrs: XAttr[];
  children: XNode[];
}

/** Text whose parsed value is `value`, written in `style`. */
export interface XText {
  readonly kind: 'text';
  readonly value: string;
  readonly style?: TextStyle | undefined;
}

export interface XComment {
  readonly kind: 'comment';
  readonly value: string;
}

export interface XPi {
  readonly kind: 'pi';
  readonly target: string;
  readonly data: string;
}

/** Where a signature goes; filled by `resign`. */
export interface XSlot {
  readonly kind: 'slot';
  readonly name: string;
}

/** plain: escaped text; charref: every character as &#x..; cdata: CDATA sections; mixed: a mix, cut at `seed`. */
export type TextStyle = 'plain' | 'charref' | 'cdata' | 'mixed';

export interface RenderOptions {
  /** Prefix per namespace URI ('' = default namespace). Missing URIs get `p0`, `p1`... */
  readonly prefixes?: ReadonlyMap<string, string> | undefined;
  /** root: all declarations on the root; each: on every element that uses them; minimal: where first needed. */
  readonly declare?: 'root' | 'each' | 'minimal' | undefined;
  readonly quote?: '"' | "'" | undefined;
  /** Reverse attribute order. */
  readonly reverseAttributes?: boolean | undefined;
  /** Written between element children (whitespace or comments); never inside text-only elements. */
  readonly between?: string | undefined;
  /** Default style of text nodes that do not name one. */
  readonly textStyle?: TextStyle | undefined;
  /** Attribute values as character references. */
  readonly charrefAttributes?: boolean | undefined;
  /** The XML declaration and/or a byte order mark before the root. */
  readonly declaration?: string | undefined;
  readonly bom?: boolean | undefined;
}

export const XML_NS = 'http://www.w3.org/XML/1998/namespace';

export function el(ns: string | undefined, local: string, attrs: Record<string, string | undefined> = {}, ...children: Array<XNode | string | false | undefined>): XElement {
  return {
    kind: 'el',
    ns,
    local,
    attrs: Object.entries(attrs).flatMap(([k, v]) => (v === undefined ? [] : [{ local: k, value: v }])),
    children: children.flatMap((c) => (c === false || c === undefined ? [] : [typeof c === 'string' ? { kind: 'text', value: c } as XText : c])),
  };
}

/** The XML 1.0 whitespace trim (#x20 | #x9 | #xD | #xA), as opposed to JavaScript's trim(). */
export function xmlTrim(value: string): string {
  return value.replace(/^[\x20\x09\x0d\x0a]+|[\x20\x09\x0d\x0a]+$/g, '');
}

/** True when every character is an XML 1.0 Char (§2.2). */
export function isXmlText(value: string): boolean {
  return /^[\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]*$/u.test(value);
}

export function render(root: XElement, options: RenderOptions = {}, slots: ReadonlyMap<string, string> = new Map()): string {
  const prefixes = new Map(options.prefixes ?? []);
  const prefixOf = (uri: string): string => {
    let prefix = prefixes.get(uri);
    if (prefix === undefined) {
      prefix = `p${prefixes.size}`;
      prefixes.set(uri, prefix);
    }
    return prefix;
  };
  // Attributes need a non-empty prefix even when their namespace is the default one.
  const attrPrefixOf = (uri: string): string => {
    if (uri === XML_NS) return 'xml';
    const p = prefixOf(uri);
    return p === '' ? `a${[...prefixes.keys()].indexOf(uri)}` : p;
  };
  const quote = options.quote ?? '"';
  const declare = options.declare ?? 'minimal';
  const used = declare === 'root' ? usedNamespaces(root) : undefined;

  const writeElement = (node: XElement, scope: ReadonlyMap<string, string>, isRoot: boolean): string => {
    const local = new Map(scope);
    const decls: string[] = [];
    const declaredHere = new Set<string>();
    const bind = (prefix: string, uri: string, force: boolean) => {
      if (declaredHere.has(prefix) || (!force && local.get(prefix) === uri)) return;
      declaredHere.add(prefix);
      local.set(prefix, uri);
      decls.push(prefix === '' ? `xmlns=${q(uri)}` : `xmlns:${prefix}=${q(uri)}`);
    };
    const q = (value: string) => `${quote}${escapeAttribute(value, quote, options.charrefAttributes ?? false)}${quote}`;
    if (isRoot && used) {
      for (const uri of used.elements) bind(prefixOf(uri), uri, false);
      for (const uri of used.attributes) if (uri !== XML_NS) bind(attrPrefixOf(uri), uri, false);
    }
    const force = declare === 'each';
    let name: string;
    if (node.ns === undefined) {
      if ((local.get('') ?? '') !== '') bind('', '', false);
      name = node.local;
    } else {
      const prefix = prefixOf(node.ns);
      bind(prefix, node.ns, force);
      name = prefix === '' ? node.local : `${prefix}:${node.local}`;
    }
    const attrs: string[] = [];
    for (const attr of node.attrs) {
      let attrName = attr.local;
      if (attr.ns !== undefined) {
        const prefix = attrPrefixOf(attr.ns);
        if (attr.ns !== XML_NS) bind(prefix, attr.ns, force);
        attrName = `${prefix}:${attr.local}`;
      }
      let value = attr.value;
      if (attr.qname) {
        const prefix = attrPrefixOf(attr.qname.ns);
        bind(prefix, attr.qname.ns, force);
        value = `${prefix}:${attr.qname.local}`;
      }
      attrs.push(`${attrName}=${q(value)}`);
    }
    if (options.reverseAttributes) attrs.reverse();
    const head = [name, ...decls, ...attrs].join(' ');
    if (node.children.length === 0) return `<${head}/>`;
    const hasElements = node.children.some((c) => c.kind === 'el' || c.kind === 'slot');
    const gap = hasElements && !node.children.some((c) => c.kind === 'text') ? (options.between ?? '') : '';
    const body = node.children.map((child) => writeNode(child, local)).join(gap);
    return `<${head}>${gap}${body}${gap}</${name}>`;
  };

  const writeNode = (node: XNode, scope: ReadonlyMap<string, string>): string => {
    switch (node.kind) {
      case 'el':
        return writeElement(node, scope, false);
      case 'text':
        return writeText(node.value, node.style ?? options.textStyle ?? 'plain');
      case 'comment':
        return `<!--${node.value}-->`;
      case 'pi':
        return `<?${node.target} ${node.data}?>`;
      case 'slot':
        return slots.get(node.name) ?? '';
    }
  };

  return `${options.bom ? '\ufeff' : ''}${options.declaration ?? ''}${writeElement(root, new Map([['xml', XML_NS]]), true)}`;
}

function usedNamespaces(root: XElement): { elements: Set<string>; attributes: Set<string> } {
  const elements = new Set<string>();
  const attributes = new Set<string>();
  const walk = (node: XNode) => {
    if (node.kind !== 'el') return;
    if (node.ns !== undefined) elements.add(node.ns);
    for (const attr of node.attrs) {
      if (attr.ns !== undefined) attributes.add(attr.ns);
      if (attr.qname) attributes.add(attr.qname.ns);
    }
    node.children.forEach(walk);
  };
  walk(root);
  return { elements, attributes };
}

function charref(ch: string): string {
  return `&#x${(ch.codePointAt(0) ?? 0).toString(16)};`;
}

/**
 * Characters that some parser reads as a line end: CR (XML 1.0 §2.11), and NEL, LS, PS (XML 1.1
 * §2.11, which @xmldom/xmldom applies to XML 1.0 documents too). Written as references, they read
 * back as themselves in every parser, so the value the fuzzer meant is the one any signer signs.
 */
const LINE_ENDS = /[\r\u0085\u2028\u2029]/;

/** Text whose parsed value is exactly `value`. */
export function writeText(value: string, style: TextStyle): string {
  switch (style) {
    case 'plain':
      return value.replace(/[&<>\r\u0085\u2028\u2029]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : charref(c)));
    case 'charref':
      return [...value].map(charref).join('');
    case 'cdata':
      // A CDATA section cannot hold "]]>" nor keep a line end; both go out as plain text between sections.
      return value
        .split(/(\]\]>|[\r\u0085\u2028\u2029])/)
        .map((part) => (part === ']]>' || LINE_ENDS.test(part) ? writeText(part, 'plain') : part === '' ? '' : `<![CDATA[${part}]]>`))
        .join('');
    case 'mixed': {
      const chars = [...value];
      const out: string[] = [];
      for (let i = 0; i < chars.length; i += 3) {
        const part = chars.slice(i, i + 3).join('');
        out.push(writeText(part, (['plain', 'charref', 'cdata'] as const)[(i / 3) % 3] as TextStyle));
      }
      return out.join('');
    }
  }
}

function escapeAttribute(value: string, quote: string, all: boolean): string {
  if (all) return [...value].map(charref).join('');
  // Tab, LF, CR (and the XML 1.1 line ends) as references: literal ones are normalized to spaces (XML 1.0 §3.3.3).
  return value.replace(/[&<>\t\n\r\u0085\u2028\u2029"']/g, (c) => {
    if (c === '&') return '&amp;';
    if (c === '<') return '&lt;';
    if (c === '>') return '&gt;';
    if (c === '"' || c === "'") return c === quote ? charref(c) : c;
    return charref(c);
  });
}

/**
 * XML produced by the code under test, made safe to read with @xmldom/xmldom as an XML 1.0
 * parser reads it: a literal NEL, LS or PS is an ordinary character in XML 1.0, which xmldom would
 * turn into a line feed (XML 1.1 line ends). As references they read back as themselves.
 */
export function protectLineEnds(xml: string): string {
  return xml.replace(/[\u0085\u2028\u2029]/g, charref);
}

/** Every element of the tree, depth first, with its parent. */
export function walkElements(root: XElement, visit: (node: XElement, parent: XElement | undefined, depth: number) => void): void {
  const go = (node: XElement, parent: XElement | undefined, depth: number) => {
    visit(node, parent, depth);
    for (const child of node.children) if (child.kind === 'el') go(child, node, depth + 1);
  };
  go(root, undefined, 0);
}
