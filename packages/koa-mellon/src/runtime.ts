import {
  ConfigError,
  createMetadataSource,
  generateIdpMetadata,
  metadataLogFields,
  getEntity,
  getIdpDescriptor,
  singleEntity,
  systemClock,
  type AlgorithmPolicy,
  type Clock,
  type EntityDescriptor,
  type IdpSsoDescriptor,
  type MetadataSource,
} from '@koa-mellon/saml';
import { DefaultAdapter, createAdapterChain, createStateUserStore, parseTemplate, type AdapterChain } from './adapters/index.js';
import type { UserStore } from './adapters/types.js';
import { algorithmPolicy, effectiveSettings, loadSpKeys, relaxations, type EffectiveSettings, type SpKeys } from './settings/resolve.js';
import type { IdentityProviderSettings, Logger, MellonSettings } from './settings/types.js';
import { validateSettings } from './settings/validate.js';
import { SessionManager } from './session/sessions.js';
import { SP_TRACES_NAMESPACE, createStores, type MellonStores } from './state/stores.js';
import { DEFAULT_BODY_TIMEOUT_SECONDS, countMetadataEvent, createMemoryStore, createStderrLogger, createTraceStore, readPem, type StateStore, type TraceRedaction, type TraceStore } from '@koa-mellon/web';
import type { Context } from 'koa';
import { createAppKeysCheck } from './router/app-keys.js';

/** One configured IdP, resolved once at start-up. */
export interface ResolvedIdp {
  readonly index: number;
  readonly source: MetadataSource;
  readonly pinnedEntityId?: string | undefined;
  readonly settings: EffectiveSettings;
  readonly keys: SpKeys;
  readonly policy: AlgorithmPolicy;
  readonly chain: AdapterChain;
}

/** The IdP's current metadata: its entity and SSO role. */
export interface IdpMetadata {
  readonly entity: EntityDescriptor;
  readonly descriptor: IdpSsoDescriptor;
}

/** Everything a request handler needs, built once by `createMellon`. */
export interface Runtime {
  readonly settings: MellonSettings;
  readonly urls: { readonly base: URL; readonly login: string; readonly logout: string; readonly metadata: string; readonly entityId: string };
  readonly idps: readonly ResolvedIdp[];
  /** The global view (keys, policy) for what is not tied to one IdP, such as our metadata. */
  readonly global: { readonly settings: EffectiveSettings; readonly keys: SpKeys };
  readonly stores: MellonStores;
  /** Login and logout traces; undefined when `traces` is false. */
  readonly traces: TraceStore | undefined;
  readonly traceRedaction: TraceRedaction;
  readonly users: UserStore;
  readonly sessions: SessionManager;
  readonly logger: Logger;
  /** Refuses (CONFIG_INVALID, logged once) while the Koa app has no `app.keys`. */
  readonly requireAppKeys: (ctx: Context) => void;
  readonly clock: Clock;
  readonly maxMessageBytes: number;
  /** The deadline of a POST body (`bodyTimeout`), in milliseconds. */
  readonly bodyTimeoutMs: number;
  metadataOf(idp: ResolvedIdp): Promise<IdpMetadata>;
  close(): void;
}

/** Templates are parsed at start-up, so that a typo is a ConfigError, not a failed login. */
function checkTemplates(effective: EffectiveSettings, entry: IdentityProviderSettings, path: string): void {
  const check = (key: 'usernameTemplate' | 'attributeMapping', suffix: string, template: string) => {
    try {
      parseTemplate(template);
    } catch (err) {
      throw new ConfigError(`${Object.hasOwn(entry, key) ? `${path}.` : ''}${key}${suffix}`, 'is not a valid template', { cause: err });
    }
  };
  check('usernameTemplate', '', effective.usernameTemplate);
  for (const [field, templates] of Object.entries(effective.attributeMapping)) {
    (typeof templates === 'string' ? [templates] : templates).forEach((template, i) => check('attributeMapping', typeof templates === 'string' ? `.${field}` : `.${field}[${i}]`, template));
  }
}


