import type { MellonErrorCode } from '@koa-mellon/saml';

/** HTTP status per refusal: 4xx for anything the request carried, 502/503 for peers and stores. */
export function httpStatusOf(code: MellonErrorCode): number {
  switch (code) {
    case 'STORE_UNAVAILABLE':
    case 'METADATA_UNAVAILABLE':
    case 'ORGANIZATION_UNAVAILABLE':
      return 503;
    case 'ARTIFACT_RESOLUTION_FAILED':
    case 'LOGOUT_FAILED':
      return 502;
    case 'ORGANIZATION_DISABLED':
    case 'PERMISSION_DENIED':
    case 'UID_MISSING':
    case 'STATUS_NOT_SUCCESS':
      return 403;
    case 'ORGANIZATION_UNKNOWN':
    case 'TRACE_UNKNOWN':
      return 404;
    case 'INPUT_TOO_LARGE':
      return 413;
    case 'REQUEST_TIMEOUT':
      return 408;
    case 'INTERNAL_ERROR':
    case 'CONFIG_INVALID':
    case 'KEY_INVALID':
    case 'METADATA_INVALID':
    case 'METADATA_EXPIRED':
    case 'METADATA_ENTITY_CHANGED':
    case 'METADATA_URL_FORBIDDEN':
      return 500;
    default:
      return 400;
  }
}
