import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { CHECK_USAGE } from '../../src/cli/check.js';
import { KEYGEN_USAGE } from '../../src/cli/keygen.js';
import { METADATA_USAGE } from '../../src/cli/metadata.js';
import { MIGRATE_USAGE } from '../../src/cli/migrate.js';
import { TRACE_USAGE } from '../../src/cli/trace.js';
import { USAGE } from '../../src/cli/usage.js';

describe('docs/cli.md', () => {
  const doc = readFileSync(new URL('../../../../docs/cli.md', import.meta.url), 'utf8');

  for (const [name, usage] of [['keygen', KEYGEN_USAGE], ['metadata', METADATA_USAGE], ['check', CHECK_USAGE], ['migrate', MIGRATE_USAGE], ['trace', TRACE_USAGE]] as const) {
    it(`shows the ${name} usage as the command prints it`, () => {
      expect(doc).to.contain(`\`\`\`\n${usage}\n\`\`\``);
    });
  }

  it('describes every command of the usage', () => {
    for (const name of USAGE.matchAll(/^ {2}(\w+) /gm)) expect(doc).to.contain(`## ${name[1]}`);
  });
});
