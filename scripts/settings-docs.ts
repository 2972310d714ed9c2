// Generates docs/settings.md from the settings schema (packages/koa-mellon/src/settings/schema.ts).
// `node --conditions=koa-mellon-source --import tsx scripts/settings-docs.ts --write` rewrites the file; a test
// fails when the committed file and the schema drift apart.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { IDP_ONLY_SETTINGS, SETTINGS_SCHEMA, type SettingSpec } from 'koa-mellon';

export const SETTINGS_DOCS_PATH = fileURLToPath(new URL('../docs/settings.md', import.meta.url));

function show(value: unknown): string {
  if (value === undefined) return '—';
  return `\`${JSON.stringify(value)}\``;
}

export function renderSettingsDocs(): string {
  const lines = [
    '# Settings',
    '',
    '<!-- Generated from packages/koa-mellon/src/settings/schema.ts by scripts/settings-docs.ts; do not edit by hand. -->',
    '',
    '`createMellon(settings)` takes one object in the style of django-mellon’s `MELLON_*` settings, camelCased.',
    'It is validated at start-up: an unknown key, a wrong type, an unreadable key file or a private key that',
    'matches no public key throws a `ConfigError` whose `path` names the key (`identityProviders[1].metadataUrl`).',
    'Every mistake of the settings object is found at once: the error\'s `problems` lists them all (its message',
    'too), and an unknown key says which setting it was probably meant to be (`did you mean usernameTemplate?`).',
    '',
    'Settings marked *per IdP* can be overridden in an `identityProviders` entry. An override wins whenever the',
    'key is present, even when its value is `false`, `0` or empty (django-mellon’s `idp.get(name) or global`',
    'loses those).',
    '',
    '| key | default | django-mellon | per IdP | meaning |',
    '| --- | --- | --- | --- | --- |',
  ];
  for (const [key, spec] of Object.entries(SETTINGS_SCHEMA) as [string, SettingSpec][]) {
    const doc = spec.security ? `${spec.doc} **Security:** ${spec.security}` : spec.doc;
    const required = spec.required ? ' (required)' : '';
    lines.push(`| \`${key}\`${required} | ${show(spec.default)} | ${spec.mellon ? `\`MELLON_${spec.mellon}\`` : 'ours'} | ${spec.perIdp ? 'yes' : 'no'} | ${doc} |`);
  }
  lines.push('', '## Keys of an `identityProviders` entry only', '', '| key | django-mellon | meaning |', '| --- | --- | --- |');
  for (const [key, spec] of Object.entries(IDP_ONLY_SETTINGS) as [string, { mellon?: string; doc: string }][]) {
    lines.push(`| \`${key}\` | ${spec.mellon ? `\`${spec.mellon}\`` : 'ours'} | ${spec.doc} |`);
  }
  lines.push('', 'Exactly one of `metadata`, `metadataPath` and `metadataUrl` per entry, or the IdP by parts: `entityId`, `ssoUrl`, `certificates` and optionally `sloUrl` (a descriptor is generated from them; no metadata source beside them).', '');
  return lines.join('\n');
}

if (process.argv.includes('--write')) writeFileSync(SETTINGS_DOCS_PATH, renderSettingsDocs());
