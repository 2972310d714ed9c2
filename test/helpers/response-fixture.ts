import { buildDocument, serializeXml, x, formatInstant, NS, type XmlElement } from '@koa-mellon/saml';
import { testKeyPair } from './keys.js';
import { xmlsecEncrypt, xmlsecSign, type XmlsecCipher, type XmlsecKeyTransport } from './xmlsec.js';

export const IDP_ENTITY_ID = 'https://idp.example.test/metadata';
export const SP_ENTITY_ID = 'https://sp.example.test/metadata';
export const ACS_URL = 'https://sp.example.test/accounts/mellon/login/';
export const REQUEST_ID = '_req0123456789abcdef';

/** What a fixture response says; every field has a sane default valid at `now`. */
export interface ResponseFixture {
  now?: number;
  responseId?: string;
  assertionId?: string;
  issuer?: string;
  assertionIssuer?: string;
  destination?: string | null;
  inResponseTo?: string | null;
  recipient?: string | null;
  audience?: string | null;
  nameId?: string;
  nameIdFormat?: string;
  attributes?: Record<string, string[]>;
  notBefore?: number;
  notOnOrAfter?: number;
  confirmationNotOnOrAfter?: number | null;
  sessionNotOnOrAfter?: number;
  statusCode?: string;
  signAssertion?: boolean;
  signResponse?: boolean;
  encrypt?: XmlsecCipher | null;
  keyTransport?: XmlsecKeyTransport;
  /** Key pair the assertion is encrypted to (testKeyPair): the SP's by default. */
  encryptTo?: string;
  /** Signing key pair name (testKeyPair): the IdP's by default. */
  signer?: string;
  signerType?: 'rsa' | 'ec';
  signatureAlgorithm?: string;
  digestAlgorithm?: string;
  /** Edits the unsigned XML before xmlsec1 signs it (to sign what an attacker would inject). */
  beforeSigning?: (xml: string) => string;
  /** Extra raw children of the assertion, after the AttributeStatement. */
  extraAssertionChildren?: XmlElement[];
}

const ASSERTION_SIG_XPATH = "/*[local-name()='Response']/*[local-name()='Assertion']/*[local-name()='Signature']";
const RESPONSE_SIG_XPATH = "/*[local-name()='Response']/*[local-name()='Signature']";
const ASSERTION_XPATH = "/*[local-name()='Response']/*[local-name()='EncryptedAssertion']/*[local-name()='Assertion']";

/** An empty enveloped-signature template for xmlsec1 to fill (rsa-sha256, sha256, exc-c14n). */
export function signatureTemplate(id: string, signatureAlgorithm = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256', digestAlgorithm = 'http://www.w3.org/2001/04/xmlenc#sha256'): XmlElement {
  return x(
    'ds:Signature',
    {},
    x(
      'ds:SignedInfo',
      {},
      x('ds:CanonicalizationMethod', { Algorithm: 'http://www.w3.org/2001/10/xml-exc-c14n#' }),
      x('ds:SignatureMethod', { Algorithm: signatureAlgorithm }),
      x(
        'ds:Reference',
        { URI: `#${id}` },
        x('ds:Transforms', {}, x('ds:Transform', { Algorithm: 'http://www.w3.org/2000/09/xmldsig#enveloped-signature' }), x('ds:Transform', { Algorithm: 'http://www.w3.org/2001/10/xml-exc-c14n#' })),
        x('ds:DigestMethod', { Algorithm: digestAlgorithm }),
        x('ds:DigestValue'),
      ),
    ),
    x('ds:SignatureValue'),
    x('ds:KeyInfo', {}, x('ds:X509Data')),
  );
}

