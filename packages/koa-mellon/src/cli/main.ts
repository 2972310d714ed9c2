import { checkCommand, CHECK_USAGE } from './check.js';
import { keygen, KEYGEN_USAGE } from './keygen.js';
import { metadataCommand, METADATA_USAGE } from './metadata.js';
import { migrateCommand, MIGRATE_USAGE } from './migrate.js';
import { traceCommand, TRACE_USAGE } from './trace.js';
import { describeError, processOutput, UsageError, type ExitCode, type Output } from './output.js';
import { USAGE } from './usage.js';

interface Command {
  readonly usage: string;
  run(args: readonly string[], io: Output): ExitCode | Promise<ExitCode>;
}

const COMMANDS: ReadonlyMap<string, Command> = new Map([
  ['keygen', { usage: KEYGEN_USAGE, run: keygen }],
  ['metadata', { usage: METADATA_USAGE, run: metadataCommand }],
  ['check', { usage: CHECK_USAGE, run: checkCommand }],
  ['migrate', { usage: MIGRATE_USAGE, run: migrateCommand }],
  ['trace', { usage: TRACE_USAGE, run: traceCommand }],
]);

/**
 * `koa-mellon <command> [options]`: runs one command and returns the exit status, 0 on success,
 * 1 when the command fails, 2 on bad usage. Errors are printed as one line with their code, never
 * as a stack trace: the reader is an operator, not a debugger.
 *
 * @example
 * process.exitCode = await runCli(process.argv.slice(2));
 */
export async function runCli(argv: readonly string[], io: Output = processOutput()): Promise<ExitCode> {
  const [name, ...args] = argv;
  if (name === '--help' || name === '-h' || name === 'help') {
    io.out(USAGE);
    return 0;
  }
  const command = name === undefined ? undefined : COMMANDS.get(name);
  if (!command) {
    io.err(name === undefined ? 'koa-mellon: a command is required' : `koa-mellon: unknown command ${JSON.stringify(name)}`);
    io.err(USAGE);
    return 2;
  }
  if (args.includes('--help') || args.includes('-h')) {
    io.out(command.usage);
    return 0;
  }
  try {
    return await command.run(args, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`koa-mellon ${name}: ${err.message}`);
      io.err(command.usage);
      return 2;
    }
    io.err(`koa-mellon ${name}: ${describeError(err)}`);
    return 1;
  }
}
