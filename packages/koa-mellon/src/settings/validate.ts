import { ConfigError, didYouMean } from '@koa-mellon/saml';
import { readPem, TRACE_REDACTIONS, validatePageSettings } from '@koa-mellon/web';
import { IDP_ONLY_SETTINGS, SETTINGS_SCHEMA, type SettingKind, type SettingSpec } from './schema.js';
import type { MellonSettings } from './types.js';

/**
 * Checks a settings object against the schema at start-up: unknown keys (with a "did you mean"),
 * missing required keys and wrong kinds are `ConfigError`s whose `path` names the key
 * (`identityProviders[1].metadataUrl`); every mistake is found in one pass and listed in the
 * error's `problems`. Plain JavaScript callers get the guarantees TypeScript gives at compile time.
 */
export function validateSettings(input: unknown): MellonSettings {
  const problems = new Problems();
  const settings = validateGenericSettings(input, new Set(), problems);
  const idps = settings['identityProviders'];
  if (Array.isArray(idps)) {
    if (idps.length === 0) problems.add(new ConfigError('identityProviders', 'expected at least one identity provider'));
    idps.forEach((entry, index) => problems.check(() => validateIdp(entry, `identityProviders[${index}]`)));
  }
  problems.throwAny();
  // The checks above make the object conform to MellonSettings key by key.
  return settings as unknown as MellonSettings;
}

/**
 * The top-level keys of a settings object, except `skip` (which the caller validates): the
 * organizations settings share every key but list organizations instead of identity providers.
 * With `problems`, mistakes are added there for the caller to throw; otherwise thrown here.
 */
export function validateGenericSettings(input: unknown, skip: ReadonlySet<string>, collected?: Problems): Record<string, unknown> {
  const settings = record(input, 'settings');
  const problems = collected ?? new Problems();
  for (const [key, value] of Object.entries(settings)) {
    if (skip.has(key)) continue;
    if (key === 'clock') {
      if (typeof value !== 'function') problems.add(new ConfigError(key, 'expected a function returning ms'));
      continue;
    }
    const spec = (SETTINGS_SCHEMA as Record<string, SettingSpec>)[key];
    if (!spec || !Object.hasOwn(SETTINGS_SCHEMA, key)) problems.add(new ConfigError(key, `unknown setting${didYouMean(key, TOP_LEVEL_KEYS)}`));
    else if (value !== undefined) problems.check(() => checkKind(spec.kind, value, key));
  }
  for (const [key, spec] of Object.entries(SETTINGS_SCHEMA) as [string, SettingSpec][]) {
    if (spec.required && !skip.has(key) && settings[key] === undefined) problems.add(new ConfigError(key, 'is required'));
  }
  // 0 would refuse every POST before its first byte.
  if (settings['bodyTimeout'] === 0) problems.add(new ConfigError('bodyTimeout', 'expected a positive number of seconds'));
  const redaction = settings['traceRedaction'];
  if (redaction !== undefined && !(TRACE_REDACTIONS as readonly unknown[]).includes(redaction)) problems.add(new ConfigError('traceRedaction', `expected one of ${TRACE_REDACTIONS.join(', ')}`));
  if (settings['traceTtl'] === 0) problems.add(new ConfigError('traceTtl', 'expected a positive number of seconds'));
  if (!collected) problems.throwAny();
  return settings;
}

/** One identity provider entry; keys in `callerKeys` are the caller's (an organization's slug, name...). */
export function validateIdp(input: unknown, path: string, callerKeys: ReadonlySet<string> = new Set()): void {
  const idp = record(input, path);
  const problems = new Problems();
  for (const [key, value] of Object.entries(idp)) {
    if (callerKeys.has(key)) continue;
    const own = Object.hasOwn(IDP_ONLY_SETTINGS, key) ? IDP_ONLY_SETTINGS[key as keyof typeof IDP_ONLY_SETTINGS] : undefined;
    const generic = Object.hasOwn(SETTINGS_SCHEMA, key) ? (SETTINGS_SCHEMA as Record<string, SettingSpec>)[key] : undefined;
    const kind = own?.kind ?? (generic?.perIdp ? generic.kind : undefined);
    if (!kind) problems.add(new ConfigError(`${path}.${key}`, generic ? 'cannot be set per identity provider' : `unknown setting${didYouMean(key, [...PER_IDP_KEYS, ...callerKeys])}`));
    else if (value !== undefined) problems.check(() => checkKind(kind, value, `${path}.${key}`));
  }
  const parts = ['ssoUrl', 'sloUrl', 'certificates'].filter((key) => idp[key] !== undefined);
  const sources = ['metadata', 'metadataPath', 'metadataUrl'].filter((key) => idp[key] !== undefined);
  if (parts.length > 0) problems.check(() => validateIdpParts(idp, path, sources));
  else if (sources.length !== 1) problems.add(new ConfigError(path, 'expected exactly one of metadata, metadataPath, metadataUrl (or the IdP by parts: entityId, ssoUrl, certificates)'));
  problems.throwAny();
}

