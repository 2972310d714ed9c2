import { DOMParser } from '@xmldom/xmldom';
import { fail, MellonError } from '../errors.js';
import { isXmlSpace } from './text.js';

/** Limits checked before and during parsing; they cannot be switched off, only sized. */
export interface ParseLimits {
  /** Largest accepted document, in bytes of UTF-8. Default 256 KiB. */
  readonly maxBytes?: number;
  /** Deepest accepted element nesting. Default 64. */
  readonly maxDepth?: number;
}

export const DEFAULT_MAX_BYTES = 256 * 1024;
export const DEFAULT_MAX_DEPTH = 64;

/** A parsed document with every ID-like attribute indexed once. */
export interface ParsedXml {
  readonly document: Document;
  readonly root: Element;
  /** `ID`, `Id` and `id` values (which must be unique across all three) to their element. */
  readonly ids: ReadonlyMap<string, Element>;
}

export interface ParseOptions extends ParseLimits {
  /**
   * Namespace bindings in scope around the document, for a fragment cut out of a larger one (a
   * decrypted assertion whose prefixes were declared on the Response).
   */
  readonly inheritedNamespaces?: Readonly<Record<string, string>>;
}

const ID_ATTRIBUTES = ['ID', 'Id', 'id'] as const;
const ELEMENT_NODE = 1;
const TEXT_NODE = 3;
const CDATA_SECTION_NODE = 4;
const PROCESSING_INSTRUCTION_NODE = 7;
const COMMENT_NODE = 8;
const DOCUMENT_TYPE_NODE = 10;

/**
 * Parses untrusted XML. Refuses, before or while building the DOM: inputs over the size limit,
 * NUL bytes, DOCTYPE (so no entities, no XXE, no billion laughs), processing instructions, more
 * than one root, trailing content, undeclared prefixes, nesting past the depth limit, and
 * duplicate IDs. Any parser warning is an error.
 */
export function parseXml(xml: string, options: ParseOptions = {}): ParsedXml {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  // A UTF-8 string takes at least one byte per UTF-16 unit, so the cheap check comes first.
  if (xml.length > maxBytes || Buffer.byteLength(xml, 'utf8') > maxBytes) {
    fail('INPUT_TOO_LARGE', `XML document over ${maxBytes} bytes`);
  }
  if (xml.includes('\u0000')) fail('XML_INVALID', 'NUL byte in XML');
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) fail('XML_DOCTYPE_FORBIDDEN', 'DOCTYPE or ENTITY declaration');

  let document: Document;
  try {
    const parser = new DOMParser({
      onError: (level, message) => {
        throw new MellonError('XML_INVALID', `parser ${level}: ${message.split('\n')[0] ?? ''}`);
      },
      ...(options.inheritedNamespaces ? { xmlns: options.inheritedNamespaces } : {}),
    });
    // @xmldom/xmldom's Document type is structurally the DOM's; the cast only renames it.
    document = parser.parseFromString(xml, 'text/xml') as unknown as Document;
  } catch (err) {
    if (err instanceof MellonError) throw err;
    const cause = (err as { cause?: unknown }).cause;
    if (cause instanceof MellonError) throw cause;
    throw new MellonError('XML_INVALID', 'XML is not well-formed', { cause: err });
  }

  let root: Element | undefined;
  for (let node = document.firstChild; node; node = node.nextSibling) {
    switch (node.nodeType) {
      case ELEMENT_NODE:
        if (root) fail('XML_INVALID', 'more than one root element');
        root = node as Element;
        break;
      case PROCESSING_INSTRUCTION_NODE:
        // The XML declaration surfaces as a PI named "xml"; it is allowed first and only there.
        if (node.nodeName !== 'xml' || node !== document.firstChild) fail('XML_PI_FORBIDDEN', 'processing instruction');
        break;
      case DOCUMENT_TYPE_NODE:
        fail('XML_DOCTYPE_FORBIDDEN', 'DOCTYPE');
      case COMMENT_NODE:
        break;
      case TEXT_NODE:
        if (isXmlSpace((node as CharacterData).data)) break;
        fail('XML_INVALID', 'text outside the root element');
      default:
        fail('XML_INVALID', `unexpected node type ${node.nodeType} outside the root`);
    }
  }
  if (!root) fail('XML_INVALID', 'no root element');

  const ids = new Map<string, Element>();
  indexTree(root, ids, options.maxDepth ?? DEFAULT_MAX_DEPTH);
  return { document, root, ids };
}

/** One walk: depth limit, node types, NULs from character references, and the ID index. */
function indexTree(root: Element, ids: Map<string, Element>, maxDepth: number): void {
  const stack: Array<{ el: Element; depth: number }> = [{ el: root, depth: 1 }];
  for (let item = stack.pop(); item; item = stack.pop()) {
    const { el, depth } = item;
    if (depth > maxDepth) fail('XML_TOO_DEEP', `nesting deeper than ${maxDepth}`);
    const attributes = el.attributes;
    for (let i = 0; i < attributes.length; i++) {
      const attr = attributes[i] as Attr;
      if (attr.value.includes('\u0000')) fail('XML_INVALID', 'NUL character reference in an attribute');
    }
    for (const name of ID_ATTRIBUTES) {
      const value = el.getAttributeNode(name)?.value;
      if (value === undefined) continue;
      if (ids.has(value)) fail('XML_DUPLICATE_ID', 'duplicate ID attribute value');
      ids.set(value, el);
    }
    for (let child = el.firstChild; child; child = child.nextSibling) {
      switch (child.nodeType) {
        case ELEMENT_NODE:
          stack.push({ el: child as Element, depth: depth + 1 });
          break;
        case TEXT_NODE:
        case CDATA_SECTION_NODE:
          if ((child as CharacterData).data.includes('\u0000')) fail('XML_INVALID', 'NUL character reference');
          break;
        case COMMENT_NODE:
          break;
        case PROCESSING_INSTRUCTION_NODE:
          fail('XML_PI_FORBIDDEN', 'processing instruction');
        default:
          fail('XML_INVALID', `unexpected node type ${child.nodeType}`);
      }
    }
  }
}
