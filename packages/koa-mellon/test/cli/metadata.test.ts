import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BINDING, getSpDescriptor, parseMetadata } from '@koa-mellon/saml';
import { testKeyPair } from '../../../../test/helpers/keys.js';
import { baseSettings, SP_BASE_URL, writeConfig } from './config-file.js';
import { runCli, useTempDir } from './run-cli.js';

describe('koa-mellon metadata', () => {
  const dir = useTempDir('metadata');

  it('prints the SP metadata of the settings a config file exports by default', async () => {
    const config = writeConfig(dir(), baseSettings());
    const result = await runCli(['metadata', '--config', config], dir());
    expect(result.code, result.stderr).to.equal(0);
    const entity = parseMetadata(result.stdout).entities.get(`${SP_BASE_URL}/metadata/`);
    if (!entity) throw new Error('no entity with our entityID');
    const sp = getSpDescriptor(entity);
    expect(sp.assertionConsumerServices.map((acs) => acs.location)).to.include(`${SP_BASE_URL}/login/`);
    expect(sp.assertionConsumerServices[0]?.binding).to.equal(BINDING.post);
    expect(sp.singleLogoutServices.map((slo) => slo.location)).to.include(`${SP_BASE_URL}/logout/`);
    expect(sp.authnRequestsSigned).to.equal(true);
    expect(sp.keys[0]?.certificate?.raw.toString('base64')).to.equal(testKeyPair('sp').certBase64);
  });

  it('reads a named `settings` export, relative to the working directory', async () => {
    writeConfig(dir(), { ...baseSettings(), entityId: 'https://sp.example.test/custom' }, { named: true });
    const result = await runCli(['metadata', '--config', 'mellon.config.mjs'], dir());
    expect(result.code, result.stderr).to.equal(0);
    expect(parseMetadata(result.stdout).entities.has('https://sp.example.test/custom')).to.equal(true);
  });

  it('reads a TypeScript config when run from the repository', async () => {
    const settings = JSON.stringify(baseSettings());
    writeFileSync(join(dir(), 'mellon.config.ts'), `const settings: { baseUrl: string } = ${settings};\nexport default settings;\n`);
    const result = await runCli(['metadata', '--config', 'mellon.config.ts'], dir());
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.contain('<md:EntityDescriptor');
  });

  it('says AuthnRequestsSigned="false" without a private key', async () => {
    const settings = baseSettings();
    delete settings['privateKey'];
    delete settings['publicKeys'];
    const result = await runCli(['metadata', '--config', writeConfig(dir(), settings)], dir());
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.contain('AuthnRequestsSigned="false"');
  });

  it('exits 1 naming the key when the settings are invalid', async () => {
    const result = await runCli(['metadata', '--config', writeConfig(dir(), { ...baseSettings(), baseURL: 'x' })], dir());
    expect(result.code).to.equal(1);
    expect(result.stderr).to.contain('settings invalid: baseURL: unknown setting');
    expect(result.stdout).to.equal('');
  });

  it('exits 1 when the config file is missing or exports no settings', async () => {
    const missing = await runCli(['metadata', '--config', 'nope.mjs'], dir());
    expect(missing.code).to.equal(1);
    expect(missing.stderr).to.contain('nope.mjs: no such file');
    writeFileSync(join(dir(), 'empty.mjs'), 'export const other = 1;\n');
    const empty = await runCli(['metadata', '--config', 'empty.mjs'], dir());
    expect(empty.code).to.equal(1);
    expect(empty.stderr).to.contain('exports neither a default nor `settings`');
  });
});
