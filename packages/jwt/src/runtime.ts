import { ConfigError, systemClock, type Clock } from '@koa-mellon/saml';
import { DEFAULT_TRACE_TTL_MS, TRACE_NAMESPACES, createStderrLogger, createTraceStore, type Logger, type StateNamespace, type TraceStore } from '@koa-mellon/web';
import { loadKeySet, type KeySet } from './keys/key-set.js';
import { DenyList } from './revoke/deny-list.js';
import { Families } from './revoke/families.js';
import type { JwtBridgeSettings, JwtClientSettings } from './settings.js';

/** The client id of the app's own front end (cookie mode). */
export const COOKIE_CLIENT_ID = 'cookie';

/** Everything a route or hook of the bridge needs, built once by `createJwtBridge`. */
export interface BridgeRuntime {
  readonly settings: JwtBridgeSettings;
  readonly issuer: string;
  readonly audience: string;
  readonly basePath: string;
  readonly keys: KeySet;
  readonly ns: StateNamespace;
  readonly denyList: DenyList;
  readonly families: Families;
  readonly clients: ReadonlyMap<string, JwtClientSettings>;
  readonly allowedOrigins: ReadonlySet<string>;
  readonly cookies: boolean;
  readonly accessMs: number;
  readonly skewMs: number;
  readonly logger: Logger;
  readonly clock: Clock;
  /** Login, refresh, launch and logout traces; undefined when `traces` is false. */
  readonly traces: TraceStore | undefined;
}

const seconds = (value: number | undefined, fallback: number, path: string): number => {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v <= 0) throw new ConfigError(path, 'expected a positive whole number of seconds');
  return v * 1000;
};

export async function createBridgeRuntime(settings: JwtBridgeSettings): Promise<BridgeRuntime> {
  const issuer = checkUrl(settings.issuer, 'issuer');
  if (typeof settings.audience !== 'string' || settings.audience === '') throw new ConfigError('audience', 'expected a non-empty string');
  if (typeof settings.secret !== 'string' || settings.secret.length < 32) throw new ConfigError('secret', 'expected at least 32 characters');
  const basePath = (settings.basePath ?? '/jwt').replace(/\/$/, '');
  if (!/^\/[A-Za-z0-9._~/-]*$/.test(basePath)) throw new ConfigError('basePath', 'expected an absolute path');
  const clients = new Map<string, JwtClientSettings>();
  for (const [i, client] of (settings.clients ?? []).entries()) {
    if (typeof client.clientId !== 'string' || !/^[A-Za-z0-9._-]{1,64}$/.test(client.clientId) || client.clientId === COOKIE_CLIENT_ID || clients.has(client.clientId)) {
      throw new ConfigError(`clients[${i}].clientId`, `expected a unique id of A-Z a-z 0-9 . _ - (not "${COOKIE_CLIENT_ID}")`);
    }
    client.redirectUris.forEach((uri, j) => checkUrl(uri, `clients[${i}].redirectUris[${j}]`));
    clients.set(client.clientId, client);
  }
  if (settings.idpInitiateUrl !== undefined) checkUrl(settings.idpInitiateUrl, 'idpInitiateUrl');
  const accessMs = seconds(settings.accessTokenLifetime, 300, 'accessTokenLifetime');
  const skewMs = seconds(settings.clockSkew, 30, 'clockSkew');
  const clock = settings.clock ?? systemClock;
  const logger = settings.logger ?? createStderrLogger();
  if (settings.traces !== undefined && typeof settings.traces !== 'boolean') throw new ConfigError('traces', 'expected a boolean');
  const traceTtlMs = seconds(settings.traceTtl, DEFAULT_TRACE_TTL_MS / 1000, 'traceTtl');
  const keys = await loadKeySet(settings.keys);
  const ns = settings.store.namespace(settings.namespace ?? 'jwt');
  const denyList = new DenyList(ns, clock, skewMs, logger);
  const lifetimes = { idleMs: seconds(settings.refreshIdleLifetime, 86_400, 'refreshIdleLifetime'), absoluteMs: seconds(settings.refreshAbsoluteLifetime, 43_200, 'refreshAbsoluteLifetime'), accessMs };
  return {
    settings,
    issuer,
    audience: settings.audience,
    basePath,
    keys,
    ns,
    denyList,
    families: new Families(ns, denyList, issuer, lifetimes, clock, logger),
    clients,
    allowedOrigins: new Set(settings.allowedOrigins ?? [new URL(issuer).origin]),
    cookies: settings.cookies ?? true,
    accessMs,
    skewMs,
    logger,
    clock,
    traces: settings.traces === false ? undefined : createTraceStore(settings.store.namespace(TRACE_NAMESPACES.jwt), { ttlMs: traceTtlMs, clock }),
  };
}

function checkUrl(value: string, path: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(path, 'expected an absolute URL');
  }
  // Tokens and codes only travel over TLS; plain http is for loopback development only.
  const loopback = url.hostname === 'localhost' || url.hostname === '127.0.0.1' || url.hostname === '[::1]';
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) throw new ConfigError(path, 'expected an https: URL (http: only on localhost)');
  return value;
}
