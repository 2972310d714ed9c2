// Generates docs/errors.md from the one catalogue of error codes (packages/saml/src/errors.ts).
// `node --conditions=koa-mellon-source --import tsx scripts/error-docs.ts --write` rewrites the file; a test
// fails when the committed file and the catalogue drift apart.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ERROR_CODES } from '@koa-mellon/saml';

export const ERROR_DOCS_PATH = fileURLToPath(new URL('../docs/errors.md', import.meta.url));

export function renderErrorDocs(): string {
  const lines = [
    '# Error codes',
    '',
    '<!-- Generated from packages/saml/src/errors.ts by scripts/error-docs.ts; do not edit by hand. -->',
    '',
    'Every refusal is a `MellonError` (or `StatusError`, `ConfigError`) with one of these `code`s.',
    'Switch on the code, never on the message: messages are for logs and may change.',
    '',
  ];
  for (const [code, info] of Object.entries(ERROR_CODES)) {
    lines.push(`## \`${code}\``, '', `- **Meaning:** ${info.meaning}`, `- **Likely cause:** ${info.cause}`, `- **Fix:** ${info.fix}`, '');
  }
  return lines.join('\n');
}

if (process.argv.includes('--write')) writeFileSync(ERROR_DOCS_PATH, renderErrorDocs());
