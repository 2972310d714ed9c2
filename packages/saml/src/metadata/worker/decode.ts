import type { KeyObject } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { loadPublicKey, type TrustedKey } from '../../keys/load.js';
import { encryptionKeysOf, signingKeysOf } from '../read-keys.js';
import type { EntityDescriptor, MetadataKey, ParsedMetadata, SsoDescriptor } from '../types.js';
import type { WireBatch, WireEntity, WireKey, WireMetadata, WireRole } from './wire.js';

/** Longest run of decoding before the event loop gets a turn. */
const SLICE_MS = 5;

type LoadCert = (index: number) => TrustedKey;

/**
 * Rebuilds what the worker parsed (main-thread side), a few batches per turn of the event loop.
 * Each certificate becomes a KeyObject on first use and is shared by every key that lists it, as
 * in a parse on this thread; a document's keys are thus loaded once, and only those used.
 */
export async function decodeMetadata(wire: WireMetadata): Promise<ParsedMetadata> {
  const certs: string[] = [];
  const loaded: Array<TrustedKey | undefined> = [];
  const loadCert: LoadCert = (index) => {
    let trusted = loaded[index];
    if (!trusted) {
      // The worker loaded this very certificate before it sent it: it loads here too.
      trusted = loadPublicKey(certs[index] ?? '');
      loaded[index] = trusted;
    }
    return trusted;
  };
  const entities = new Map<string, EntityDescriptor>();
  const decoder = new TextDecoder();
  let start = 0;
  let sliceStart = performance.now();
  for (const end of wire.ends) {
    // Our own worker wrote this JSON from a WireBatch (encode.ts).
    const batch = JSON.parse(decoder.decode(wire.batches.subarray(start, end))) as WireBatch;
    start = end;
    certs.push(...batch.certs);
    for (const entity of batch.entities) entities.set(entity.entityId, decodeEntity(entity, loadCert));
    if (performance.now() - sliceStart >= SLICE_MS) {
      await new Promise((resolve) => setImmediate(resolve));
      sliceStart = performance.now();
    }
  }
  return {
    entities,
    ...(wire.validUntil === undefined ? {} : { validUntil: new Date(wire.validUntil) }),
    ...(wire.cacheDurationMs === undefined ? {} : { cacheDurationMs: wire.cacheDurationMs }),
    ...(wire.name === undefined ? {} : { name: wire.name }),
    signed: wire.signed,
    skipped: wire.skipped,
  };
}

function decodeEntity(entity: WireEntity, loadCert: LoadCert): EntityDescriptor {
  const { validUntil, idp, sp, ...rest } = entity;
  return {
    ...rest,
    ...(validUntil === undefined ? {} : { validUntil: new Date(validUntil) }),
    ...(idp ? { idp: decodeRole(idp, loadCert) } : {}),
    ...(sp ? { sp: decodeRole(sp, loadCert) } : {}),
  };
}

function decodeRole<R extends SsoDescriptor>(wire: WireRole<R>, loadCert: LoadCert): R {
  const keys = wire.keys.map((key) => lazyKey(key, loadCert));
  let signingKeys: KeyObject[] | undefined;
  const role = { ...wire, keys, encryptionKeys: encryptionKeysOf(keys) };
  // Reading signingKeys is what loads the keys (at the first signature check of this peer).
  Object.defineProperty(role, 'signingKeys', { enumerable: true, get: () => (signingKeys ??= signingKeysOf(keys)) });
  // WireRole<R> is R without its three key fields; all three are set just above.
  return role as unknown as R;
}

function lazyKey(wire: WireKey, loadCert: LoadCert): MetadataKey {
  const key = { use: wire.use, encryptionMethods: wire.encryptionMethods };
  Object.defineProperties(key, {
    key: { enumerable: true, get: () => loadCert(wire.cert).key },
    certificate: { enumerable: true, get: () => loadCert(wire.cert).certificate },
  });
  // `key` and `certificate` are defined just above, as getters.
  return key as MetadataKey;
}
