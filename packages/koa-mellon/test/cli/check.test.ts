import { expect } from 'chai';
import { generateKeyPairSync } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createSelfSignedCertificate } from '../../src/keys/self-signed-certificate.js';
import { baseSettings, IDP_ENTITY_ID, idpMetadataXml, writeConfig } from './config-file.js';
import { runCli, useTempDir } from './run-cli.js';

const NO_STACK = /\n\s+at /;

describe('koa-mellon check', () => {
  const dir = useTempDir('check');

  it('exits 0 and describes a well-configured IdP', async () => {
    const result = await runCli(['check', '--config', writeConfig(dir(), baseSettings())], dir());
    expect(result.code, result.stdout + result.stderr).to.equal(0);
    expect(result.stdout)
      .to.contain('settings: valid (1 identity provider)')
      .and.contain(`entityID: ${IDP_ENTITY_ID}`)
      .and.match(/HTTP-Redirect +https:\/\/idp\.example\.test\/sso/)
      .and.match(/HTTP-POST +https:\/\/idp\.example\.test\/slo/)
      .and.contain('signing keys: 1')
      .and.contain('relaxations in force: none')
      .and.contain('all fine (0 warnings)');
  });

  it('downloads metadataUrl from a server on 127.0.0.1', async () => {
    const server = await serve(idpMetadataXml());
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metadata`;
      const settings = { ...baseSettings(), metadataCacheDir: join(dir(), 'cache'), identityProviders: [{ metadataUrl: url }] };
      const result = await runCli(['check', '--config', writeConfig(dir(), settings)], dir());
      expect(result.code, result.stdout + result.stderr).to.equal(0);
      expect(result.stdout).to.contain(`(metadata: ${url})`).and.contain(`entityID: ${IDP_ENTITY_ID}`);
    } finally {
      server.close();
    }
  });

  it('says so when the metadata URL answers an HTML page (a login page, the wrong URL)', async () => {
    const server = await serve('<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body>Portal</body></html>');
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metadata`;
      const settings = { ...baseSettings(), metadataCacheDir: join(dir(), 'cache'), identityProviders: [{ metadataUrl: url }] };
      const result = await runCli(['check', '--config', writeConfig(dir(), settings)], dir());
      expect(result.code).to.equal(1);
      expect(result.stdout, result.stdout).to.contain('because: METADATA_INVALID: this is an HTML page, not SAML metadata');
      expect(result.stdout + result.stderr).to.not.match(NO_STACK);
    } finally {
      server.close();
    }
  });

  it('exits 1 naming an unknown key', async () => {
    const settings = { ...baseSettings(), identityProviders: [{ metadata: idpMetadataXml(), metadataURL: 'https://idp.example.test/md' }] };
    const result = await runCli(['check', '--config', writeConfig(dir(), settings)], dir());
    expect(result.code).to.equal(1);
    expect(result.stderr).to.contain('settings invalid: identityProviders[0].metadataURL: unknown setting').and.not.match(NO_STACK);
  });

  it('lists every settings mistake at once, with a "did you mean" for misspelt keys', async () => {
    const settings = { ...baseSettings(), MELLON_USERNAME_TEMPLATE: '{nameId}', clockSkew: 'lots', identityProviders: [{ metadata: idpMetadataXml(), wantAssertionSigned: false }, {}] };
    const result = await runCli(['check', '--config', writeConfig(dir(), settings)], dir());
    expect(result.code).to.equal(1);
    expect(result.stderr.split('\n').filter((line) => line.startsWith('  '))).to.deep.equal([
      '  MELLON_USERNAME_TEMPLATE: unknown setting (did you mean usernameTemplate?)',
      '  clockSkew: expected a non-negative number of seconds',
      '  identityProviders[0].wantAssertionSigned: unknown setting (did you mean wantAssertionsSigned?)',
      '  identityProviders[1]: expected exactly one of metadata, metadataPath, metadataUrl (or the IdP by parts: entityId, ssoUrl, certificates)',
    ]);
    expect(result.stderr).to.contain('settings invalid (4 problems):').and.not.match(NO_STACK);
  });

  it('exits 1 with METADATA_UNAVAILABLE when the metadata URL refuses connections and nothing is cached', async () => {
    const port = await closedPort();
    const settings = {
      ...baseSettings(),
      metadataCacheDir: join(dir(), 'cache'),
      metadataHttpTimeout: 2,
      identityProviders: [{ metadataUrl: `http://127.0.0.1:${port}/metadata` }],
    };
    const result = await runCli(['check', '--config', writeConfig(dir(), settings)], dir());
    expect(result.code).to.equal(1);
    expect(result.stdout).to.contain('problem: METADATA_UNAVAILABLE').and.contain('1 problem');
    expect(result.stdout + result.stderr).to.not.match(NO_STACK);
  });

  it('exits 1 when the IdP wants signed AuthnRequests and we have no key', async () => {
    const settings: Record<string, unknown> = { ...baseSettings(), identityProviders: [{ metadata: idpMetadataXml({ wantAuthnRequestsSigned: true }) }] };
    delete settings['privateKey'];
    delete settings['publicKeys'];
    const result = await runCli(['check', '--config', writeConfig(dir(), settings)], dir());
    expect(result.code).to.equal(1);
    expect(result.stdout).to.contain('signed AuthnRequests: the IdP wants them; we do not sign them').and.contain('problem: we have no private key');
  });

  it('says when we sign the AuthnRequests an IdP wants signed', async () => {
    const settings = { ...baseSettings(), identityProviders: [{ metadata: idpMetadataXml({ wantAuthnRequestsSigned: true }) }] };
    const result = await runCli(['check', '--config', writeConfig(dir(), settings)], dir());
    expect(result.code, result.stdout).to.equal(0);
    expect(result.stdout).to.contain('signed AuthnRequests: the IdP wants them; we sign them (RSA 2048)');
  });

  it('warns, and still exits 0, when an IdP certificate expires within 30 days', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const now = Date.now();
    const cert = createSelfSignedCertificate(privateKey, publicKey, { commonName: 'idp', notBefore: new Date(now - 86_400_000), notAfter: new Date(now + 10.5 * 86_400_000) });
    const settings = { ...baseSettings(), identityProviders: [{ metadata: idpMetadataXml({ certificates: [cert] }) }] };
    const result = await runCli(['check', '--config', writeConfig(dir(), settings)], dir());
    expect(result.code, result.stdout).to.equal(0);
    expect(result.stdout).to.contain('EC prime256v1, CN=idp').and.contain('warning: this certificate expires in 10 days').and.contain('all fine (1 warning)');
  });

  it('lists the relaxations in force', async () => {
    const settings = { ...baseSettings(), identityProviders: [{ metadata: idpMetadataXml(), allowSha1: true, allowIdpInitiated: true }] };
    const result = await runCli(['check', '--config', writeConfig(dir(), settings)], dir());
    expect(result.code).to.equal(0);
    expect(result.stdout).to.contain('warning: relaxations in force: allowSha1, allowIdpInitiated');
  });
});

async function serve(body: string): Promise<Server> {
  const server = createServer((_req, res) => {
    res.setHeader('Content-Type', 'application/samlmetadata+xml');
    res.end(body);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

/** A port nothing listens on: one the OS just handed out, closed again. */
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}
