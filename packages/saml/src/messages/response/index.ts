import { fail } from '../../errors.js';
import { DEFAULT_CLOCK_SKEW_SECONDS, systemClock } from '../../time.js';
import { parseXml, type ParsedXml } from '../../xml/parse.js';
import { attribute, isElement } from '../../xml/select.js';
import { decryptElement, type DecryptOptions } from '../../xmlenc/decrypt.js';
import { findSignature, verifyEnvelopedSignature } from '../../xmldsig/verify.js';
import { toKeyObjects } from '../../keys/key-set.js';
import { readAssertion } from './read-assertion.js';
import { readIssuer, readResponseShape } from './shape.js';
import type { Assertion, ResponseValidationOptions } from './types.js';
import { checkAuthnStatement } from './validate/check-authn-statement.js';
import { checkConditions } from './validate/check-conditions.js';
import { checkDestination } from './validate/check-destination.js';
import { checkInResponseTo } from './validate/check-in-response-to.js';
import { checkIssuer } from './validate/check-issuer.js';
import { checkReplay } from './validate/check-replay.js';
import { checkStatus } from './validate/check-status.js';
import { checkSubjectIdentified } from './validate/check-subject-identified.js';
import { checkSubjectConfirmation } from './validate/check-subject-confirmation.js';

export type * from './types.js';

/**
 * Validates a SAML Response for web browser SSO (saml-profiles §4.1) and returns what its verified
 * assertion says. The steps, in order:
 *
 * | step | refuses with |
 * | --- | --- |
 * | hardened parse | INPUT_TOO_LARGE, XML_* |
 * | one Response, at most one assertion | MESSAGE_TYPE_UNEXPECTED, XML_UNEXPECTED_CONTENT |
 * | Response signature, when present or wanted | SIGNATURE_*, DIGEST_MISMATCH, TRANSFORM_FORBIDDEN |
 * | Status | STATUS_NOT_SUCCESS |
 * | Destination | DESTINATION_MISMATCH |
 * | decrypt EncryptedAssertion | DECRYPTION_FAILED, ENCRYPTION_ALGORITHM_FORBIDDEN |
 * | assertion signature (or a response signature covering it) | SIGNATURE_MISSING, SIGNATURE_* |
 * | — from here on only the verified assertion element is read — | |
 * | Issuer | ISSUER_MISMATCH |
 * | NameID, or the `subjectAttribute` | NAMEID_MISSING |
 * | bearer SubjectConfirmation | SUBJECT_CONFIRMATION_INVALID, RECIPIENT_MISMATCH, ASSERTION_EXPIRED, ASSERTION_NOT_YET_VALID |
 * | Conditions and audience | ASSERTION_NOT_YET_VALID, ASSERTION_EXPIRED, AUDIENCE_MISMATCH |
 * | AuthnStatement | AUTHN_STATEMENT_MISSING, ASSERTION_EXPIRED |
 * | InResponseTo (consumed) | IN_RESPONSE_TO_MISMATCH, UNSOLICITED_RESPONSE |
 * | replay cache | REPLAYED_ASSERTION |
 *
 * @example
 * const assertion = await validateResponse(xml, {
 *   idp: { entityId: 'https://idp.example.com', signingKeys: [loadPublicKey(idpCert).key] },
 *   sp: { entityId: 'https://sp.example.com', acsUrl: 'https://sp.example.com/login/' },
 *   replayCache, requestIds,
 * });
 */
export async function validateResponse(xml: string, options: ResponseValidationOptions): Promise<Assertion> {
  const parsed = parseXml(xml, options.limits);
  return validateParsedResponse(parsed, parsed.root, options);
}

/**
 * `validateResponse` for a Response already parsed by `parseXml`, such as the one inside an
 * ArtifactResponse: `element` must belong to `parsed`, whose ID index covers it.
 */
