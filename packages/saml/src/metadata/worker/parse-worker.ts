/**
 * The metadata worker's entry (node:worker_threads): one request, one answer, then it ends. It
 * parses, verifies and indexes exactly as `parseMetadata` does on the main thread, and sends back
 * plain data (wire.ts), or the refusal's code and message.
 */
import { constants, setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import { MellonError } from '../../errors.js';
import { parseMetadata } from '../parse.js';
import { decodeUtf8 } from './bytes.js';
import { encodeMetadata } from './encode.js';
import type { WireRequest, WireResponse } from './wire.js';

const port = parentPort;
if (!port) throw new Error('parse-worker.ts runs only as a worker thread');

// A background refresh yields the CPU to the threads serving requests. On Linux a nice value is
// per thread, and pid 0 names the calling thread: this lowers this worker only. (Elsewhere pid 0
// would be the whole process, so it is left alone.)
if (process.platform === 'linux') {
  try {
    setPriority(0, constants.priority.PRIORITY_BELOW_NORMAL);
  } catch {
    // Not allowed in this container: the parse simply runs at normal priority.
  }
}

port.once('message', (request: WireRequest) => {
  const { input, options } = request;
  let answer: WireResponse;
  let transfer: ArrayBuffer[] = [];
  try {
    const metadata = parseMetadata(typeof input === 'string' ? input : decodeUtf8(input), {
      ...(options.signingKeysPem ? { signingCertificates: options.signingKeysPem } : {}),
      policy: options.policy,
      expectedEntityId: options.expectedEntityId,
      clock: () => options.now,
      maxBytes: options.maxBytes,
      maxDepth: options.maxDepth,
    });
    const encoded = encodeMetadata(metadata);
    answer = { ok: true, metadata: encoded.metadata };
    transfer = encoded.transfer;
  } catch (err) {
    // parseMetadata refuses only with MellonErrors; anything else is reported as unreadable.
    answer = err instanceof MellonError ? { ok: false, code: err.code, message: err.message } : { ok: false, code: 'METADATA_INVALID', message: 'metadata could not be read' };
  }
  port.postMessage(answer, transfer);
});
