import type { AlgorithmPolicy } from '../../constants/algorithms.js';
import type { EntityDescriptor, IdpSsoDescriptor, KeyUse, SkippedEntity, SpSsoDescriptor, SsoDescriptor } from '../types.js';

/**
 * What crosses between the main thread and the metadata worker. Everything is plain data, and the
 * bulk of it travels in transferred buffers, which cost the main thread nothing to receive: each
 * entity as UTF-8 JSON, each certificate once, as its DER. The main thread turns an entity into
 * objects when it is first looked up, and a certificate into a KeyObject when its key is first
 * read (a 5,000-entity aggregate holds ~6,000 certificates at ~0.1 ms each).
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

/** A parsed document. */
export interface WireMetadata {
  readonly validUntil?: number;
  readonly cacheDurationMs?: number;
  readonly name?: string;
  readonly signed: boolean;
  readonly skipped: readonly SkippedEntity[];
  /** The entityIDs, in document order. */
  readonly ids: readonly string[];
  /** The entities' JSON (WireEntity), one after the other, in the order of `ids`. */
  readonly entities: Uint8Array;
  /** Byte offset where each entity's JSON ends. */
  readonly entityEnds: Uint32Array;
  /** The certificates' DER, one after the other; a WireKey's `cert` is an index into them. */
  readonly certs: Uint8Array;
  /** Byte offset where each certificate ends. */
  readonly certEnds: Uint32Array;
}

export type WireResponse =
  | { readonly ok: true; readonly metadata: WireMetadata }
  | { readonly ok: false; readonly code: string; readonly message: string };
