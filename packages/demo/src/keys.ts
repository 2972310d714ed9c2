import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateKeyPair } from 'koa-mellon';

/** A key pair made on first run into the (git-ignored) data dir, and reused afterwards. */
export function demoKeyPair(dataDir: string, name: string): { privateKey: string; publicKeys: string[] } {
  const dir = join(dataDir, 'keys');
  const keyPath = join(dir, `${name}.key`);
  const certPath = join(dir, `${name}.crt`);
  if (!existsSync(keyPath) || !existsSync(certPath)) {
    mkdirSync(dir, { recursive: true });
    const { keyPem, certPem } = generateKeyPair({ commonName: `koa-mellon demo ${name}` });
    writeFileSync(keyPath, keyPem, { mode: 0o600 });
    writeFileSync(certPath, certPem);
  }
  return { privateKey: readFileSync(keyPath, 'utf8'), publicKeys: [readFileSync(certPath, 'utf8')] };
}
