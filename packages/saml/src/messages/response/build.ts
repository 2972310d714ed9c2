import { AUTHN_CONTEXT, CONFIRMATION_METHOD_BEARER, NS, STATUS } from '../../constants/urn.js';
import { fail } from '../../errors.js';
import { formatInstant, systemClock, type Clock } from '../../time.js';
import { buildDocument, buildElement, x, type XmlElement } from '../../xml/build.js';
import { signElement, type SignOptions } from '../../xmldsig/sign.js';
import { encryptElement, type EncryptOptions } from '../../xmlenc/encrypt.js';
import { buildStatus, generateId, type StatusInput } from '../common.js';
import type { NameIdParts } from './read-assertion.js';

/** One `<saml:Attribute>` to release (saml-core §2.7.3.1); every value goes out as xs:string. */
export interface ResponseAttribute {
  readonly name: string;
  readonly nameFormat?: string | undefined;
  readonly friendlyName?: string | undefined;
  readonly values: readonly string[];
}

/** What the one assertion of a success Response says (saml-profiles §4.1.4.2). */
export interface ResponseAssertionOptions {
  /** The SP's entityID: the AudienceRestriction. */
  readonly audience: string;
  readonly nameId: NameIdParts;
  /** When the user authenticated, in ms. */
  readonly authnInstant: number;
  readonly sessionIndex?: string | undefined;
  /** End of the IdP session as far as this SP is concerned, in ms. */
  readonly sessionNotOnOrAfter?: number | undefined;
  /** Default `AUTHN_CONTEXT.unspecified`. */
  readonly authnContextClassRef?: string | undefined;
  readonly attributes?: readonly ResponseAttribute[] | undefined;
}

export interface ResponseOptions {
  /** Our (the IdP's) entityID. */
  readonly issuer: string;
  /** The SP's AssertionConsumerService URL: Destination and Recipient. */
  readonly destination: string;
  /** The AuthnRequest ID answered; absent for an IdP-initiated (unsolicited) response. */
  readonly inResponseTo?: string | undefined;
  /** Default Success. Any other status makes an error response, which carries no assertion. */
  readonly status?: StatusInput | undefined;
  /** Required for Success, refused otherwise. */
  readonly assertion?: ResponseAssertionOptions | undefined;
  /** The IdP's signing key: required for a success response. */
  readonly signing?: SignOptions | undefined;
  /** Sign the assertion. Default true. */
  readonly signAssertion?: boolean | undefined;
  /** Sign the Response (after encryption, so it covers the EncryptedAssertion). Default false. */
  readonly signResponse?: boolean | undefined;
  /** Encrypt the assertion to the SP: `<saml:EncryptedAssertion>` (aes256-gcm, rsa-oaep-mgf1p by default). */
  readonly encryption?: EncryptOptions | undefined;
  /** Seconds the assertion stays usable (bearer and Conditions NotOnOrAfter). Default 300. */
  readonly lifetime?: number | undefined;
  /** Seconds Conditions/@NotBefore lies in the past, for SPs whose clock runs behind. Default 30. */
  readonly notBeforeSkew?: number | undefined;
  readonly id?: string | undefined;
  readonly assertionId?: string | undefined;
  readonly clock?: Clock | undefined;
}

/**
 * Builds a `<samlp:Response>` for web browser SSO (saml-profiles §4.1.4.2) and signs / encrypts it
 * in the order IdPs use: sign the assertion, encrypt it to the SP, then sign the Response. A
 * non-success status yields an error response with no assertion. The assertion declares every
 * namespace it uses (xs and xsi included), so it stays self-contained when it is encrypted or cut out.
 *
 * @example
 * const { document } = buildResponse({
 *   issuer: idpEntityId, destination: acs.location, inResponseTo: request.id,
 *   assertion: { audience: spEntityId, nameId: { value: 'u1', format: NAMEID_FORMAT.persistent },
 *     authnInstant: Date.now(), sessionIndex, attributes: [{ name: 'mail', values: ['a@example.com'] }] },
 *   signing: { privateKey, certificate },
 *   encryption: { publicKey: sp.encryptionKeys[0].key },
 * });
 * const html = encodePostForm({ url: acs.location, parameter: 'SAMLResponse', xml: serializeXml(document) });
 */
export function buildResponse(options: ResponseOptions): { id: string; assertionId?: string | undefined; document: Document } {
  const success = checkOptions(options);
  const now = (options.clock ?? systemClock)();
  const id = options.id ?? generateId();
  const assertionId = success ? (options.assertionId ?? generateId()) : undefined;
  const document = buildDocument(
    x(
      'samlp:Response',
      {
        ID: id,
        Version: '2.0',
        IssueInstant: formatInstant(now),
        Destination: options.destination,
        InResponseTo: options.inResponseTo,
      },
      x('saml:Issuer', {}, options.issuer),
      buildStatus(options.status),
      assertionId !== undefined && options.assertion && buildAssertion(options, options.assertion, assertionId, now),
    ),
  );
  const response = document.documentElement;
  const signing = options.signing;
  if (assertionId !== undefined && signing) {
    // The assertion is the Response's last child: Issuer, Status, Assertion.
    const assertion = response.lastChild as Element;
    if (options.signAssertion ?? true) signElement(assertion, signing);
    if (options.encryption) {
      // saml-core §2.3.4; xenc and ds are declared here so the Response signature's c14n sees them.
      const encrypted = buildElement(document, x('saml:EncryptedAssertion', { 'xmlns:xenc': NS.xenc, 'xmlns:ds': NS.ds }));
      encrypted.appendChild(encryptElement(document, assertion, options.encryption));
      response.replaceChild(encrypted, assertion);
    }
  }
  if (signing && options.signResponse) signElement(response, signing);
  return { id, assertionId, document };
}