/**
 * The IdP given by parts (entityId, ssoUrl, sloUrl, certificates): its descriptor is generated once here and
 * then served as inline metadata, so the rest (keys from the descriptor only, the entityID pin) is the
 * metadata code path. validateIdp made entityId and certificates present.
 */
function idpMetadataFromParts(entry: IdentityProviderSettings, path: string): string {
  const certificates = (entry.certificates ?? []).map((value, i) => readPem(value, `${path}.certificates[${i}]`));
  try {
    return generateIdpMetadata({
      entityId: entry.entityId ?? '',
      singleSignOnServiceUrl: entry.ssoUrl ?? '',
      ...(entry.sloUrl !== undefined ? { singleLogoutServiceUrl: entry.sloUrl } : {}),
      certificates,
    });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    // The generator names its own options; the user wrote ours.
    const key = err.path.startsWith('certificates') ? err.path : (PART_KEYS.get(err.path) ?? 'ssoUrl');
    throw new ConfigError(`${path}.${key}`, err.message.replace(/^[^:]*: /, ''), { cause: err });
  }
}

const PART_KEYS = new Map([
  ['entityId', 'entityId'],
  ['singleSignOnServiceUrl', 'ssoUrl'],
  ['singleLogoutServiceUrl', 'sloUrl'],
]);

