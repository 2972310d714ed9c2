import type { KeyObject } from 'node:crypto';
import { ConfigError, certificateBase64, keysMatch, loadPrivateKey, loadPublicKey, MellonError, type AlgorithmPolicy } from '@koa-mellon/saml';
import { SETTINGS_SCHEMA, type SettingKey } from './schema.js';
import type { AcsBinding, GenericSettings, IdentityProviderSettings, MellonSettings } from './types.js';
import { readPem } from '@koa-mellon/web';

type GenericKey = keyof GenericSettings & SettingKey;

/** Every generic setting with its effective value for one IdP (defaults applied). */
export type EffectiveSettings = Required<Pick<GenericSettings, Exclude<GenericKey, OptionalKeys>>> & Pick<GenericSettings, OptionalKeys>;
type OptionalKeys =
  | 'privateKey'
  | 'privateKeyPassword'
  | 'nameIdPolicyFormat'
  | 'groupAttribute'
  | 'transientFederationAttribute'
  | 'errorUrl'
  | 'signatureAlgorithms'
  | 'encryptionAlgorithms'
  | 'adapters';

/** Our key material for one IdP: one signing key, every decryption key, the published certificates. */
export interface SpKeys {
  readonly signingKey?: KeyObject | undefined;
  readonly decryptionKeys: readonly KeyObject[];
  /** Base64 DER of every public certificate, for metadata (rollover publishes several). */
  readonly certificates: readonly string[];
}

const GENERIC_KEYS = (Object.keys(SETTINGS_SCHEMA) as SettingKey[]).filter((key) => SETTINGS_SCHEMA[key].perIdp) as GenericKey[];

/**
 * django-mellon's `get_setting(idp, name)`, fixed: an IdP entry wins whenever the key is present,
 * even when its value is false, 0 or empty (mellon's `idp.get(name) or global` loses those).
 */
export function effectiveSettings(settings: MellonSettings, idp: IdentityProviderSettings): EffectiveSettings {
  const out: Record<string, unknown> = {};
  for (const key of GENERIC_KEYS) {
    if (Object.hasOwn(idp, key) && idp[key] !== undefined) out[key] = idp[key];
    else if (Object.hasOwn(settings, key) && settings[key] !== undefined) out[key] = settings[key];
    else if ('default' in SETTINGS_SCHEMA[key]) out[key] = (SETTINGS_SCHEMA[key] as { default?: unknown }).default;
  }
  // Built key by key from the schema, whose defaults are typed by GenericSettings.
  return out as EffectiveSettings;
}

/** Loads and cross-checks the SP keys once at start-up; `path` prefixes ConfigError paths. */
export function loadSpKeys(effective: EffectiveSettings, path: string): SpKeys {
  const wrap = <T>(key: string, load: () => T): T => {
    try {
      return load();
    } catch (err) {
      if (err instanceof ConfigError) throw err;
      throw new ConfigError(`${path}${key}`, err instanceof MellonError ? 'cannot load the key or certificate' : String(err), { cause: err });
    }
  };
  const privateKeys: KeyObject[] = [];
  if (effective.privateKey !== undefined) {
    const pem = readPem(effective.privateKey, `${path}privateKey`);
    privateKeys.push(wrap('privateKey', () => loadPrivateKey(pem, effective.privateKeyPassword)));
  }
  effective.privateKeys.forEach((entry, i) => {
    const [pemOrPath, password] = typeof entry === 'string' ? [entry, undefined] : entry;
    const pem = readPem(pemOrPath, `${path}privateKeys[${i}]`);
    privateKeys.push(wrap(`privateKeys[${i}]`, () => loadPrivateKey(pem, password)));
  });
  const publicKeys = effective.publicKeys.map((value, i) => wrap(`publicKeys[${i}]`, () => loadPublicKey(readPem(value, `${path}publicKeys[${i}]`))));
  const signingKey = privateKeys[0];
  if (signingKey && publicKeys.length > 0 && !publicKeys.some((pub) => keysMatch(signingKey, pub.key))) {
    throw new ConfigError(`${path}${effective.privateKey !== undefined ? 'privateKey' : 'privateKeys[0]'}`, 'does not match any of publicKeys');
  }
  if (signingKey && publicKeys.length === 0) {
    throw new ConfigError(`${path}publicKeys`, 'a private key is set: publish its certificate in publicKeys');
  }
  return {
    signingKey,
    decryptionKeys: privateKeys,
    certificates: publicKeys.map((pub, i) => wrap(`publicKeys[${i}]`, () => certificateBase64(pub.certificate ?? ''))),
  };
}

export function algorithmPolicy(effective: EffectiveSettings): AlgorithmPolicy {
  return {
    allowSha1: effective.allowSha1,
    allowRsa15KeyTransport: effective.allowRsa15KeyTransport,
    ...(effective.signatureAlgorithms ? { signatureAlgorithms: effective.signatureAlgorithms } : {}),
    ...(effective.encryptionAlgorithms ? { encryptionAlgorithms: effective.encryptionAlgorithms } : {}),
  };
}

/** The relaxations in force for an IdP, to warn about once at start-up (docs/security.md). */
export function relaxations(effective: EffectiveSettings): string[] {
  const out: string[] = [];
  if (effective.allowSha1) out.push('allowSha1');
  if (effective.allowRsa15KeyTransport) out.push('allowRsa15KeyTransport');
  if (effective.allowIdpInitiated) out.push('allowIdpInitiated');
  if (!effective.verifySslCertificate) out.push('verifySslCertificate=false');
  return out;
}

export type { AcsBinding };
