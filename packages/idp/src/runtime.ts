import {
  createMetadataSource,
  metadataLogFields,
  failWithDetail,
  getEntity,
  getSpDescriptor,
  singleEntity,
  systemClock,
  MellonError,
  type Clock,
  type EntityDescriptor,
  type MetadataSource,
  type SpSsoDescriptor,
} from '@koa-mellon/saml';
import { loadIdpKeys, type IdpKeys } from './settings/keys.js';
import type { IdpLogger, IdpSettings, IdpUser, ServiceProviderInfo, ServiceProviderSettings } from './settings/types.js';
import { validateIdpSettings } from './settings/validate.js';
import { createIdpStores, type IdpStores } from './state/store.js';
import { IdpSessions } from './state/sessions.js';
import { DEFAULT_BODY_TIMEOUT_SECONDS, DEFAULT_TRACE_TTL_MS, TRACE_NAMESPACES, countMetadataEvent, createMemoryStore, createTraceStore, type StateStore, type TraceRedaction, type TraceStore } from '@koa-mellon/web';

/** One configured SP, resolved at start-up; its metadata is read through `source`. */
export interface ResolvedSp<U extends IdpUser = IdpUser> {
  readonly index: number;
  readonly source: MetadataSource;
  readonly pinnedEntityId?: string | undefined;
  readonly settings: ServiceProviderSettings<U>;
}

/** An SP with its current metadata. */
export interface SpMetadata<U extends IdpUser = IdpUser> {
  readonly sp: ResolvedSp<U>;
  readonly entity: EntityDescriptor;
  readonly descriptor: SpSsoDescriptor;
  readonly info: ServiceProviderInfo;
}

export interface IdpUrls {
  readonly base: URL;
  readonly entityId: string;
  readonly sso: string;
  readonly ssoInit: string;
  readonly resume: string;
  readonly consent: string;
  readonly slo: string;
  readonly metadata: string;
  readonly artifact: string;
}

/** Everything a handler needs, built once by `createIdp`. */
export interface IdpRuntime<U extends IdpUser = IdpUser> {
  readonly settings: IdpSettings<U>;
  readonly urls: IdpUrls;
  readonly keys: IdpKeys;
  readonly sps: readonly ResolvedSp<U>[];
  readonly stores: IdpStores;
  readonly sessions: IdpSessions;
  readonly logger: IdpLogger;
  readonly clock: Clock;
  readonly maxMessageBytes: number;
  /** The deadline of a POST body (`bodyTimeout`), in milliseconds. */
  readonly bodyTimeoutMs: number;
  readonly clockSkew: number;
  readonly sessionLifetime: number;
  /** Login and logout traces; undefined when `traces` is false. */
  readonly traces: TraceStore | undefined;
  readonly traceRedaction: TraceRedaction;
  metadataOf(sp: ResolvedSp<U>): Promise<SpMetadata<U>>;
  /** The configured SP whose entityID this is; ENTITY_NOT_FOUND otherwise. */
  spByEntityId(entityId: string): Promise<SpMetadata<U>>;
  close(): void;
}

const SILENT: IdpLogger = { debug() {}, info() {}, warn() {}, error() {} };

