import type { X509Certificate } from 'node:crypto';
import type { EntityDescriptor, MetadataKey, ParsedMetadata, SsoDescriptor } from '../types.js';
import type { WireEntity, WireKey, WireMetadata, WireRole } from './wire.js';

/** Entities per JSON batch: ~0.3 MB of a federation aggregate, a millisecond or two to decode. */
const BATCH_SIZE = 64;

/**
 * Turns parsed metadata into plain data for the main thread (worker side). Certificates are listed
 * once each, in order of first use; `transfer` is what postMessage may move instead of copying.
 */
export function encodeMetadata(metadata: ParsedMetadata): { metadata: WireMetadata; transfer: ArrayBuffer[] } {
  const certIndex = new Map<X509Certificate, number>();
  const chunks: Buffer[] = [];
  const ends: number[] = [];
  let total = 0;
  let certs: string[] = [];
  let entities: WireEntity[] = [];
  const flush = (): void => {
    const chunk = Buffer.from(JSON.stringify({ certs, entities }), 'utf8');
    chunks.push(chunk);
    total += chunk.length;
    ends.push(total);
    certs = [];
    entities = [];
  };
  const encodeKey = (key: MetadataKey): WireKey => {
    // Metadata keys always come from a <ds:X509Certificate> (read-keys.ts).
    const certificate = key.certificate;
    if (!certificate) throw new TypeError('metadata key without its certificate');
    let cert = certIndex.get(certificate);
    if (cert === undefined) {
      cert = certIndex.size;
      certIndex.set(certificate, cert);
      certs.push(certificate.raw.toString('base64'));
    }
    return { use: key.use, cert, encryptionMethods: key.encryptionMethods };
  };
  for (const entity of metadata.entities.values()) {
    entities.push(encodeEntity(entity, encodeKey));
    if (entities.length === BATCH_SIZE) flush();
  }
  if (entities.length > 0) flush();
  // One fresh buffer of exactly these bytes: its whole ArrayBuffer is then safe to transfer.
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  return {
    metadata: {
      ...(metadata.validUntil ? { validUntil: metadata.validUntil.getTime() } : {}),
      ...(metadata.cacheDurationMs === undefined ? {} : { cacheDurationMs: metadata.cacheDurationMs }),
      ...(metadata.name === undefined ? {} : { name: metadata.name }),
      signed: metadata.signed,
      skipped: metadata.skipped,
      batches: bytes,
      ends,
    },
    transfer: [bytes.buffer],
  };
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