/** The unsigned Response XML (with signature templates where signatures are wanted). */
export function unsignedResponse(f: ResponseFixture = {}): string {
  const now = f.now ?? Date.now();
  const responseId = f.responseId ?? '_resp' + Math.random().toString(16).slice(2);
  const assertionId = f.assertionId ?? '_assert' + Math.random().toString(16).slice(2);
  const inResponseTo = f.inResponseTo === undefined ? REQUEST_ID : f.inResponseTo;
  const signAssertion = f.signAssertion ?? true;
  const attributes = f.attributes ?? { mail: ['alice@example.test'], groups: ['staff', 'admins'] };
  const assertion = x(
    'saml:Assertion',
    // Self-contained namespaces: the assertion may be cut out and encrypted.
    { 'xmlns:saml': NS.saml, 'xmlns:xs': NS.xs, 'xmlns:xsi': NS.xsi, ID: assertionId, Version: '2.0', IssueInstant: formatInstant(now) },
    x('saml:Issuer', {}, f.assertionIssuer ?? f.issuer ?? IDP_ENTITY_ID),
    signAssertion && signatureTemplate(assertionId, f.signatureAlgorithm, f.digestAlgorithm),
    x(
      'saml:Subject',
      {},
      x('saml:NameID', { Format: f.nameIdFormat ?? 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent', SPNameQualifier: SP_ENTITY_ID }, f.nameId ?? 'alice-1234'),
      x(
        'saml:SubjectConfirmation',
        { Method: 'urn:oasis:names:tc:SAML:2.0:cm:bearer' },
        x('saml:SubjectConfirmationData', {
          NotOnOrAfter: f.confirmationNotOnOrAfter === null ? undefined : formatInstant(f.confirmationNotOnOrAfter ?? now + 300_000),
          Recipient: f.recipient === null ? undefined : (f.recipient ?? ACS_URL),
          InResponseTo: inResponseTo ?? undefined,
        }),
      ),
    ),
    x(
      'saml:Conditions',
      { NotBefore: formatInstant(f.notBefore ?? now - 30_000), NotOnOrAfter: formatInstant(f.notOnOrAfter ?? now + 300_000) },
      f.audience !== null && x('saml:AudienceRestriction', {}, x('saml:Audience', {}, f.audience ?? SP_ENTITY_ID)),
    ),
    x(
      'saml:AuthnStatement',
      { AuthnInstant: formatInstant(now - 1000), SessionIndex: '_session42', SessionNotOnOrAfter: formatInstant(f.sessionNotOnOrAfter ?? now + 8 * 3600_000) },
      x('saml:AuthnContext', {}, x('saml:AuthnContextClassRef', {}, 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport')),
    ),
    Object.keys(attributes).length > 0 &&
      x(
        'saml:AttributeStatement',
        {},
        Object.entries(attributes).map(([name, values]) =>
          x('saml:Attribute', { Name: name, NameFormat: 'urn:oasis:names:tc:SAML:2.0:attrname-format:basic' }, values.map((v) => x('saml:AttributeValue', { 'xsi:type': 'xs:string' }, v))),
        ),
      ),
    f.extraAssertionChildren ?? [],
  );
  const body = f.encrypt ? x('saml:EncryptedAssertion', {}, assertion) : assertion;
  const doc = buildDocument(
    x(
      'samlp:Response',
      {
        ID: responseId,
        Version: '2.0',
        IssueInstant: formatInstant(now),
        Destination: f.destination === null ? undefined : (f.destination ?? ACS_URL),
        InResponseTo: inResponseTo ?? undefined,
      },
      x('saml:Issuer', {}, f.issuer ?? IDP_ENTITY_ID),
      f.signResponse && signatureTemplate(responseId, f.signatureAlgorithm, f.digestAlgorithm),
      x('samlp:Status', {}, x('samlp:StatusCode', { Value: f.statusCode ?? 'urn:oasis:names:tc:SAML:2.0:status:Success' })),
      body,
    ),
    ['xs', 'xsi'],
  );
  return serializeXml(doc);
}

/**
 * A Response signed (and encrypted) by xmlsec1, in the order IdPs use: sign the assertion,
 * encrypt it to the SP, then sign the Response.
 */
export function xmlsecResponse(f: ResponseFixture = {}): string {
  const signer = testKeyPair(f.signer ?? 'idp', f.signerType);
  const recipient = testKeyPair(f.encryptTo ?? 'sp');
  let xml = unsignedResponse(f);
  if (f.beforeSigning) xml = f.beforeSigning(xml);
  if (f.signAssertion ?? true) {
    const xpath = f.encrypt ? ASSERTION_XPATH.replace(/$/, "/*[local-name()='Signature']") : ASSERTION_SIG_XPATH;
    xml = xmlsecSign(xml, signer.keyPath, signer.certPath, xpath);
  }
  if (f.encrypt) xml = xmlsecEncrypt(xml, recipient.certPath, ASSERTION_XPATH, f.encrypt, f.keyTransport);
  if (f.signResponse) xml = xmlsecSign(xml, signer.keyPath, signer.certPath, RESPONSE_SIG_XPATH);
  return xml;
}
