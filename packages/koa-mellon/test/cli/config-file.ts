import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateIdpMetadata, type IdpMetadataOptions } from '@koa-mellon/saml';
import { testKeyPair } from '../../../../test/helpers/keys.js';

export const IDP_ENTITY_ID = 'https://idp.example.test/metadata';
export const SP_BASE_URL = 'https://app.example.test/accounts/mellon';

/** IdP metadata signed-for by the `idp` test key, with SSO and SLO endpoints. */
export function idpMetadataXml(overrides: Partial<IdpMetadataOptions> = {}): string {
  return generateIdpMetadata({
    entityId: IDP_ENTITY_ID,
    singleSignOnServiceUrl: 'https://idp.example.test/sso',
    singleLogoutServiceUrl: 'https://idp.example.test/slo',
    certificates: [testKeyPair('idp').certPem],
    ...overrides,
  });
}

/** Settings with the `sp` test key and one inline IdP; plain JSON, so a config file can embed them. */
export function baseSettings(): Record<string, unknown> {
  return {
    baseUrl: SP_BASE_URL,
    privateKey: testKeyPair('sp').keyPem,
    publicKeys: [testKeyPair('sp').certPem],
    identityProviders: [{ metadata: idpMetadataXml() }],
  };
}

/** Writes `settings` as the default export of `<dir>/<name>` (or as `export const settings`). */
export function writeConfig(dir: string, settings: unknown, options: { name?: string; named?: boolean } = {}): string {
  const path = join(dir, options.name ?? 'mellon.config.mjs');
  const json = JSON.stringify(settings, null, 2);
  writeFileSync(path, options.named ? `export const settings = ${json};\n` : `export default ${json};\n`);
  return path;
}
