import type { KeyObject } from 'node:crypto';
import { ConfigError, certificateBase64, keysMatch, loadPrivateKey, loadPublicKey, MellonError } from '@koa-mellon/saml';
import type { IdpSettings, IdpUser } from './types.js';
import { readPem } from '@koa-mellon/web';

/** The IdP's key material, loaded and cross-checked once at start-up. */
export interface IdpKeys {
  /** Signs every assertion, response and logout message: `privateKey`, else `privateKeys[0]`. */
  readonly signingKey: KeyObject;
  /** Base64 DER of the signing key's certificate, for KeyInfo. */
  readonly signingCertificate: string;
  /** Base64 DER of every published certificate (several during rollover). */
  readonly certificates: readonly string[];
  /** Every private key: an SP may encrypt a NameID to any certificate we publish. */
  readonly decryptionKeys: readonly KeyObject[];
}

export function loadIdpKeys<U extends IdpUser>(settings: IdpSettings<U>): IdpKeys {
  const wrap = <T>(path: string, load: () => T): T => {
    try {
      return load();
    } catch (err) {
      if (err instanceof ConfigError) throw err;
      throw new ConfigError(path, err instanceof MellonError ? 'cannot load the key or certificate' : String(err), { cause: err });
    }
  };
  const privateKeys: { key: KeyObject; path: string }[] = [];
  if (settings.privateKey !== undefined) {
    const pem = readPem(settings.privateKey, 'privateKey');
    privateKeys.push({ key: wrap('privateKey', () => loadPrivateKey(pem, settings.privateKeyPassword)), path: 'privateKey' });
  }
  (settings.privateKeys ?? []).forEach((entry, i) => {
    const [pemOrPath, password] = typeof entry === 'string' ? [entry, undefined] : entry;
    const path = `privateKeys[${i}]`;
    const pem = readPem(pemOrPath, path);
    privateKeys.push({ key: wrap(path, () => loadPrivateKey(pem, password)), path });
  });
  const publicKeys = settings.publicKeys.map((value, i) => {
    const path = `publicKeys[${i}]`;
    const loaded = wrap(path, () => loadPublicKey(readPem(value, path)));
    if (!loaded.certificate) throw new ConfigError(path, 'expected an X.509 certificate (metadata publishes certificates)');
    return { key: loaded.key, der: certificateBase64(loaded.certificate) };
  });
  const signing = privateKeys[0];
  if (!signing) throw new ConfigError('privateKey', 'is required (or privateKeys)');
  const match = publicKeys.find((pub) => keysMatch(signing.key, pub.key));
  if (!match) throw new ConfigError(signing.path, 'does not match any of publicKeys');
  return { signingKey: signing.key, signingCertificate: match.der, certificates: publicKeys.map((pub) => pub.der), decryptionKeys: privateKeys.map((entry) => entry.key) };
}
