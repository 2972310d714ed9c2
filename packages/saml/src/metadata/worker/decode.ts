import { X509Certificate, type KeyObject } from 'node:crypto';
import { MellonError } from '../../errors.js';
import type { TrustedKey } from '../../keys/load.js';
import { encryptionKeysOf, signingKeysOf } from '../read-keys.js';
import type { EntityDescriptor, KeyUse, MetadataKey, ParsedMetadata, SsoDescriptor } from '../types.js';
import { LazyEntityMap } from './lazy-entities.js';
import type { WireEntity, WireKey, WireMetadata, WireRole } from './wire.js';

type LoadCert = (index: number) => TrustedKey;

/**
 * Rebuilds what the worker parsed (main-thread side) at the cost of an index of its entityIDs:
 * an entity becomes objects when it is first looked up or, in the background, a few milliseconds
 * at a time (LazyEntityMap), and a certificate a KeyObject when its key is first read, shared by
 * every key that lists it, as in a parse on this thread. Receiving a 5,000-entity aggregate thus
 * costs the event loop a millisecond, not the ~0.5 s of building every entity and loading every
 * certificate in one go.
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

function decodeEntity(wire: WireEntity, loadCert: LoadCert): EntityDescriptor {
  // The parsed JSON is ours alone: its objects become the entity's, changed in place, not copied.
  const entity = wire as unknown as Mutable<EntityDescriptor> & { validUntil?: Date | number };
  if (typeof entity.validUntil === 'number') entity.validUntil = new Date(entity.validUntil);
  if (wire.idp) decodeRole(wire.idp, loadCert);
  if (wire.sp) decodeRole(wire.sp, loadCert);
  // validUntil is a Date now, and each role has its keys (decodeRole).
  return entity as EntityDescriptor;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Gives a role its keys in place: `keys` and `encryptionKeys` built, `signingKeys` on first read. */
function decodeRole<R extends SsoDescriptor>(wire: WireRole<R>, loadCert: LoadCert): void {
  const keys = wire.keys.map((key) => new LazyMetadataKey(key, loadCert));
  let signingKeys: KeyObject[] | undefined;
  Object.defineProperties(wire, {
    keys: { value: keys, enumerable: true, writable: true, configurable: true },
    encryptionKeys: { value: encryptionKeysOf(keys), enumerable: true, writable: true, configurable: true },
    // Reading signingKeys is what loads the keys (at the first signature check of this peer).
    signingKeys: { get: () => (signingKeys ??= signingKeysOf(keys)), enumerable: true, configurable: true },
  });
}

/** A metadata key whose certificate is loaded on first read of `key` or `certificate`. */
class LazyMetadataKey implements MetadataKey {
  readonly use: KeyUse;
  readonly encryptionMethods: readonly string[];
  readonly #cert: number;
  readonly #loadCert: LoadCert;

  constructor(wire: WireKey, loadCert: LoadCert) {
    this.use = wire.use;
    this.encryptionMethods = wire.encryptionMethods;
    this.#cert = wire.cert;
    this.#loadCert = loadCert;
  }

  get key(): KeyObject {
    return this.#loadCert(this.#cert).key;
  }

  get certificate(): X509Certificate | undefined {
    return this.#loadCert(this.#cert).certificate;
  }
}