export async function validateParsedResponse(parsed: ParsedXml, element: Element, options: ResponseValidationOptions): Promise<Assertion> {
  const now = (options.clock ?? systemClock)();
  const skewSeconds = options.clockSkew ?? DEFAULT_CLOCK_SKEW_SECONDS;
  const decrypt: DecryptOptions = { keys: options.sp.decryptionKeys ?? [], policy: options.policy, limits: options.limits };
  const verify = { keys: toKeyObjects(options.idp.signingKeys, 'idp.signingKeys'), policy: options.policy };

  const response = readResponseShape(element);

  const responseSigned = response.signature !== undefined;
  if (response.signature) verifyEnvelopedSignature(response.element, response.signature, { ...verify, ids: parsed.ids });
  else if (options.wantResponseSigned) fail('SIGNATURE_MISSING', 'Response is not signed');

  checkStatus(response.status);
  checkDestination(response.element, responseSigned, options.sp.acsUrl);
  if (!response.assertion) fail('ASSERTION_MISSING', 'success Response without assertion');

  const source = isElement(response.assertion, 'saml', 'EncryptedAssertion') ? decryptElement(response.assertion, decrypt) : parsed;
  const candidate = source === parsed ? response.assertion : source.root;
  const verifiedAssertion = verifyAssertion(candidate, source, responseSigned, options.wantAssertionsSigned ?? false, verify);

  // From here on, read only `verifiedAssertion`: the element a verified signature covers.
  const parts = readAssertion(verifiedAssertion, decrypt);
  checkIssuer([parts.issuer, response.issuer && readIssuer(response.issuer)], options.idp.entityId);
  checkSubjectIdentified(parts, options.subjectAttribute);
  const responseInResponseTo = attribute(response.element, 'InResponseTo');
  const bearer = checkSubjectConfirmation(parts.bearers, { acsUrl: options.sp.acsUrl, now, skewSeconds, responseInResponseTo, methods: parts.confirmationMethods });
  checkConditions(parts.conditions, { spEntityId: options.sp.entityId, now, skewSeconds });
  const authn = checkAuthnStatement(parts.authnStatements, { now, skewSeconds });
  const inResponseTo = bearer.inResponseTo ?? responseInResponseTo;
  await checkInResponseTo(inResponseTo, { requestIds: options.requestIds, allowUnsolicited: options.allowUnsolicited ?? false });
  // bearer.notOnOrAfter is present (checked above); the assertion is worthless after the later of both.
  const notOnOrAfter = Math.max(parts.conditions?.notOnOrAfter ?? 0, bearer.notOnOrAfter ?? 0);
  await checkReplay(parts.id, notOnOrAfter + skewSeconds * 1000, options.replayCache);

  return toAssertion(parts, authn, inResponseTo, notOnOrAfter);
}

/**
 * The assertion's own signature is verified when present. Without one, the assertion is accepted
 * only when assertion signatures are not required and the Response signature, already verified,
 * covers it (the assertion or its EncryptedAssertion is a child of the signed Response).
 */
function verifyAssertion(
  assertion: Element,
  source: ParsedXml,
  responseSigned: boolean,
  wantAssertionsSigned: boolean,
  verify: { keys: ResponseValidationOptions['idp']['signingKeys']; policy: ResponseValidationOptions['policy'] },
): Element {
  if (!isElement(assertion, 'saml', 'Assertion')) fail('MESSAGE_INVALID', 'EncryptedAssertion does not hold an Assertion');
  const signature = findSignature(assertion);
  if (signature) return verifyEnvelopedSignature(assertion, signature, { ...verify, ids: source.ids });
  if (wantAssertionsSigned) fail('SIGNATURE_MISSING', 'assertion is not signed');
  if (!responseSigned) fail('SIGNATURE_MISSING', 'neither the assertion nor the response is signed');
  return assertion;
}

function toAssertion(
  parts: ReturnType<typeof readAssertion>,
  authn: ReturnType<typeof checkAuthnStatement>,
  inResponseTo: string | undefined,
  notOnOrAfter: number,
): Assertion {
  const attributes: Record<string, string[]> = Object.create(null);
  for (const attribute of parts.attributes) (attributes[attribute.name] ??= []).push(...attribute.values);
  const nameId = parts.nameId;
  return {
    id: parts.id,
    issuer: parts.issuer,
    issueInstant: new Date(parts.issueInstant),
    nameId: nameId?.value,
    nameIdFormat: nameId?.format,
    nameQualifier: nameId?.nameQualifier,
    spNameQualifier: nameId?.spNameQualifier,
    sessionIndex: authn.sessionIndex,
    authnInstant: new Date(authn.authnInstant),
    sessionNotOnOrAfter: authn.sessionNotOnOrAfter === undefined ? undefined : new Date(authn.sessionNotOnOrAfter),
    authnContextClassRef: authn.authnContextClassRef,
    attributes,
    attributeDetails: parts.attributes,
    inResponseTo,
    notOnOrAfter: new Date(notOnOrAfter),
    audiences: parts.conditions?.audienceRestrictions.flat() ?? [],
  };
}
