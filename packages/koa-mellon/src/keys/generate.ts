import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createSelfSignedCertificate } from './self-signed-certificate.js';

export type KeyType = 'rsa-2048' | 'rsa-3072' | 'ec-p256';

const KEY_TYPES: Readonly<Record<KeyType, () => { privateKey: KeyObject; publicKey: KeyObject }>> = {
  'rsa-2048': () => generateKeyPairSync('rsa', { modulusLength: 2048 }),
  'rsa-3072': () => generateKeyPairSync('rsa', { modulusLength: 3072 }),
  'ec-p256': () => generateKeyPairSync('ec', { namedCurve: 'P-256' }),
};

export const KEY_TYPE_NAMES = Object.keys(KEY_TYPES) as KeyType[];

const DAY_MS = 86_400_000;

/**
 * A private key (PKCS#8 PEM) and a self-signed certificate for it, for `privateKey` and
 * `publicKeys` (what `npx koa-mellon keygen` writes).
 *
 * @example
 * const { keyPem, certPem } = generateKeyPair({ commonName: 'app.example.com' });
 */
export function generateKeyPair(options: { type?: KeyType; commonName?: string; days?: number } = {}): { keyPem: string; certPem: string } {
  const { privateKey, publicKey } = KEY_TYPES[options.type ?? 'rsa-2048']();
  const notBefore = new Date(Math.floor(Date.now() / 1000) * 1000);
  const certPem = createSelfSignedCertificate(privateKey, publicKey, {
    commonName: options.commonName ?? 'koa-mellon',
    notBefore,
    notAfter: new Date(notBefore.getTime() + (options.days ?? 3650) * DAY_MS),
  });
  return { keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), certPem };
}
