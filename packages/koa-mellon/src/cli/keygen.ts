import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { integerOption, parseOptions } from './args.js';
import { jsString, UsageError, type ExitCode, type Output } from './output.js';
import { generateKeyPair, KEY_TYPE_NAMES, type KeyType } from '../keys/generate.js';

export const KEYGEN_USAGE = `Usage: koa-mellon keygen [--type rsa-2048|rsa-3072|ec-p256] [--cn NAME] [--days N] [--out DIR] [--force]

Writes the SP's private key (sp.key, PKCS#8 PEM, mode 0600) and a self-signed certificate
(sp.crt, SHA-256) into DIR (default: the current directory). Existing files are kept unless --force.

  --type   rsa-2048 (default; every IdP accepts it), rsa-3072, or ec-p256 (only for IdPs that do ECDSA)
  --cn     the certificate's common name (default: koa-mellon); the SP's host name is customary
  --days   validity in days (default: 3650); SAML peers trust the key, not the dates
  --out    the directory to write to; created when missing
  --force  replace existing sp.key and sp.crt`;


/** `koa-mellon keygen`: a key pair and certificate to put in `privateKey` and `publicKeys`. */
export function keygen(args: readonly string[], io: Output): ExitCode {
  const options = parseOptions(args, {
    type: { type: 'string', default: 'rsa-2048' },
    cn: { type: 'string', default: 'koa-mellon' },
    days: { type: 'string', default: '3650' },
    out: { type: 'string', default: '.' },
    force: { type: 'boolean', default: false },
  });
  if (!(KEY_TYPE_NAMES as readonly string[]).includes(options.type)) throw new UsageError(`--type: expected one of ${KEY_TYPE_NAMES.join(', ')}`);
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

  // Checked against KEY_TYPE_NAMES above.
  const { keyPem, certPem } = generateKeyPair({ type: options.type as KeyType, commonName: options.cn, days });
  mkdirSync(options.out, { recursive: true });
  for (const path of existing) rmSync(path);
  // 'wx' creates the file with its mode from the start: the key is never readable by others, even briefly.
  writeFileSync(keyPath, keyPem, { mode: 0o600, flag: 'wx' });
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
