import { STATUS, StatusError, type MellonError, type MellonErrorCode } from '@koa-mellon/saml';

/**
 * The fixed public text per code: nothing from the request is ever shown. Internal detail goes to
 * the logger only.
 */
export function publicMessage(code: MellonErrorCode): string {
  switch (code) {
    case 'STATUS_NOT_SUCCESS':
      return 'The identity provider did not sign you in.';
    case 'PERMISSION_DENIED':
      return 'You are not allowed to sign in to this application.';
    case 'UID_MISSING':
      return 'Your identity provider did not say which account is yours, so you cannot be signed in. Please contact your administrator.';
    case 'ASSERTION_EXPIRED':
    case 'ASSERTION_NOT_YET_VALID':
    case 'IN_RESPONSE_TO_MISMATCH':
    case 'REPLAYED_ASSERTION':
      return 'This sign-in attempt has expired or was already used. Please sign in again.';
    case 'UNSOLICITED_RESPONSE':
      return 'Sign-in must start from this application. Please sign in again.';
    case 'STORE_UNAVAILABLE':
    case 'METADATA_UNAVAILABLE':
    case 'ORGANIZATION_UNAVAILABLE':
    case 'ARTIFACT_RESOLUTION_FAILED':
      return 'Sign-in is temporarily unavailable. Please try again in a moment.';
    case 'TRANSPORT_INSECURE':
      return 'This page must be opened over https.';
    case 'REQUEST_TIMEOUT':
      return 'The request took too long to arrive. Please try again.';
    case 'ORGANIZATION_UNKNOWN':
      return 'This organization is not known to this application.';
    case 'ORGANIZATION_DISABLED':
      return 'Sign-in for this organization is disabled. Please contact your administrator.';
    case 'CSRF_CROSS_SITE':
      return 'This sign-in form must be sent from this site. Please open the sign-in page and try again.';
    case 'ENTITY_NOT_FOUND':
      return 'This identity provider is not known to this application.';
    case 'CONFIG_INVALID':
    case 'KEY_INVALID':
    case 'METADATA_INVALID':
    case 'METADATA_EXPIRED':
    case 'METADATA_ENTITY_CHANGED':
    case 'METADATA_URL_FORBIDDEN':
    case 'NAMEID_MISSING':
      return 'Single sign-on is not configured correctly. Please contact the administrator.';
    case 'INTERNAL_ERROR':
      return 'Something went wrong. Please try again.';
    default:
      return 'The sign-in message could not be accepted. Please sign in again.';
  }
}

/** What the IdP answers when the user said no on its consent page (saml-core §3.2.2.2). */
const DECLINED_MESSAGE = 'You declined to share your information with this application at the identity provider, so you are not signed in. You can sign in again and accept.';

/**
 * The public text for a refusal, refined where the user's own choice is the cause: a RequestDenied
 * status (Decline on the IdP's consent page) is not "the identity provider did not sign you in".
 * Status codes are fixed URNs we match, never text we echo.
 */
export function publicMessageOf(err: MellonError): string {
  if (declined(err)) return DECLINED_MESSAGE;
  return publicMessage(err.code);
}

/** The error page's heading when it is not the generic one: the user declined at the IdP. */
export function publicTitleOf(err: MellonError): string | undefined {
  return declined(err) ? 'Sign-in declined' : undefined;
}

function declined(err: MellonError): boolean {
  return err instanceof StatusError && err.statusCodes.includes(STATUS.requestDenied);
}