export function createIdpRuntime<U extends IdpUser>(input: IdpSettings<U>): IdpRuntime<U> {
  const settings = validateIdpSettings<U>(input);
  const base = new URL(settings.baseUrl.endsWith('/') ? settings.baseUrl : `${settings.baseUrl}/`);
  const at = (path: string) => new URL(path, base).href;
  const urls: IdpUrls = {
    base,
    entityId: settings.entityId ?? at('metadata/'),
    sso: at('sso/'),
    ssoInit: at('sso/init/'),
    resume: at('sso/resume/'),
    consent: at('sso/consent/'),
    slo: at('slo/'),
    metadata: at('metadata/'),
    artifact: at('artifact/'),
  };
  const logger = settings.logger ?? SILENT;
  const clock = settings.clock ?? systemClock;
  const keys = loadIdpKeys(settings);
  const sps = settings.serviceProviders.map((entry, index): ResolvedSp<U> => {
    const path = `serviceProviders[${index}]`;
    const source = createMetadataSource({
      ...(entry.metadata !== undefined ? { metadata: entry.metadata } : {}),
      ...(entry.metadataPath !== undefined ? { metadataPath: entry.metadataPath } : {}),
      ...(entry.metadataUrl !== undefined ? { metadataUrl: entry.metadataUrl } : {}),
      ...(entry.metadataSigningCertificates ? { signingCertificates: entry.metadataSigningCertificates } : {}),
      ...(entry.entityId !== undefined ? { expectedEntityId: entry.entityId } : {}),
      ...(entry.metadataHttpTimeout !== undefined ? { metadataHttpTimeout: entry.metadataHttpTimeout } : {}),
      ...(entry.metadataCacheTime !== undefined ? { metadataCacheTime: entry.metadataCacheTime } : {}),
      ...(entry.verifySslCertificate !== undefined ? { verifySslCertificate: entry.verifySslCertificate } : {}),
      ...(settings.metadataCacheDir !== undefined ? { metadataCacheDir: settings.metadataCacheDir } : {}),
      clock,
      settingsPath: path,
      onEvent: (event) => {
        settings.onMetadataEvent?.(event);
        countMetadataEvent('idp', event);
        const level = event.type === 'loaded' || event.type === 'refreshed' ? 'info' : 'warn';
        logger[level]({ sp: index, ...metadataLogFields(event) }, `koa-mellon idp: metadata ${event.type}`);
      },
    });
    return { index, source, pinnedEntityId: entry.entityId, settings: entry };
  });

  const metadataOf = async (sp: ResolvedSp<U>): Promise<SpMetadata<U>> => {
    const metadata = await sp.source.current();
    const entity = sp.pinnedEntityId !== undefined ? getEntity(metadata, sp.pinnedEntityId, { clock }) : singleEntity(metadata, { clock });
    const descriptor = getSpDescriptor(entity);
    return { sp, entity, descriptor, info: { index: sp.index, entityId: entity.entityId, descriptor } };
  };

  // A store made here is closed here; a store the app gave is the app's to close.
  const ownStore = settings.store === undefined ? createMemoryStore({ logger }) : undefined;
  // Traces in the default memory store get their own bounded one: a flood of refused requests
  // evicts old traces, never sessions (as the SP does).
  const ownTraceStore = settings.traces !== false && settings.store === undefined ? createMemoryStore({ maxEntries: 10_000, logger }) : undefined;
  const traceState = settings.traces === false ? undefined : (settings.store ?? ownTraceStore);
  const traceTtlMs = settings.traceTtl === undefined ? DEFAULT_TRACE_TTL_MS : settings.traceTtl * 1000;
  const traces = traceState && createTraceStore(traceState.namespace(TRACE_NAMESPACES.idp), { ttlMs: traceTtlMs, clock });
  const stores = createIdpStores(settings.store ?? (ownStore as StateStore));
  const cookie = settings.cookie ?? {};
  const sessions = new IdpSessions(
    stores.sessions,
    { name: cookie.name ?? 'idp.sid', path: base.pathname, secure: cookie.secure ?? base.protocol === 'https:', sameSite: cookie.sameSite ?? 'lax', domain: cookie.domain },
    clock,
  );
  return {
    settings,
    urls,
    keys,
    sps,
    stores,
    sessions,
    logger,
    clock,
    maxMessageBytes: settings.maxMessageBytes ?? 256 * 1024,
    bodyTimeoutMs: (settings.bodyTimeout ?? DEFAULT_BODY_TIMEOUT_SECONDS) * 1000,
    clockSkew: settings.clockSkew ?? 180,
    sessionLifetime: settings.sessionLifetime ?? 8 * 3600,
    traces,
    traceRedaction: settings.traceRedaction ?? 'personal',
    metadataOf,
    async spByEntityId(entityId) {
      // Pinned entityIDs are known without I/O; other sources are read (and one that is down does
      // not hide the others: its error is reported only when no SP matched).
      const pinned = sps.find((sp) => sp.pinnedEntityId === entityId);
      if (pinned) return metadataOf(pinned);
      let firstError: MellonError | undefined;
      // The operator's detail: the entityIDs we know, against the one received.
      const known = sps.flatMap((sp) => (sp.pinnedEntityId === undefined ? [] : [sp.pinnedEntityId]));
      for (const sp of sps) {
        if (sp.pinnedEntityId !== undefined) continue;
        try {
          const found = await metadataOf(sp);
          if (found.entity.entityId === entityId) return found;
          known.push(found.entity.entityId);
        } catch (err) {
          if (!(err instanceof MellonError)) throw err;
          firstError ??= err;
        }
      }
      if (firstError) throw firstError;
      failWithDetail('ENTITY_NOT_FOUND', 'not a configured service provider', { received: entityId, expected: `one of: ${known.join(', ')}` });
    },
    close() {
      for (const sp of sps) sp.source.close();
      if (ownStore) void ownStore.close();
      if (ownTraceStore) void ownTraceStore.close();
    },
  };
}
