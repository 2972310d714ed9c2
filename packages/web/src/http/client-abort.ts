/**
 * The client went away while we were reading its request (an aborted upload, a reset connection).
 * It is neither a refusal (no `MellonError` code, nobody to show a page to) nor our failure: anyone
 * can cause it at will, so it must not write error-level log lines (they page the on-call).
 */
export class ClientAbortError extends Error {
  override readonly name = 'ClientAbortError';
}

interface FailureLogger {
  debug(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/**
 * Logs an error that is not a `MellonError`: a client abort at debug level, anything else (a bug,
 * an outage) at error level in full. Returns true for a client abort: there is no one to answer.
 */
export function logUnexpected(logger: FailureLogger, err: unknown, label: string): boolean {
  if (err instanceof ClientAbortError) {
    logger.debug({ reason: err.message }, `${label}: client went away`);
    return true;
  }
  logger.error({ err }, `${label}: unexpected error`);
  return false;
}
