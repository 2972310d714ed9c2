import { fail } from '../errors.js';

const TEXT_NODE = 3;
const CDATA_SECTION_NODE = 4;

/**
 * The text value of a simple-content element. Only text and CDATA children are allowed: a comment,
 * processing instruction or element inside a value is refused rather than skipped, so that
 * `user@evil.com<!---->.example.com` can never be read as `user@evil.com` (the 2018
 * comment-injection class) nor as anything else than what was signed.
 */
export function textOf(el: Element): string {
  let text = '';
  for (let child = el.firstChild; child; child = child.nextSibling) {
    if (child.nodeType !== TEXT_NODE && child.nodeType !== CDATA_SECTION_NODE) {
      fail('XML_SPLIT_VALUE', `<${el.localName}> value split by a non-text node`);
    }
    text += (child as CharacterData).data;
  }
  return text;
}

// XML's white space (xml §2.3 S): space, tab, CR, LF. JavaScript's trim() also strips NBSP, U+FEFF,
// U+3000, U+2028 and more, which would make a signed `"admin\u00a0"` read as `admin`.
const XML_SPACE_AT_ENDS = /^[ \t\r\n]+|[ \t\r\n]+$/g;
const XML_SPACE_ONLY = /^[ \t\r\n]*$/;

/** `value` without XML white space at either end (and nothing else removed). */
export function trimXmlSpace(value: string): string {
  return value.replace(XML_SPACE_AT_ENDS, '');
}

/** True when `value` is empty or XML white space only. */
export function isXmlSpace(value: string): boolean {
  return XML_SPACE_ONLY.test(value);
}

/** `textOf` without XML white space at its ends, and required to be non-empty. */
export function requiredText(el: Element): string {
  const text = trimXmlSpace(textOf(el));
  if (text === '') fail('MESSAGE_INVALID', `<${el.localName}> is empty`);
  return text;
}

/**
 * `textOf`, exactly as sent (not trimmed), and required to hold more than white space. For
 * identifiers (NameID, SessionIndex): trimming would make `"alice "` and `"alice"`, two values an
 * IdP may sign for two users, one account.
 */
export function exactText(el: Element): string {
  const text = textOf(el);
  if (isXmlSpace(text)) fail('MESSAGE_INVALID', `<${el.localName}> is empty`);
  return text;
}
