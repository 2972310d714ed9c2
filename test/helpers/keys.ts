import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import forge from 'node-forge';

/** A test key pair with a self-signed certificate, also written to disk for CLI peers. */
export interface TestKeyPair {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly keyPem: string;
  readonly certPem: string;
  /** Base64 DER, as in `<ds:X509Certificate>`. */
  readonly certBase64: string;
  readonly keyPath: string;
  readonly certPath: string;
}

const cache = new Map<string, TestKeyPair>();

/** RSA-2048 (or EC P-256) key and certificate named `name`, made once per process. */
export function testKeyPair(name: string, type: 'rsa' | 'ec' = 'rsa'): TestKeyPair {
  const cacheKey = `${name}:${type}`;
  const cached = cache.get(cacheKey);
  if (cached) return cached;
  const { privateKey, publicKey } =
    type === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const certPem = type === 'rsa' ? selfSignedRsaCert(keyPem, name) : selfSignedWithOpenssl(keyPem, name);
  const dir = mkdtempSync(join(tmpdir(), `km-keys-${name}-`));
  const keyPath = join(dir, 'key.pem');
  const certPath = join(dir, 'cert.pem');
  writeFileSync(keyPath, keyPem, { mode: 0o600 });
  writeFileSync(certPath, certPem);
  const certBase64 = certPem.replace(/-----[^-]+-----|\s+/g, '');
  const pair = { privateKey, publicKey, keyPem, certPem, certBase64, keyPath, certPath };
  cache.set(cacheKey, pair);
  return pair;
}

function selfSignedRsaCert(keyPem: string, name: string): string {
  const key = forge.pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey;
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  cert.serialNumber = '01' + forge.util.bytesToHex(forge.random.getBytesSync(8));
  cert.validity.notBefore = new Date(Date.now() - 86_400_000);
  cert.validity.notAfter = new Date(Date.now() + 10 * 365 * 86_400_000);
  const attrs = [{ name: 'commonName', value: name }];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.sign(key, forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}

function selfSignedWithOpenssl(keyPem: string, name: string): string {
  // node-forge cannot sign with EC keys; openssl can.
  const dir = mkdtempSync(join(tmpdir(), 'km-ec-'));
  writeFileSync(join(dir, 'k.pem'), keyPem);
  return execFileSync('openssl', ['req', '-x509', '-new', '-key', join(dir, 'k.pem'), '-days', '3650', '-subj', `/CN=${name}`], { encoding: 'utf8' });
}
