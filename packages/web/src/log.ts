/**
 * Where the shared layer logs: the shape pino, bunyan and koa-mellon's `logger` setting have
 * (an object of fields first, then the message). Fields carry codes, ids and counts, never
 * values from the wire.
 */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** Logs nothing: the default when no logger is given. */
export const SILENT_LOGGER: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