/** The IdP given by parts: entityId, ssoUrl and at least one certificate, and no metadata source beside them. */
function validateIdpParts(idp: Record<string, unknown>, path: string, sources: readonly string[]): void {
  const [source] = sources;
  if (source !== undefined) throw new ConfigError(`${path}.${source}`, 'the IdP is given by parts (ssoUrl, sloUrl, certificates): no metadata source beside them');
  if (idp['metadataSigningCertificates'] !== undefined) throw new ConfigError(`${path}.metadataSigningCertificates`, 'there is no metadata to verify when the IdP is given by parts');
  if (typeof idp['entityId'] !== 'string' || idp['entityId'] === '') throw new ConfigError(`${path}.entityId`, 'is required with ssoUrl: the IdP’s entityID');
  if (idp['ssoUrl'] === undefined) throw new ConfigError(`${path}.ssoUrl`, 'is required with sloUrl or certificates: the IdP’s SingleSignOnService URL');
  const certificates = idp['certificates'];
  if (!Array.isArray(certificates) || certificates.length === 0) throw new ConfigError(`${path}.certificates`, 'is required with ssoUrl: at least one IdP signing certificate');
}

const TOP_LEVEL_KEYS = [...Object.keys(SETTINGS_SCHEMA), 'clock'];
const PER_IDP_KEYS = [...Object.keys(IDP_ONLY_SETTINGS), ...Object.entries(SETTINGS_SCHEMA as Record<string, SettingSpec>).filter(([, spec]) => spec.perIdp).map(([key]) => key)];

/** The mistakes of one validation pass: start-up names all of them at once, not one per restart. */
export class Problems {
  readonly #found: ConfigError[] = [];
  add(problem: ConfigError): void {
    this.#found.push(problem);
  }
  /** Runs `check`, keeping the ConfigErrors it throws (anything else is not a settings mistake). */
  check(check: () => void): void {
    try {
      check();
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      this.#found.push(...err.problems);
    }
  }
  throwAny(): void {
    if (this.#found.length > 0) throw ConfigError.of(this.#found);
  }
}

function record(value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ConfigError(path, 'expected an object');
  // A plain object's own enumerable keys are exactly what Object.entries reads.
  return value as Record<string, unknown>;
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every(isString);

/** Throws a ConfigError naming `path` unless `value` is of `kind`. */
export function checkKind(kind: SettingKind, value: unknown, path: string): void {
  const bad = (expected: string): never => {
    throw new ConfigError(path, `expected ${expected}`);
  };
  switch (kind) {
    case 'url': {
      if (!isString(value) || !URL.canParse(value) || !/^https?:$/.test(new URL(value).protocol)) bad('an http(s) URL');
      return;
    }
    case 'string':
      if (!isString(value)) bad('a string');
      return;
    case 'boolean':
      if (typeof value !== 'boolean') bad('a boolean');
      return;
    case 'seconds':
    case 'bytes':
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) bad(`a non-negative number of ${kind}`);
      return;
    case 'strings':
      if (!isStrings(value)) bad('an array of strings');
      return;
    case 'attributeNames':
      if (!isString(value) && !(isStrings(value) && value.length > 0)) bad('an attribute name or a non-empty array of them');
      return;
    case 'pem':
      readPem(value, path);
      return;
    case 'pems':
      if (!Array.isArray(value)) bad('an array of PEM texts or paths');
      (value as unknown[]).forEach((pem, i) => readPem(pem, `${path}[${i}]`));
      return;
    case 'privateKeys':
      if (!Array.isArray(value)) bad('an array of PEMs or [pem, password] pairs');
      (value as unknown[]).forEach((entry, i) => {
        const pem = Array.isArray(entry) && entry.length === 2 && entry.every(isString) ? entry[0] : entry;
        if (!isString(pem)) bad('an array of PEMs or [pem, password] pairs');
        readPem(pem, `${path}[${i}]`);
      });
      return;
    case 'templateRecord':
      if (!isPlainRecord(value) || !Object.values(value).every((v) => isString(v) || isStrings(v))) bad('an object of templates');
      return;
    case 'stringsRecord':
      if (!isPlainRecord(value) || !Object.values(value).every((v) => isString(v) || isStrings(v))) bad('an object of strings or string arrays');
      return;
    case 'binding':
      if (value !== 'post' && value !== 'artifact') bad('"post" or "artifact"');
      return;
    case 'bindings':
      if (!Array.isArray(value) || value.length === 0 || !value.every((v) => v === 'post' || v === 'artifact')) bad('a non-empty array of "post" / "artifact"');
      return;
    case 'lookupRules':
      if (!Array.isArray(value) || !value.every((r) => isPlainRecord(r) && isString(r['userField']) && isString(r['samlAttribute']) && (r['ignoreCase'] === undefined || typeof r['ignoreCase'] === 'boolean'))) {
        bad('an array of { userField, samlAttribute, ignoreCase? }');
      }
      return;
    case 'adapters':
      if (!Array.isArray(value) || !value.every((a) => typeof a === 'function' || (typeof a === 'object' && a !== null))) bad('an array of adapter classes or instances');
      return;
    case 'object':
      if (typeof value !== 'object' || value === null) bad('an object');
      return;
    case 'stateStore':
      // A Keyv (what koa-mellon took before the state port) has no namespace(): name the move.
      if (!isPlainRecord(value) || typeof value['namespace'] !== 'function' || typeof value['close'] !== 'function') {
        bad('a state store from createMemoryStore, createRedisStore or createPostgresStore (a Keyv is no longer accepted: docs/state.md#moving-from-keyv)');
      }
      return;
    case 'identityProviders':
      if (!Array.isArray(value)) bad('an array of identity providers');
      return;
    case 'pages':
      validatePageSettings(value, path);
      return;
  }
}

function isPlainRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

