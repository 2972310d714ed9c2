import { generateKeyPairSync, X509Certificate, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { integerOption, parseOptions } from './args.js';
import { jsString, UsageError, type ExitCode, type Output } from './output.js';
import { createSelfSignedCertificate } from './self-signed-certificate.js';

export const KEYGEN_USAGE = `Usage: koa-mellon keygen [--type rsa-2048|rsa-3072|ec-p256] [--cn NAME] [--days N] [--out DIR] [--force]

Writes the SP's private key (sp.key, PKCS#8 PEM, mode 0600) and a self-signed certificate
(sp.crt, SHA-256) into DIR (default: the current directory). Existing files are kept unless --force.

  --type   rsa-2048 (default; every IdP accepts it), rsa-3072, or ec-p256 (only for IdPs that do ECDSA)
  --cn     the certificate's common name (default: koa-mellon); the SP's host name is customary
  --days   validity in days (default: 3650); SAML peers trust the key, not the dates
  --out    the directory to write to; created when missing
  --force  replace existing sp.key and sp.crt`;

const KEY_TYPES = {
  'rsa-2048': () => generateKeyPairSync('rsa', { modulusLength: 2048 }),
  'rsa-3072': () => generateKeyPairSync('rsa', { modulusLength: 3072 }),
  'ec-p256': () => generateKeyPairSync('ec', { namedCurve: 'P-256' }),
} satisfies Record<string, () => { privateKey: KeyObject; publicKey: KeyObject }>;

const DAY_MS = 86_400_000;

/** `koa-mellon keygen`: a key pair and certificate to put in `privateKey` and `publicKeys`. */
export function keygen(args: readonly string[], io: Output): ExitCode {
  const options = parseOptions(args, {
    type: { type: 'string', default: 'rsa-2048' },
    cn: { type: 'string', default: 'koa-mellon' },
    days: { type: 'string', default: '3650' },
    out: { type: 'string', default: '.' },
    force: { type: 'boolean', default: false },
  });
  if (!Object.hasOwn(KEY_TYPES, options.type)) throw new UsageError(`--type: expected one of ${Object.keys(KEY_TYPES).join(', ')}`);
  if (options.cn.trim() === '') throw new UsageError('--cn: expected a name');
  const days = integerOption('days', options.days, 1, 36_500);

  const keyPath = join(options.out, 'sp.key');
  const certPath = join(options.out, 'sp.crt');
  // Check both before writing either, so a refusal never leaves a key without its certificate.
  const existing = [keyPath, certPath].filter((path) => existsSync(path));
  if (existing.length > 0 && !options.force) {
    io.err(`keygen: ${existing.join(' and ')} already exist${existing.length === 1 ? 's' : ''}; pass --force to replace (the IdP must then get the new certificate)`);
    return 1;
  }

  // Checked by Object.hasOwn above.
  const { privateKey, publicKey } = KEY_TYPES[options.type as keyof typeof KEY_TYPES]();
  const notBefore = new Date(Math.floor(Date.now() / 1000) * 1000);
  const certPem = createSelfSignedCertificate(privateKey, publicKey, { commonName: options.cn, notBefore, notAfter: new Date(notBefore.getTime() + days * DAY_MS) });
  mkdirSync(options.out, { recursive: true });
  for (const path of existing) rmSync(path);
  // 'wx' creates the file with its mode from the start: the key is never readable by others, even briefly.
  writeFileSync(keyPath, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
  writeFileSync(certPath, certPem, { mode: 0o644, flag: 'wx' });

  const cert = new X509Certificate(certPem);
  io.out(`wrote ${keyPath}  private key (${options.type}, PKCS#8): keep it secret, out of version control`);
  io.out(`wrote ${certPath}  self-signed certificate, ${cert.subject}, valid until ${new Date(Date.parse(cert.validTo)).toISOString().slice(0, 10)}`);
  io.out(`SHA-256 fingerprint: ${cert.fingerprint256}`);
  io.out();
  io.out('Add to your settings:');
  io.out(`  privateKey: ${jsString(keyPath)},`);
  io.out(`  publicKeys: [${jsString(certPath)}],`);
  return 0;
}
