import { loadPublicKey } from '../keys/load.js';
import { systemClock } from '../time.js';
import { parseMetadata, type ParseMetadataOptions } from './parse.js';
import type { ParsedMetadata } from './types.js';
import { decodeUtf8 } from './worker/bytes.js';
import { decodeMetadata } from './worker/decode.js';
import { runParseWorker } from './worker/run-worker.js';

/**
 * Documents of at least this many bytes are parsed in a worker thread. Below it, a parse on the
 * main thread is cheaper than starting a worker, and short (docs/performance.md, "Metadata
 * refresh"): one IdP's own metadata is a few KB.
 */
export const DEFAULT_METADATA_WORKER_THRESHOLD = 64 * 1024;

export interface ParseMetadataAsyncOptions extends ParseMetadataOptions {
  /** Size in bytes from which the parse runs in a worker thread. `0`: always; `Infinity`: never. */
  readonly workerThreshold?: number | undefined;
  /** Abandons a parse in progress (the worker is stopped; rejects with METADATA_UNAVAILABLE). */
  readonly signal?: AbortSignal | undefined;
}

/**
 * `parseMetadata` that does not hold the event loop: a large document (a federation aggregate) is
 * parsed, verified and indexed in a node:worker_threads worker. Here its entityIDs are indexed at
 * once; each entity is built on first lookup (the rest in the background), each key loaded on
 * first use. The result and the refusals (same codes) are those of `parseMetadata`; a worker that
 * fails to run rejects with METADATA_UNAVAILABLE.
 *
 * @example
 * const metadata = await parseMetadataAsync(await readFile('federation.xml'), { signingCertificates: [federationCertPem] });
 */
export async function parseMetadataAsync(input: string | Uint8Array, options: ParseMetadataAsyncOptions = {}): Promise<ParsedMetadata> {
  const size = typeof input === 'string' ? input.length : input.byteLength;
  if (size < (options.workerThreshold ?? DEFAULT_METADATA_WORKER_THRESHOLD)) {
    return parseMetadata(typeof input === 'string' ? input : decodeUtf8(input), options);
  }
  const signingKeysPem = options.signingCertificates?.map((key) => loadPublicKey(key).key.export({ type: 'spki', format: 'pem' }).toString());
  const wire = await runParseWorker(
    {
      input,
      options: {
        signingKeysPem,
        policy: options.policy,
        expectedEntityId: options.expectedEntityId,
        now: (options.clock ?? systemClock)(),
        maxBytes: options.maxBytes,
        maxDepth: options.maxDepth,
      },
    },
    options.signal,
  );
  return decodeMetadata(wire);
}
