import { spMetadataXml } from '../router/metadata.js';
import { parseOptions } from './args.js';
import { openRuntime, silentLogger } from './open-runtime.js';
import { describeError, UsageError, type ExitCode, type Output } from './output.js';

export const METADATA_USAGE = `Usage: koa-mellon metadata --config FILE

Prints the SP metadata for the settings FILE exports (its default export, or \`settings\`), as the
metadata/ route serves it: send it to the IdP's administrator. FILE is a .js or .mjs module
(.ts too when run from this repository, which registers tsx).`;

/** `koa-mellon metadata`: our metadata on stdout, nothing else, so it can be redirected to a file. */
export async function metadataCommand(args: readonly string[], io: Output): Promise<ExitCode> {
  const { config } = parseOptions(args, { config: { type: 'string' } });
  if (config === undefined) throw new UsageError('--config FILE is required');
  const rt = await openRuntime(config, io, silentLogger);
  if (!rt) return 1;
  try {
    io.out(spMetadataXml(rt));
    return 0;
  } catch (err) {
    io.err(`metadata: ${describeError(err)}`);
    return 1;
  } finally {
    rt.close();
  }
}
