import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, useTempDir } from './run-cli.js';

const TYPES = [
  { type: 'rsa-2048', keyType: 'rsa', bits: 2048, signature: 'sha256WithRSAEncryption' },
  { type: 'rsa-3072', keyType: 'rsa', bits: 3072, signature: 'sha256WithRSAEncryption' },
  { type: 'ec-p256', keyType: 'ec', bits: undefined, signature: 'ecdsa-with-SHA256' },
] as const;

describe('koa-mellon keygen', () => {
  const dir = useTempDir('keygen');

  for (const { type, keyType, bits, signature } of TYPES) {
    it(`writes a ${type} key (0600) and a matching self-signed certificate`, async () => {
      const result = await runCli(['keygen', '--type', type, '--cn', 'sp.example.test'], dir());
      expect(result.code, result.stderr).to.equal(0);
      const keyPath = join(dir(), 'sp.key');
      const certPath = join(dir(), 'sp.crt');
      if (process.platform !== 'win32') expect(statSync(keyPath).mode & 0o777).to.equal(0o600);
      const keyPem = readFileSync(keyPath, 'utf8');
      expect(keyPem).to.match(/^-----BEGIN PRIVATE KEY-----\n/);
      const key = createPrivateKey(keyPem);
      expect(key.asymmetricKeyType).to.equal(keyType);
      if (bits) expect(key.asymmetricKeyDetails?.modulusLength).to.equal(bits);
      else expect(key.asymmetricKeyDetails?.namedCurve).to.equal('prime256v1');
      const cert = new X509Certificate(readFileSync(certPath));
      expect(cert.subject).to.equal('CN=sp.example.test');
      expect(cert.checkPrivateKey(key)).to.equal(true);
      expect(cert.verify(createPublicKey(key))).to.equal(true);
      expect(result.stdout).to.contain("privateKey: 'sp.key',").and.contain("publicKeys: ['sp.crt'],");
      expect(result.stdout).to.contain(cert.fingerprint256);
    });

    it(`writes a ${type} certificate that openssl reads (${signature})`, async () => {
      await runCli(['keygen', '--type', type], dir());
      const text = openssl(['x509', '-noout', '-text', '-in', join(dir(), 'sp.crt')]);
      expect(text).to.contain(`Signature Algorithm: ${signature}`).and.contain('Version: 3 (0x2)').and.contain('CA:FALSE');
      expect(openssl(['verify', '-CAfile', join(dir(), 'sp.crt'), join(dir(), 'sp.crt')])).to.contain(': OK');
    });
  }

  it('makes the certificate valid for --days from now', async () => {
    await runCli(['keygen', '--days', '10'], dir());
    const cert = new X509Certificate(readFileSync(join(dir(), 'sp.crt')));
    const days = (Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / 86_400_000;
    expect(days).to.equal(10);
    expect(Math.abs(Date.parse(cert.validFrom) - Date.now())).to.be.below(60_000);
  });

  it('writes into --out, creating it, and prints the paths to paste', async () => {
    const out = join(dir(), 'keys', 'sp');
    const result = await runCli(['keygen', '--out', out], dir());
    expect(result.code, result.stderr).to.equal(0);
    expect(existsSync(join(out, 'sp.key')) && existsSync(join(out, 'sp.crt'))).to.equal(true);
    expect(result.stdout).to.contain(`privateKey: '${join(out, 'sp.key')}'`);
  });

  it('refuses to overwrite existing files and leaves them untouched', async () => {
    await runCli(['keygen'], dir());
    const before = readFileSync(join(dir(), 'sp.key'), 'utf8');
    const result = await runCli(['keygen', '--type', 'ec-p256'], dir());
    expect(result.code).to.equal(1);
    expect(result.stderr).to.contain('already exist').and.contain('--force');
    expect(readFileSync(join(dir(), 'sp.key'), 'utf8')).to.equal(before);
  });

  it('refuses when only the certificate exists, writing no key', async () => {
    await runCli(['keygen'], dir());
    rmSync(join(dir(), 'sp.key'));
    const result = await runCli(['keygen'], dir());
    expect(result.code).to.equal(1);
    expect(existsSync(join(dir(), 'sp.key'))).to.equal(false);
  });

  it('replaces existing files with --force, the key still 0600', async () => {
    await runCli(['keygen'], dir());
    const before = readFileSync(join(dir(), 'sp.key'), 'utf8');
    const result = await runCli(['keygen', '--force'], dir());
    expect(result.code, result.stderr).to.equal(0);
    expect(readFileSync(join(dir(), 'sp.key'), 'utf8')).to.not.equal(before);
    if (process.platform !== 'win32') expect(statSync(join(dir(), 'sp.key')).mode & 0o777).to.equal(0o600);
  });

  it('exits 2 on an unknown --type or a bad --days', async () => {
    expect((await runCli(['keygen', '--type', 'dsa-1024'], dir())).code).to.equal(2);
    expect((await runCli(['keygen', '--days', 'ten'], dir())).code).to.equal(2);
    expect(existsSync(join(dir(), 'sp.key'))).to.equal(false);
  });
});

/** openssl is the independent reader here; without it the test fails saying what to install. */
function openssl(args: string[]): string {
  try {
    return execFileSync('openssl', args, { encoding: 'utf8' });
  } catch (err) {
    // execFileSync fails with the spawn error, an ErrnoException, when the program is missing.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error('openssl is needed for this test: install it (apt-get install openssl)');
    throw err;
  }
}
