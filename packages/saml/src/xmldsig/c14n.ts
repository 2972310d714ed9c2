import { ExclusiveCanonicalization, ExclusiveCanonicalizationWithComments } from 'xml-crypto';
import { NS } from '../constants/urn.js';
import { TRANSFORM } from '../constants/algorithms.js';

const EXCLUSIVE = new ExclusiveCanonicalization();
const EXCLUSIVE_WITH_COMMENTS = new ExclusiveCanonicalizationWithComments();

export interface CanonicalizeOptions {
  /** `TRANSFORM.excC14n` (default) or `TRANSFORM.excC14nWithComments`. */
  readonly algorithm?: string;
  /** The InclusiveNamespaces PrefixList (exc-c14n §3). */
  readonly prefixList?: readonly string[];
  /** A descendant left out of the output: the enveloped signature (xmldsig-core §6.6.4). */
  readonly exclude?: Node;
}

/**
 * Exclusive XML canonicalization (xml-crypto's implementation) of `el` in its document context.
 * The DOM is left exactly as it was: the excluded node is put back, and namespace declarations
 * xml-crypto copies onto the apex for the PrefixList are removed again.
 */
export function canonicalize(el: Element, options: CanonicalizeOptions = {}): string {
  const engine = options.algorithm === TRANSFORM.excC14nWithComments ? EXCLUSIVE_WITH_COMMENTS : EXCLUSIVE;
  const prefixList = options.prefixList ?? [];
  const exclude = options.exclude;
  const parent = exclude?.parentNode ?? null;
  const next = exclude?.nextSibling ?? null;
  const added = prefixList.length > 0 ? ancestorDeclarations(el, prefixList) : [];
  if (exclude && parent) parent.removeChild(exclude);
  try {
    // xml-crypto types its DOM as xmldom 0.8's; ours is structurally the same.
    return engine.process(el as never, {
      inclusiveNamespacesPrefixList: [...prefixList],
      ancestorNamespaces: added,
    });
  } finally {
    if (exclude && parent) parent.insertBefore(exclude, next);
    for (const { prefix } of added) el.removeAttributeNS(NS.xmlns, prefix);
  }
}

/** Declarations of listed prefixes that `el` inherits from its ancestors (not declared on itself). */
function ancestorDeclarations(el: Element, prefixList: readonly string[]): { prefix: string; namespaceURI: string }[] {
  const out: { prefix: string; namespaceURI: string }[] = [];
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
