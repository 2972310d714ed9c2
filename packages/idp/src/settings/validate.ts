import { ConfigError, didYouMean } from '@koa-mellon/saml';
import type { IdpSettings, IdpUser, ServiceProviderSettings } from './types.js';
import { readPem, TRACE_REDACTIONS, validatePageSettings } from '@koa-mellon/web';

/**
 * The kinds a setting may have. Each key of the IdP and of a service provider entry is listed
 * once below; `validateIdpSettings` refuses unknown keys and wrong kinds at start-up with a
 * ConfigError naming the key path (`serviceProviders[1].nameIdFormat`).
 */
type Kind = 'url' | 'string' | 'boolean' | 'positive' | 'pems' | 'pem' | 'privateKeys' | 'function' | 'object' | 'stateStore' | 'array' | 'nameIdFormat' | 'attributes' | 'pages' | 'traceRedaction';

const IDP_KEYS = {
  baseUrl: 'url',
  entityId: 'string',
  privateKey: 'pem',
  privateKeyPassword: 'string',
  privateKeys: 'privateKeys',
  publicKeys: 'pems',
  secret: 'string',
  serviceProviders: 'array',
  authenticate: 'function',
  loginUrl: 'string',
  logout: 'function',
  soapLogout: 'boolean',
  backChannelLogout: 'function',
  consent: 'function',
  askConsent: 'boolean',
  consentLifetime: 'positive',
  pages: 'pages',
  store: 'stateStore',
  traces: 'boolean',
  traceTtl: 'positive',
  traceRedaction: 'traceRedaction',
  sessionLifetime: 'positive',
  responseLifetime: 'positive',
  clockSkew: 'positive',
  wantAuthnRequestsSigned: 'boolean',
  signMetadata: 'boolean',
  artifactResolution: 'boolean',
  authnContextClassRef: 'string',
  signatureAlgorithm: 'string',
  maxMessageBytes: 'positive',
  bodyTimeout: 'positive',
  metadataCacheDir: 'string',
  cookie: 'object',
  errorUrl: 'string',
  organization: 'object',
  contactPersons: 'array',
  logger: 'object',
  onMetadataEvent: 'function',
  clock: 'function',
} as const satisfies Readonly<Record<string, Kind>>;

const SP_KEYS = {
  metadata: 'string',
  metadataPath: 'string',
  metadataUrl: 'url',
  entityId: 'string',
  metadataSigningCertificates: 'pems',
  metadataHttpTimeout: 'positive',
  metadataCacheTime: 'positive',
  verifySslCertificate: 'boolean',
  attributes: 'attributes',
  nameIdFormat: 'nameIdFormat',
  nameIdField: 'string',
  encryptAssertions: 'boolean',
  signAssertion: 'boolean',
  signResponse: 'boolean',
  sessionLifetime: 'positive',
  wantAuthnRequestsSigned: 'boolean',
  allowIdpInitiated: 'boolean',
  authnContextClassRef: 'string',
  encryptionAlgorithm: 'string',
  askConsent: 'boolean',
} as const satisfies Readonly<Record<string, Kind>>;

// Compile-time guard: the tables above list exactly the keys of the settings types (whose doc
// comments docs/idp-settings.md is generated from).
type Mismatch<T, Table> = [Exclude<keyof T, keyof Table>, Exclude<keyof Table, keyof T>];
type InSync = [Mismatch<IdpSettings, typeof IDP_KEYS>, Mismatch<ServiceProviderSettings, typeof SP_KEYS>] extends [[never, never], [never, never]] ? true : never;
export const IDP_SETTINGS_IN_SYNC: InSync = true;

const REQUIRED = ['baseUrl', 'publicKeys', 'secret', 'serviceProviders', 'authenticate', 'loginUrl'] as const;
const NAME_ID_FORMATS: ReadonlySet<unknown> = new Set(['persistent', 'transient', 'emailAddress', 'unspecified']);

/** Checks `input` key by key; returns it typed. Plain JavaScript callers get the same guarantees. */
export function validateIdpSettings<U extends IdpUser>(input: unknown): IdpSettings<U> {
  const settings = record(input, 'settings');
  checkKeys(settings, IDP_KEYS, '');
  for (const key of REQUIRED) if (settings[key] === undefined) throw new ConfigError(key, 'is required');
  // The casts below read keys whose kind checkKeys has just checked.
  if ((settings['secret'] as string).length < 32) throw new ConfigError('secret', 'expected at least 32 characters (it keys the pairwise NameIDs)');
  if (settings['privateKey'] === undefined && ((settings['privateKeys'] as unknown[] | undefined) ?? []).length === 0) {
    throw new ConfigError('privateKey', 'is required (or privateKeys): the IdP signs every assertion');
  }
  if (settings['soapLogout'] === true && settings['backChannelLogout'] === undefined) {
    throw new ConfigError('backChannelLogout', 'is required with soapLogout: a logout over SOAP has no browser, so your own session must be ended by user id');
  }
  const sps = settings['serviceProviders'] as unknown[];
  sps.forEach((entry, index) => {
    const path = `serviceProviders[${index}]`;
    const sp = record(entry, path);
    checkKeys(sp, SP_KEYS, `${path}.`);
    const sources = ['metadata', 'metadataPath', 'metadataUrl'].filter((key) => sp[key] !== undefined);
    if (sources.length !== 1) throw new ConfigError(path, 'expected exactly one of metadata, metadataPath, metadataUrl');
    if (sp['nameIdFormat'] === 'unspecified' && sp['nameIdField'] === undefined) {
      throw new ConfigError(`${path}.nameIdField`, 'is required with nameIdFormat "unspecified" (which user field is the NameID?)');
    }
  });
  // Every key was checked against its kind above.
  return settings as unknown as IdpSettings<U>;
}

