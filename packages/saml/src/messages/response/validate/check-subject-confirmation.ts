import { failWithDetail, MellonError } from '../../../errors.js';
import { CONFIRMATION_METHOD_BEARER } from '../../../constants/urn.js';
import { checkWindow } from '../../../time.js';
import type { BearerConfirmation } from '../read-assertion.js';

/**
 * saml-profiles §4.1.4.2: at least one bearer SubjectConfirmation whose data has Recipient = our
 * ACS, a NotOnOrAfter still in the future, and (when present) an InResponseTo equal to the
 * response's. Returns the one that satisfied them. When several fail, the first one's reason is
 * reported.
 *
 * The profile also says the data MUST NOT carry NotBefore, yet some IdPs send one (SecureWorks).
 * It can only narrow the window, never widen it, so it is enforced as a lower bound (with the
 * clock skew) instead of refusing the assertion.
 */
export function checkSubjectConfirmation(
  bearers: readonly BearerConfirmation[],
  context: { acsUrl: string; now: number; skewSeconds: number; responseInResponseTo?: string | undefined; methods?: readonly string[] | undefined },
): BearerConfirmation {
  if (bearers.length === 0) {
    failWithDetail('SUBJECT_CONFIRMATION_INVALID', 'no bearer SubjectConfirmation', {
      expectedMethod: CONFIRMATION_METHOD_BEARER,
      receivedMethods: context.methods?.slice(0, 5).join(' ') || '(no SubjectConfirmation)',
    });
  }
  let firstError: MellonError | undefined;
  for (const bearer of bearers) {
    try {
      if (bearer.notOnOrAfter === undefined) {
        failWithDetail('SUBJECT_CONFIRMATION_INVALID', 'bearer confirmation lacks NotOnOrAfter', {
          method: CONFIRMATION_METHOD_BEARER,
          expectedRecipient: context.acsUrl,
          receivedRecipient: bearer.recipient ?? '(none)',
          expectedNotOnOrAfter: 'a time after now',
          receivedNotOnOrAfter: '(none)',
        });
      }
      if (bearer.recipient !== context.acsUrl) failWithDetail('RECIPIENT_MISMATCH', 'Recipient is not our ACS URL', { expected: context.acsUrl, received: bearer.recipient ?? '(none)' });
      if (
        bearer.inResponseTo !== undefined &&
        context.responseInResponseTo !== undefined &&
        bearer.inResponseTo !== context.responseInResponseTo
      ) {
        failWithDetail('IN_RESPONSE_TO_MISMATCH', 'InResponseTo differs between Response and SubjectConfirmationData', { expected: context.responseInResponseTo, received: bearer.inResponseTo });
      }
      checkWindow(context.now, context.skewSeconds, { notBefore: bearer.notBefore, notOnOrAfter: bearer.notOnOrAfter }, 'bearer confirmation');
      return bearer;
    } catch (err) {
      if (!(err instanceof MellonError)) throw err;
      firstError ??= err;
    }
  }
  throw firstError as MellonError;
}
