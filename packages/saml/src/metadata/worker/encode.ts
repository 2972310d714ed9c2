import type { X509Certificate } from 'node:crypto';
import type { EntityDescriptor, MetadataKey, ParsedMetadata, SsoDescriptor } from '../types.js';
import type { WireEntity, WireKey, WireMetadata, WireRole } from './wire.js';

/**
 * Turns parsed metadata into plain data for the main thread (worker side): each entity as JSON,
 * each certificate once, in order of first use. `transfer` lists the buffers postMessage moves
 * instead of copying.
 */
export function encodeMetadata(metadata: ParsedMetadata): { metadata: WireMetadata; transfer: ArrayBuffer[] } {
  const certIndex = new Map<X509Certificate, number>();
  const certs = new Packer();
  const encodeKey = (key: MetadataKey): WireKey => {
    // Metadata keys always come from a <ds:X509Certificate> (read-keys.ts).
    const certificate = key.certificate;
    if (!certificate) throw new TypeError('metadata key without its certificate');
    let cert = certIndex.get(certificate);
    if (cert === undefined) {
      cert = certIndex.size;
      certIndex.set(certificate, cert);
      certs.add(certificate.raw);
    }
    return { use: key.use, cert, encryptionMethods: key.encryptionMethods };
  };
  const entities = new Packer();
  const ids: string[] = [];
  for (const entity of metadata.entities.values()) {
    ids.push(entity.entityId);
    entities.add(Buffer.from(JSON.stringify(encodeEntity(entity, encodeKey)), 'utf8'));
  }
  const [entityBytes, entityEnds] = entities.pack();
  const [certBytes, certEnds] = certs.pack();
  return {
    metadata: {
      ...(metadata.validUntil ? { validUntil: metadata.validUntil.getTime() } : {}),
      ...(metadata.cacheDurationMs === undefined ? {} : { cacheDurationMs: metadata.cacheDurationMs }),
      ...(metadata.name === undefined ? {} : { name: metadata.name }),
      signed: metadata.signed,
      skipped: metadata.skipped,
      ids,
      entities: entityBytes,
      entityEnds,
      certs: certBytes,
      certEnds,
    },
    transfer: [entityBytes.buffer, entityEnds.buffer, certBytes.buffer, certEnds.buffer],
  };
}

/** Byte strings packed into one buffer, with the offset where each ends. */
class Packer {
  readonly #parts: Uint8Array[] = [];
  #total = 0;

  add(part: Uint8Array): void {
    this.#parts.push(part);
    this.#total += part.length;
  }

  /** Fresh buffers of exactly these bytes: each whole ArrayBuffer is then safe to transfer. */
  pack(): [Uint8Array<ArrayBuffer>, Uint32Array<ArrayBuffer>] {
    const bytes = new Uint8Array(this.#total);
    const ends = new Uint32Array(this.#parts.length);
    let at = 0;
    this.#parts.forEach((part, i) => {
      bytes.set(part, at);
      at += part.length;
      ends[i] = at;
    });
    return [bytes, ends];
  }
}

function encodeEntity(entity: EntityDescriptor, encodeKey: (key: MetadataKey) => WireKey): WireEntity {
  const { validUntil, idp, sp, ...rest } = entity;
  return {
    ...rest,
    ...(validUntil ? { validUntil: validUntil.getTime() } : {}),
    ...(idp ? { idp: encodeRole(idp, encodeKey) } : {}),
    ...(sp ? { sp: encodeRole(sp, encodeKey) } : {}),
  };
}

function encodeRole<R extends SsoDescriptor>(role: R, encodeKey: (key: MetadataKey) => WireKey): WireRole<R> {
  // signingKeys and encryptionKeys are views of `keys`: the main thread derives them again.
  const { keys, signingKeys: _signing, encryptionKeys: _encryption, ...rest } = role;
  return { ...rest, keys: keys.map(encodeKey) };
}