/** Refuses options that could only build a message every SP refuses; returns "is Success". */
function checkOptions(options: ResponseOptions): boolean {
  const codes = options.status?.codes ?? [];
  const success = codes.length === 0 || codes[0] === STATUS.success;
  if (!nonEmpty(options.issuer) || !nonEmpty(options.destination)) fail('MESSAGE_INVALID', 'issuer and destination are required');
  if (options.inResponseTo !== undefined && !nonEmpty(options.inResponseTo)) fail('MESSAGE_INVALID', 'inResponseTo is empty');
  if (!success) {
    if (options.assertion) fail('MESSAGE_INVALID', 'an error response carries no assertion (saml-core §3.2.2)');
    return false;
  }
  const assertion = options.assertion;
  if (!assertion) fail('MESSAGE_INVALID', 'a success response needs an assertion');
  if (!nonEmpty(assertion.audience)) fail('MESSAGE_INVALID', 'assertion audience is required');
  if (!nonEmpty(assertion.nameId.value)) fail('MESSAGE_INVALID', 'NameID value is empty');
  if (!Number.isFinite(assertion.authnInstant)) fail('MESSAGE_INVALID', 'authnInstant is not a time');
  for (const attribute of assertion.attributes ?? []) {
    if (!nonEmpty(attribute.name)) fail('MESSAGE_INVALID', 'attribute without a Name');
  }
  const lifetime = options.lifetime ?? 300;
  if (!(lifetime > 0) || !((options.notBeforeSkew ?? 30) >= 0)) fail('MESSAGE_INVALID', 'lifetime must be positive, notBeforeSkew not negative');
  if (!options.signing) fail('KEY_INVALID', 'a success response needs a signing key');
  // saml-profiles §4.1.3.5: the assertion must be signed, by itself or by the Response around it.
  if (options.signAssertion === false && !options.signResponse) fail('SIGNATURE_MISSING', 'neither the assertion nor the response would be signed');
  const encryptionKey = options.encryption?.publicKey;
  if (encryptionKey && (encryptionKey.asymmetricKeyType !== 'rsa' || encryptionKey.type !== 'public')) {
    fail('KEY_INVALID', 'assertions are encrypted to an RSA public key (RSA-OAEP key transport)');
  }
  return true;
}

/** saml-core §2.3.3: Issuer, (Signature), Subject, Conditions, AuthnStatement, AttributeStatement. */
function buildAssertion(options: ResponseOptions, assertion: ResponseAssertionOptions, id: string, now: number): XmlElement {
  const notOnOrAfter = formatInstant(now + (options.lifetime ?? 300) * 1000);
  const attributes = assertion.attributes ?? [];
  return x(
    'saml:Assertion',
    { 'xmlns:saml': NS.saml, 'xmlns:xs': NS.xs, 'xmlns:xsi': NS.xsi, ID: id, Version: '2.0', IssueInstant: formatInstant(now) },
    x('saml:Issuer', {}, options.issuer),
    x(
      'saml:Subject',
      {},
      x(
        'saml:NameID',
        { Format: assertion.nameId.format, NameQualifier: assertion.nameId.nameQualifier, SPNameQualifier: assertion.nameId.spNameQualifier },
        assertion.nameId.value,
      ),
      // saml-profiles §4.1.4.2: a bearer confirmation with Recipient, NotOnOrAfter, no NotBefore.
      x(
        'saml:SubjectConfirmation',
        { Method: CONFIRMATION_METHOD_BEARER },
        x('saml:SubjectConfirmationData', { NotOnOrAfter: notOnOrAfter, Recipient: options.destination, InResponseTo: options.inResponseTo }),
      ),
    ),
    x(
      'saml:Conditions',
      { NotBefore: formatInstant(now - (options.notBeforeSkew ?? 30) * 1000), NotOnOrAfter: notOnOrAfter },
      x('saml:AudienceRestriction', {}, x('saml:Audience', {}, assertion.audience)),
    ),
    x(
      'saml:AuthnStatement',
      {
        AuthnInstant: formatInstant(assertion.authnInstant),
        SessionIndex: assertion.sessionIndex,
        SessionNotOnOrAfter: assertion.sessionNotOnOrAfter === undefined ? undefined : formatInstant(assertion.sessionNotOnOrAfter),
      },
      x('saml:AuthnContext', {}, x('saml:AuthnContextClassRef', {}, assertion.authnContextClassRef ?? AUTHN_CONTEXT.unspecified)),
    ),
    // saml-core §2.7.3: an AttributeStatement holds at least one Attribute, so none means no statement.
    attributes.length > 0 &&
      x(
        'saml:AttributeStatement',
        {},
        attributes.map((attribute) =>
          x(
            'saml:Attribute',
            { Name: attribute.name, NameFormat: attribute.nameFormat, FriendlyName: attribute.friendlyName },
            attribute.values.map((value) => x('saml:AttributeValue', { 'xsi:type': 'xs:string' }, value)),
          ),
        ),
      ),
  );
}

function nonEmpty(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '';
}