export function createRuntime(input: MellonSettings): Runtime {
  const settings = validateSettings(input);
  const base = new URL(settings.baseUrl.endsWith('/') ? settings.baseUrl : `${settings.baseUrl}/`);
  const urls = {
    base,
    login: new URL('login/', base).href,
    logout: new URL('logout/', base).href,
    metadata: new URL('metadata/', base).href,
    entityId: settings.entityId ?? new URL('metadata/', base).href,
  };
  // No logger given: warnings and errors still reach stderr (pino-compatible lines), never silence.
  const logger = settings.logger ?? createStderrLogger();
  const clock = settings.clock ?? systemClock;
  // Stores made here are closed here; a store the app gave is the app's to close.
  const owned: StateStore[] = [];
  const own = (store: StateStore) => (owned.push(store), store);
  const stores = createStores(settings.store ?? own(createMemoryStore({ logger })));
  const users = settings.userStore ?? createStateUserStore((settings.store ?? own(createUserMemoryStore())).namespace('sp-users'));
  // The default memory store is shared with sessions; traces get their own bounded one so that a
  // flood of failed logins evicts old traces, never sessions.
  const traceState = settings.traces === false ? undefined : (settings.store ?? own(createMemoryStore({ maxEntries: 10_000, logger })));
  const traces = traceState && createTraceStore(traceState.namespace(SP_TRACES_NAMESPACE), { ttlMs: (settings.traceTtl ?? 7 * 24 * 3600) * 1000, clock });
  const globalSettings = effectiveSettings(settings, {});
  // Global adapter classes are instantiated once per createMellon, then shared by every IdP's chain.
  const globalAdapters = createAdapterChain(settings.adapters ?? [DefaultAdapter]).adapters;

  const idps = settings.identityProviders.map((entry, index): ResolvedIdp => {
    const path = `identityProviders[${index}]`;
    const effective = effectiveSettings(settings, entry);
    checkTemplates(effective, entry, path);
    const warnings = relaxations(effective);
    if (warnings.length > 0) logger.warn({ idp: index, relaxations: warnings }, 'koa-mellon: security relaxations in force (docs/security.md)');
    const metadata = entry.ssoUrl !== undefined ? idpMetadataFromParts(entry, path) : entry.metadata;
    const source = createMetadataSource({
      ...(metadata !== undefined ? { metadata } : {}),
      ...(entry.metadataPath !== undefined ? { metadataPath: entry.metadataPath } : {}),
      ...(entry.metadataUrl !== undefined ? { metadataUrl: entry.metadataUrl } : {}),
      ...(entry.metadataSigningCertificates ? { signingCertificates: entry.metadataSigningCertificates } : {}),
      ...(entry.entityId !== undefined ? { expectedEntityId: entry.entityId } : {}),
      metadataHttpTimeout: effective.metadataHttpTimeout,
      metadataCacheTime: effective.metadataCacheTime,
      verifySslCertificate: effective.verifySslCertificate,
      metadataUrlGuard: effective.metadataUrlGuard && { allow: effective.metadataUrlAllowList },
      ...(settings.metadataCacheDir !== undefined ? { metadataCacheDir: settings.metadataCacheDir } : {}),
      policy: algorithmPolicy(effective),
      clock,
      settingsPath: path,
      onEvent: (event) => {
        countMetadataEvent('sp', event);
        const level = event.type === 'loaded' || event.type === 'refreshed' ? 'info' : 'warn';
        logger[level]({ idp: index, ...metadataLogFields(event) }, `koa-mellon: metadata ${event.type}`);
      },
    });
    return {
      index,
      source,
      pinnedEntityId: entry.entityId,
      settings: effective,
      keys: loadSpKeys(effective, Object.hasOwn(entry, 'privateKey') || Object.hasOwn(entry, 'privateKeys') || Object.hasOwn(entry, 'publicKeys') ? `${path}.` : ''),
      policy: algorithmPolicy(effective),
      // django-mellon: an IdP's own adapters come first, then the global ones.
      chain: createAdapterChain([...(entry.adapters ?? []), ...globalAdapters]),
    };
  });

  // Over SOAP our LogoutResponse is the only proof of who answered: it must be signed.
  const unsigned = settings.soapLogout ? idps.find((idp) => !idp.keys.signingKey) : undefined;
  if (unsigned) throw new ConfigError('soapLogout', `needs a private key (privateKey) to sign SOAP LogoutResponses; identityProviders[${unsigned.index}] has none`);
  const cookie = settings.sessionCookie ?? {};
  return {
    settings,
    urls,
    idps,
    global: { settings: globalSettings, keys: loadSpKeys(globalSettings, '') },
    stores,
    traces,
    traceRedaction: settings.traceRedaction ?? 'personal',
    users,
    sessions: new SessionManager(stores.sessions, { ...cookie, secure: cookie.secure ?? base.protocol === 'https:' }, clock),
    logger,
    requireAppKeys: createAppKeysCheck(logger),
    clock,
    maxMessageBytes: settings.maxMessageBytes ?? 256 * 1024,
    bodyTimeoutMs: (settings.bodyTimeout ?? DEFAULT_BODY_TIMEOUT_SECONDS) * 1000,
    async metadataOf(idp) {
      const metadata = await idp.source.current();
      const entity = idp.pinnedEntityId !== undefined ? getEntity(metadata, idp.pinnedEntityId, { clock }) : singleEntity(metadata, { clock });
      return { entity, descriptor: getIdpDescriptor(entity) };
    },
    close() {
      for (const idp of idps) idp.source.close();
      for (const store of owned) void store.close();
    },
  };
}

/**
 * Users are data, not cache: in the default (memory) setup they get a store of their own, never
 * evicted and never expiring, kept for the life of the process (docs/state.md#users).
 */
export function createUserMemoryStore(): StateStore {
  return createMemoryStore({ maxEntries: Number.MAX_SAFE_INTEGER, sweepIntervalMs: 60 * 60 * 1000 });
}

// Which runtime a Mellon was built on, for the code of this package that serves several SPs
// (organizations reading an IdP's mdui for the chooser) without widening the public interface.
const runtimes = new WeakMap<object, Runtime>();

/** Records `rt` as the runtime of `mellon`, and returns `mellon`. */
export function withRuntime<T extends object>(rt: Runtime, mellon: T): T {
  runtimes.set(mellon, rt);
  return mellon;
}

/** The runtime `mellon` was built on (every Mellon made by createMellon has one). */
export function runtimeOf(mellon: object): Runtime | undefined {
  return runtimes.get(mellon);
}
