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

const PINO_LEVELS = { warn: 40, error: 50 } as const;

/**
 * The default logger of a role when the app gives none: warnings and errors only, one
 * pino-compatible JSON line each on stderr (`{"level":40,"time":…,"msg":…,…fields}`), so that a
 * refusal or a misconfiguration is never silent. Debug and info lines are dropped. An `Error` in
 * the fields is written as `{ type, message, stack }` (logs are for the operator; nothing here
 * reaches a user).
 */
export function createStderrLogger(write: (line: string) => void = (line) => process.stderr.write(line)): Logger {
  const emit = (level: keyof typeof PINO_LEVELS) => (obj: object, msg?: string) => {
    const fields = Object.fromEntries(Object.entries(obj).map(([key, value]) => [key, value instanceof Error ? { type: value.name, message: value.message, stack: value.stack } : value]));
    write(`${JSON.stringify({ level: PINO_LEVELS[level], time: Date.now(), ...fields, msg })}\n`);
  };
  return { debug: () => undefined, info: () => undefined, warn: emit('warn'), error: emit('error') };
}
