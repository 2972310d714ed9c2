/** Where a command writes: results to `out`, diagnostics to `err`. One line per call. */
export interface Output {
  out(line?: string): void;
  err(line?: string): void;
}

/** Wrong arguments: the caller prints the message and the usage, and exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** What a command returns: 0 success, 1 failure, 2 bad usage. */
export type ExitCode = 0 | 1 | 2;

// The command's output is lost: a check that did not finish must not pass for a success.
const exitOnWriteError = (): never => process.exit(process.exitCode ?? 1);

/**
 * Writes to the process's stdout and stderr. A reader that goes away early (`| head`) ends the
 * process quietly, as with any Unix tool, instead of an unhandled EPIPE and its stack trace.
 */
export function processOutput(): Output {
  for (const stream of [process.stdout, process.stderr]) {
    if (!stream.listeners('error').includes(exitOnWriteError)) stream.on('error', exitOnWriteError);
  }
  return {
    out: (line = '') => void process.stdout.write(`${line}\n`),
    err: (line = '') => void process.stderr.write(`${line}\n`),
  };
}

/** `'text'` as a JavaScript string literal, for settings snippets the user pastes. */
export function jsString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** An error as one line: the MellonError code when there is one, never a stack trace. */
export function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = 'code' in err && typeof err.code === 'string' ? `${err.code}: ` : '';
  return `${code}${err.message}`;
}

/** The causes of an error, outermost first, one line each (the metadata sources nest the network error). */
export function describeCauses(err: unknown): string[] {
  const lines: string[] = [];
  let cause = err instanceof Error ? err.cause : undefined;
  // A cycle or a very deep chain says nothing more after a few links.
  for (let depth = 0; cause !== undefined && depth < 5; depth++) {
    lines.push(describeError(cause));
    cause = cause instanceof Error ? cause.cause : undefined;
  }
  return lines;
}
