import type { AlgorithmPolicy } from '../../constants/algorithms.js';
import type { EntityDescriptor, IdpSsoDescriptor, KeyUse, SkippedEntity, SpSsoDescriptor, SsoDescriptor } from '../types.js';

/**
 * What crosses between the main thread and the metadata worker. Everything is plain data:
 * KeyObjects and X509Certificates are sent as the base64 DER of their certificate and rebuilt on
 * the main thread, each on first use (a 5,000-entity aggregate holds ~6,000 certificates at
 * ~0.1 ms each: loading them all at once would hold the event loop for most of a second).
 */

/** The parse options, as data (keys as PEM, the clock read once by the caller). */
export interface WireOptions {
  readonly signingKeysPem?: readonly string[] | undefined;
  readonly policy?: AlgorithmPolicy | undefined;
  readonly expectedEntityId?: string | undefined;
  /** ms since the epoch: what the caller's clock said when it asked. */
  readonly now: number;
  readonly maxBytes?: number | undefined;
  readonly maxDepth?: number | undefined;
}

export interface WireRequest {
  /** The document: its UTF-8 bytes, or the text itself. */
  readonly input: Uint8Array | string;
  readonly options: WireOptions;
}

/** A metadata key by the index of its certificate in the document's certificate table. */
export interface WireKey {
  readonly use: KeyUse;
  readonly cert: number;
  readonly encryptionMethods: readonly string[];
}

export type WireRole<R extends SsoDescriptor> = Omit<R, 'keys' | 'signingKeys' | 'encryptionKeys'> & { readonly keys: readonly WireKey[] };

export interface WireEntity extends Omit<EntityDescriptor, 'validUntil' | 'idp' | 'sp'> {
  readonly validUntil?: number;
  readonly idp?: WireRole<IdpSsoDescriptor>;
  readonly sp?: WireRole<SpSsoDescriptor>;
}

/**
 * One slice of the entities, as JSON: the certificates it is the first to use (appended to the
 * table, in order), then its entities.
 */
export interface WireBatch {
  readonly certs: readonly string[];
  readonly entities: readonly WireEntity[];
}

/**
 * A parsed document. The entities travel as UTF-8 JSON batches in one transferred buffer: the
 * message itself costs the main thread nothing to receive, and the batches are decoded a few at a
 * time between other work.
 */
export interface WireMetadata {
  readonly validUntil?: number;
  readonly cacheDurationMs?: number;
  readonly name?: string;
  readonly signed: boolean;
  readonly skipped: readonly SkippedEntity[];
  readonly batches: Uint8Array;
  /** Byte offset where each batch ends. */
  readonly ends: readonly number[];
}

export type WireResponse =
  | { readonly ok: true; readonly metadata: WireMetadata }
  | { readonly ok: false; readonly code: string; readonly message: string };
