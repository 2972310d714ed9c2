import type { Context } from 'koa';
import { MellonError, type MellonErrorCode } from '@koa-mellon/saml';
import type { IdpLogger, IdpPage, IdpUser } from '../settings/types.js';
import { logUnexpected, renderError, type PageSettings } from '@koa-mellon/web';
import { idpTraceOf } from './flow-trace.js';

/**
 * Refusals at the IdP: a page with the code and fixed text, never a SAML response (the sender is
 * not verified, or its destination is not), never wire data, never a stack trace.
 * The page and the status are @koa-mellon/web's; the texts here are the IdP's own. The refusal
 * joins the flow's trace (stored before the page: the user may quote its reference at once).
 */
export async function handleIdpError<U extends IdpUser>(ctx: Context, logger: IdpLogger, continueUrl: string, err: unknown, pages: PageSettings<IdpPage<U>> | undefined): Promise<void> {
  const trace = idpTraceOf(ctx);
  trace?.refuse(err);
  await trace?.flush();
  const log = trace?.logger ?? logger;
  const show = (code: MellonErrorCode) => renderError(ctx, code, { continueUrl, redirectAfter: 0, message: publicMessage(code), reference: trace?.reference, pages, logger: log });
  if (err instanceof MellonError) {
    log.warn({ code: err.code, reason: err.message, cause: describe(err.cause) }, 'koa-mellon idp: refused');
    await show(err.code);
    return;
  }
  // A bug or an outage: a generic page. A client gone mid-request: debug only, nobody to answer.
  if (logUnexpected(log, err, 'koa-mellon idp')) return;
  await show('INTERNAL_ERROR');
}

function publicMessage(code: MellonErrorCode): string {
  switch (code) {
    case 'ENTITY_NOT_FOUND':
      return 'This application is not registered with this identity provider.';
    case 'ACS_URL_NOT_REGISTERED':
      return 'The application asked for its answer at an address it has not registered.';
    case 'REPLAYED_ASSERTION':
    case 'IN_RESPONSE_TO_MISMATCH':
    case 'ASSERTION_EXPIRED':
    case 'ASSERTION_NOT_YET_VALID':
      return 'This sign-in request has expired or was already used. Please start again from the application.';
    case 'LAUNCH_LINK_INVALID':
      return 'This link has expired or was already used. Please start again from the application.';
    case 'LAUNCH_SUBJECT_MISMATCH':
      return 'This link was made for another user. Please start again from the application.';
    case 'LOGIN_BROWSER_MISMATCH':
      return 'This sign-in was started in another browser. Please start again from the application.';
    case 'STORE_UNAVAILABLE':
    case 'METADATA_UNAVAILABLE':
      return 'Sign-in is temporarily unavailable. Please try again in a moment.';
    case 'CONFIG_INVALID':
    case 'KEY_INVALID':
    case 'METADATA_INVALID':
    case 'METADATA_EXPIRED':
    case 'METADATA_ENTITY_CHANGED':
      return 'Single sign-on is not configured correctly for this application. Please contact the administrator.';
    case 'TRANSPORT_INSECURE':
      return 'This page must be opened over https.';
    case 'REQUEST_TIMEOUT':
      return 'The request took too long to arrive. Please try again.';
    case 'INTERNAL_ERROR':
      return 'Something went wrong. Please try again.';
    default:
      return 'The application’s sign-in request could not be accepted.';
  }
}

function describe(cause: unknown): string | undefined {
  if (cause === undefined) return undefined;
  return cause instanceof Error ? `${cause.name}: ${cause.message}`.slice(0, 300) : String(cause).slice(0, 300);
}
