import { X509Certificate, type KeyObject } from 'node:crypto';
import { MellonError } from '../../errors.js';
import type { TrustedKey } from '../../keys/load.js';
import { encryptionKeysOf, signingKeysOf } from '../read-keys.js';
import type { EntityDescriptor, MetadataKey, ParsedMetadata, SsoDescriptor } from '../types.js';
import { LazyEntityMap } from './lazy-entities.js';
import type { WireEntity, WireKey, WireMetadata, WireRole } from './wire.js';

type LoadCert = (index: number) => TrustedKey;

/**
 * Rebuilds what the worker parsed (main-thread side) at the cost of an index of its entityIDs:
 * an entity becomes objects when it is first looked up, and a certificate a KeyObject when its key
 * is first read, shared by every key that lists it as in a parse on this thread. A refresh of a
 * 5,000-entity aggregate thus costs the event loop a millisecond, not the ~0.5 s (and the garbage
 * collection) of building every entity and loading every certificate at once.
 */
export function decodeMetadata(wire: WireMetadata): ParsedMetadata {
  const loaded: Array<TrustedKey | undefined> = [];
  const loadCert: LoadCert = (index) => {
    let trusted = loaded[index];
    if (!trusted) {
      trusted = loadCertificate(slice(wire.certs, wire.certEnds, index));
      loaded[index] = trusted;
    }
    return trusted;
  };
  const decoder = new TextDecoder();
  const readEntity = (index: number): EntityDescriptor => {
    // Our own worker wrote this JSON from a WireEntity (encode.ts).
    const entity = JSON.parse(decoder.decode(slice(wire.entities, wire.entityEnds, index))) as WireEntity;
    return decodeEntity(entity, loadCert);
  };
  return {
    entities: new LazyEntityMap(wire.ids, readEntity),
    ...(wire.validUntil === undefined ? {} : { validUntil: new Date(wire.validUntil) }),
    ...(wire.cacheDurationMs === undefined ? {} : { cacheDurationMs: wire.cacheDurationMs }),
    ...(wire.name === undefined ? {} : { name: wire.name }),
    signed: wire.signed,
    skipped: wire.skipped,
  };
}

function slice(bytes: Uint8Array, ends: Uint32Array, index: number): Uint8Array {
  return bytes.subarray(index === 0 ? 0 : (ends[index - 1] ?? 0), ends[index] ?? 0);
}

/** As `loadPublicKey` loads a `<ds:X509Certificate>`, from the DER the worker already loaded once. */
function loadCertificate(der: Uint8Array): TrustedKey {
  try {
    const certificate = new X509Certificate(der);
    return { key: certificate.publicKey, certificate };
  } catch (err) {
    throw new MellonError('KEY_INVALID', 'cannot load public key or certificate', { cause: err });
  }
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
