// Generates docs/idp-settings.md from the documented settings types of @koa-mellon/idp
// (packages/idp/src/settings/types.ts: IdpSettings and ServiceProviderSettings, with their doc
// comments). `npm run docs:idp-settings` rewrites the file; a test fails when they drift apart.
// validate.ts checks at compile time that its key tables list exactly these keys.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export const IDP_SETTINGS_DOCS_PATH = fileURLToPath(new URL('../docs/idp-settings.md', import.meta.url));
const TYPES_PATH = fileURLToPath(new URL('../packages/idp/src/settings/types.ts', import.meta.url));

interface Documented {
  readonly key: string;
  readonly required: boolean;
  readonly type: string;
  readonly doc: string;
}

/** The properties of `interfaceName`, in source order, with their type and doc comment. */
function propertiesOf(source: ts.SourceFile, interfaceName: string): Documented[] {
  const declaration = source.statements.find((node): node is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(node) && node.name.text === interfaceName);
  if (!declaration) throw new Error(`interface ${interfaceName} not found in ${TYPES_PATH}`);
  return declaration.members.filter(ts.isPropertySignature).map((member) => {
    const doc = ts
      .getJSDocCommentsAndTags(member)
      .filter(ts.isJSDoc)
      .map((jsDoc) => ts.getTextOfJSDocComment(jsDoc.comment) ?? '')
      .join(' ');
    const type = (member.type?.getText(source) ?? '').replace(/\s*\|\s*undefined$/, '').replace(/\s+/g, ' ');
    return { key: member.name.getText(source), required: member.questionToken === undefined, type, doc: doc.replace(/\s+/g, ' ').trim() };
  });
}

function table(rows: readonly Documented[]): string[] {
  const cell = (text: string) => text.replace(/\|/g, '\\|');
  return [
    '| key | type | meaning |',
    '| --- | --- | --- |',
    ...rows.map((row) => `| \`${row.key}\`${row.required ? ' (required)' : ''} | \`${cell(row.type)}\` | ${cell(row.doc) || '—'} |`),
  ];
}

export function renderIdpSettingsDocs(): string {
  const source = ts.createSourceFile(TYPES_PATH, readFileSync(TYPES_PATH, 'utf8'), ts.ScriptTarget.Latest, true);
  return [
    '# IdP settings',
    '',
    '<!-- Generated from packages/idp/src/settings/types.ts by scripts/idp-settings-docs.ts; do not edit by hand. -->',
    '',
    '`createIdp(settings)` of `@koa-mellon/idp` takes one object, validated at start-up: an unknown key, a wrong',
    'kind, an unreadable key file, or a signing key that matches no published certificate throws a `ConfigError`',
    'whose `path` names the key (`serviceProviders[1].nameIdFormat`). A guide with examples: [idp.md](idp.md).',
    '',
    '## `createIdp(settings)`',
    '',
    ...table(propertiesOf(source, 'IdpSettings')),
    '',
    '## An entry of `serviceProviders`',
    '',
    'Exactly one of `metadata`, `metadataPath` and `metadataUrl` per entry.',
    '',
    ...table(propertiesOf(source, 'ServiceProviderSettings')),
    '',
  ].join('\n');
}

if (process.argv.includes('--write')) writeFileSync(IDP_SETTINGS_DOCS_PATH, renderIdpSettingsDocs());
