import { ConfigError } from '@koa-mellon/saml';
import { createRuntime, type Runtime } from '../runtime.js';
import type { Logger } from '../settings/types.js';
import { ConfigFileError, loadSettings, withLogger } from './load-config.js';
import { describeError, type Output } from './output.js';

/**
 * The runtime for a config file, built as `createMellon` builds it (settings validated, keys
 * loaded, metadata sources made; no I/O yet). On failure, prints why on stderr and returns
 * undefined: `settings invalid: identityProviders[0].metadataUrl: expected an https: URL`.
 */
export async function openRuntime(file: string, io: Output, logger: Logger): Promise<Runtime | undefined> {
  try {
    return createRuntime(withLogger(await loadSettings(file), logger));
  } catch (err) {
    if (err instanceof ConfigFileError) io.err(`config: ${err.message}`);
    // ConfigError's message is already `<path>: <what is wrong>`.
    else if (err instanceof ConfigError && err.problems.length > 1) io.err(`settings invalid (${err.problems.length} problems):\n${err.problems.map((problem) => `  ${problem.message}`).join('\n')}`);
    else if (err instanceof ConfigError) io.err(`settings invalid: ${err.message}`);
    // An adapter's constructor, a custom store: whatever the settings run may throw.
    else io.err(`settings invalid: ${describeError(err)}`);
    return undefined;
  }
}

/** Drops everything: for commands that report nothing about the runtime's work. */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
