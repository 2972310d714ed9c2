import { testKeyPair } from '../../test/helpers/keys.js';
import { unsignedResponse } from '../../test/helpers/response-fixture.js';
import { xmlsecEncrypt, xmlsecSign } from '../../test/helpers/xmlsec.js';
import type { Variant } from './variants.js';

/** A Response as the browser posts it: `SAMLResponse`, base64 of the XML. */
export interface Fixture {
  readonly samlResponse: string;
  /** Size of the XML (not of its base64 form). */
  readonly bytes: number;
}

/**
 * Spoils one signature while keeping the other valid, to see which signatures a library checks:
 * `assertion` edits the signed assertion after it is signed (so only the Response signature, made
 * afterwards, still holds), `response` corrupts the Response's SignatureValue.
 */
export type Spoil = 'assertion' | 'response';

const ASSERTION_SIG_XPATH = "/*[local-name()='Response']/*[local-name()='Assertion']/*[local-name()='Signature']";
const RESPONSE_SIG_XPATH = "/*[local-name()='Response']/*[local-name()='Signature']";
const ENCRYPTED_ASSERTION_XPATH = "/*[local-name()='Response']/*[local-name()='EncryptedAssertion']/*[local-name()='Assertion']";
const DS = 'http://www.w3.org/2000/09/xmldsig#';

/**
 * The steps of test/helpers' `xmlsecResponse` (sign the assertion, encrypt it, sign the Response,
 * all by the xmlsec1 CLI), with a hook between them that `xmlsecResponse` lacks, for `spoil`.
 */
export function buildFixture(variant: Variant, now: number, spoil?: Spoil): Fixture {
  const idp = testKeyPair('idp');
  const sp = testKeyPair('sp');
  let xml = declareDsOnSignatures(unsignedResponse({ now, attributes: variant.attributes, signResponse: variant.signResponse, encrypt: variant.encrypt ?? null }));
  const assertionSigXpath = variant.encrypt ? `${ENCRYPTED_ASSERTION_XPATH}/*[local-name()='Signature']` : ASSERTION_SIG_XPATH;
  xml = xmlsecSign(xml, idp.keyPath, idp.certPath, assertionSigXpath);
  if (spoil === 'assertion') xml = replaceOnce(xml, 'SessionIndex="_session42"', 'SessionIndex="_session43"');
  if (variant.encrypt) xml = xmlsecEncrypt(xml, sp.certPath, ENCRYPTED_ASSERTION_XPATH, variant.encrypt);
  if (variant.signResponse) xml = xmlsecSign(xml, idp.keyPath, idp.certPath, RESPONSE_SIG_XPATH);
  // saml-core §3.2.2: the Response's Signature follows its Issuer, before the assertion: the first one.
  if (spoil === 'response') xml = xml.replace(/(<ds:SignatureValue>)(.)/, (_, open: string, c: string) => open + (c === 'A' ? 'B' : 'A'));
  return { samlResponse: Buffer.from(xml, 'utf8').toString('base64'), bytes: Buffer.byteLength(xml, 'utf8') };
}

/**
 * The fixture builder declares `ds` once on the Response; real IdPs (Okta, ADFS, Shibboleth)
 * declare it on each Signature. It matters once the assertion is encrypted: libraries that parse
 * the decrypted assertion on its own (node-saml, samlify) would find `ds:` undeclared in it.
 */
function declareDsOnSignatures(xml: string): string {
  return xml.replaceAll('<ds:Signature>', `<ds:Signature xmlns:ds="${DS}">`);
}

function replaceOnce(xml: string, from: string, to: string): string {
  if (!xml.includes(from)) throw new Error(`fixture lacks ${from}`);
  return xml.replace(from, to);
}
