/**
 * What a stored SAML message keeps: `personal` (the default) blanks personal data and secrets,
 * `secrets` blanks only secrets (for debugging a mapping with the IdP's admin, then switch back).
 */
export type TraceRedaction = 'personal' | 'secrets';

export const TRACE_REDACTIONS: readonly TraceRedaction[] = ['personal', 'secrets'];

const REDACTED = '[redacted]';
// Element text that is never useful to an operator and may be a secret: signature and digest
// values, ciphertext, certificates, artifacts.
const SECRET_ELEMENTS = ['SignatureValue', 'DigestValue', 'CipherValue', 'X509Certificate', 'Artifact'];
// Element text that says who the user is.
const PERSONAL_ELEMENTS = ['NameID', 'AttributeValue', 'SubjectLocalityAddress', 'EncryptedID', 'BaseID'];
// Attributes that carry personal data: SubjectLocality's Address and DNSName.
const PERSONAL_ATTRIBUTES = ['Address', 'DNSName'];

function elementText(names: readonly string[]): RegExp {
  // <prefix:Name ...>text</prefix:Name>: the text up to the matching close tag (nested markup included).
  return new RegExp(`(<((?:[\\w.-]+:)?(?:${names.join('|')}))\\b[^>]*?(?<!/)>)[\\s\\S]*?(</\\2\\s*>)`, 'g');
}

const COMMENT = /<!--[\s\S]*?-->/g;
const CDATA = /<!\[CDATA\[[\s\S]*?\]\]>/g;
const SECRET_TEXT = elementText(SECRET_ELEMENTS);
const PERSONAL_TEXT = elementText(PERSONAL_ELEMENTS);
const PERSONAL_ATTRIBUTE = new RegExp(`(\\s(?:${PERSONAL_ATTRIBUTES.join('|')})\\s*=\\s*)("[^"]*"|'[^']*')`, 'g');

/**
 * A decoded SAML message as a trace stores it. Secrets are always blanked; with `personal`, NameID
 * and attribute values and the subject's address are too. Works on the text (the message has
 * already been parsed once, hardened; this never parses again) and is bounded by `maxChars`.
 */
export function redactSamlMessage(xml: string, redaction: TraceRedaction, maxChars = 64 * 1024): string {
  // Comments and CDATA first: markup inside them has no closing tag to stop the element patterns
  // (which would then scan to the end for each one), and either may hide a value.
  let out = xml.replace(COMMENT, `<!--${REDACTED}-->`).replace(CDATA, `<![CDATA[${REDACTED}]]>`).replace(SECRET_TEXT, `$1${REDACTED}$3`);
  if (redaction === 'personal') out = out.replace(PERSONAL_TEXT, `$1${REDACTED}$3`).replace(PERSONAL_ATTRIBUTE, `$1"${REDACTED}"`);
  return out.length > maxChars ? `${out.slice(0, maxChars)}…[truncated]` : out;
}