function checkKeys(object: Record<string, unknown>, keys: Readonly<Record<string, Kind>>, prefix: string): void {
  for (const [key, value] of Object.entries(object)) {
    const kind = Object.hasOwn(keys, key) ? keys[key] : undefined;
    if (!kind) throw new ConfigError(`${prefix}${key}`, `unknown setting${didYouMean(key, Object.keys(keys))}`);
    if (value !== undefined) checkKind(kind, value, `${prefix}${key}`);
  }
}

function record(value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ConfigError(path, 'expected an object');
  // A non-array object: its own enumerable keys are what Object.entries reads.
  return value as Record<string, unknown>;
}

function checkKind(kind: Kind, value: unknown, path: string): void {
  const bad = (expected: string): never => {
    throw new ConfigError(path, `expected ${expected}`);
  };
  // In each case, a cast follows the check that makes it true (`bad` never returns).
  switch (kind) {
    case 'url':
      if (typeof value !== 'string' || !URL.canParse(value) || !/^https?:$/.test(new URL(value).protocol)) bad('an http(s) URL');
      return;
    case 'string':
      if (typeof value !== 'string' || value === '') bad('a non-empty string');
      return;
    case 'boolean':
      if (typeof value !== 'boolean') bad('a boolean');
      return;
    case 'positive':
      if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) bad('a positive number');
      return;
    case 'pem':
      readPem(value, path);
      return;
    case 'pems':
      // readPem refuses, naming the element, what is not PEM text or a path (a loaded key object, e.g.).
      if (!Array.isArray(value) || value.length === 0) bad('a non-empty array of PEM texts or paths');
      (value as unknown[]).forEach((pem, i) => readPem(pem, `${path}[${i}]`));
      return;
    case 'privateKeys':
      if (!Array.isArray(value)) bad('an array of PEMs or [pem, password] pairs');
      (value as unknown[]).forEach((entry, i) => {
        const pem = Array.isArray(entry) && entry.length === 2 && entry.every((v) => typeof v === 'string') ? entry[0] : entry;
        if (typeof pem !== 'string') bad('an array of PEMs or [pem, password] pairs');
        readPem(pem, `${path}[${i}]`);
      });
      return;
    case 'function':
      if (typeof value !== 'function') bad('a function');
      return;
    case 'stateStore':
      // A Keyv (what the IdP took before the state port) has no namespace(): name the move. The cast
      // only reads a property of a non-null object, checked before use.
      if (typeof value !== 'object' || value === null || typeof (value as { namespace?: unknown }).namespace !== 'function') {
        bad('a state store from createMemoryStore, createRedisStore or createPostgresStore of @koa-mellon/web (a Keyv is no longer accepted: docs/state.md#moving-from-keyv)');
      }
      return;
    case 'object':
      if (typeof value !== 'object' || value === null) bad('an object');
      return;
    case 'pages':
      validatePageSettings(value, path);
      return;
    case 'array':
      if (!Array.isArray(value)) bad('an array');
      return;
    case 'nameIdFormat':
      if (!NAME_ID_FORMATS.has(value)) bad('"persistent", "transient", "emailAddress" or "unspecified"');
      return;
    case 'attributes':
      checkAttributes(record(value, path), path);
      return;
    case 'traceRedaction':
      if (!(TRACE_REDACTIONS as readonly unknown[]).includes(value)) bad(`one of ${TRACE_REDACTIONS.map((r) => `"${r}"`).join(', ')}`);
      return;
  }
}

/** `{ samlName: 'field' | { field?, value?, nameFormat?, friendlyName? } }`, one source each. */
function checkAttributes(attributes: Record<string, unknown>, path: string): void {
  for (const [name, source] of Object.entries(attributes)) {
    const at = `${path}.${name}`;
    if (name === '') throw new ConfigError(path, 'an attribute needs a non-empty SAML name');
    if (typeof source === 'string') {
      if (source === '') throw new ConfigError(at, 'expected a user field name');
      continue;
    }
    const spec = record(source, at);
    for (const key of Object.keys(spec)) {
      if (!['field', 'value', 'nameFormat', 'friendlyName'].includes(key)) throw new ConfigError(`${at}.${key}`, 'unknown setting');
    }
    if (spec['value'] !== undefined && typeof spec['value'] !== 'function') throw new ConfigError(`${at}.value`, 'expected a function');
    if (spec['field'] !== undefined && (typeof spec['field'] !== 'string' || spec['field'] === '')) throw new ConfigError(`${at}.field`, 'expected a user field name');
    if (spec['field'] === undefined && spec['value'] === undefined) throw new ConfigError(at, 'expected field or value');
    for (const key of ['nameFormat', 'friendlyName']) {
      if (spec[key] !== undefined && typeof spec[key] !== 'string') throw new ConfigError(`${at}.${key}`, 'expected a string');
    }
  }
}
