import { Worker } from 'node:worker_threads';
import { ERROR_CODES, MellonError, type MellonErrorCode } from '../../errors.js';
import type { WireMetadata, WireRequest, WireResponse } from './wire.js';

/**
 * The worker's entry beside this file, with this module's own extension: the compiled one when this
 * module runs from dist/, the TypeScript one when it runs from source (tsx with the repository's source
 * export condition, as its tests do). Node 20 does not carry the main thread's loader hooks into a
 * worker, so from source a small bootstrap imports the entry and, if Node cannot load it by
 * itself, registers tsx in the worker first.
 */
function workerEntry(): URL {
  const ownExtension = import.meta.url.slice(import.meta.url.lastIndexOf('.'));
  const entry = new URL(`./parse-worker${ownExtension}`, import.meta.url);
  if (ownExtension === '.js') return entry;
  const bootstrap = [
    `const entry = ${JSON.stringify(entry.href)};`,
    'try { await import(entry); } catch (err) {',
    "  if (err?.code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw err;",
    "  const { createRequire } = await import('node:module');",
    "  const { fileURLToPath } = await import('node:url');",
    '  const require = createRequire(entry);',
    // tsx's require hook, found from the entry's own node_modules: the entry then loads as the
    // test files do under mocha (TypeScript compiled to CommonJS).
    "  try { require('tsx/cjs/api').register(); } catch { throw err; }",
    '  require(fileURLToPath(entry));',
    '}',
  ].join('\n');
  return new URL(`data:text/javascript,${encodeURIComponent(bootstrap)}`);
}

let entryUrl: URL | undefined;

/**
 * Runs one parse in a new worker thread and resolves with what it sent back. A refusal comes back
 * as the MellonError the main thread would have thrown (same code and message). A worker that
 * cannot start, crashes or is abandoned (`signal`) rejects with METADATA_UNAVAILABLE.
 */
export function runParseWorker(request: WireRequest, signal?: AbortSignal): Promise<WireMetadata> {
  if (signal?.aborted) return Promise.reject(abandoned());
  let worker: Worker;
  try {
    worker = startWorker();
  } catch (err) {
    return Promise.reject(new MellonError('METADATA_UNAVAILABLE', 'the metadata worker cannot start', { cause: err }));
  }
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (done: () => void): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      void worker.terminate();
      done();
    };
    const onAbort = (): void => settle(() => reject(abandoned()));
    signal?.addEventListener('abort', onAbort, { once: true });
    worker.once('message', (answer: WireResponse) => settle(() => (answer.ok ? resolve(answer.metadata) : reject(asMellonError(answer.code, answer.message)))));
    worker.once('error', (err) => settle(() => reject(new MellonError('METADATA_UNAVAILABLE', 'the metadata worker failed', { cause: err }))));
    worker.once('exit', (code) => settle(() => reject(new MellonError('METADATA_UNAVAILABLE', `the metadata worker exited (${code}) without an answer`))));
    const { input, transfer } = transferable(request.input);
    worker.postMessage({ ...request, input } satisfies WireRequest, transfer);
  });
}

/**
 * A worker inherits the process's flags (a loader, --conditions...), except --input-type, which
 * Node refuses for anything but a script given on the command line. Node refuses V8 flags
 * (--trace-gc, --expose-gc...) in a worker: then it starts without any, which it does not need
 * (from source, the bootstrap registers tsx itself).
 */
function startWorker(): Worker {
  const entry = (entryUrl ??= workerEntry());
  try {
    return new Worker(entry, { execArgv: process.execArgv.filter((flag) => !flag.startsWith('--input-type')) });
  } catch (err) {
    // Node's errors carry their code; anything else is not ours to retry.
    if ((err as NodeJS.ErrnoException).code !== 'ERR_WORKER_INVALID_EXEC_ARGV') throw err;
    return new Worker(entry, { execArgv: [] });
  }
}

/**
 * The bytes in a buffer of their own, moved to the worker: postMessage would otherwise clone them
 * through its serializer (~40 ms for a 24 MB aggregate, against ~5 ms for this copy), and a small
 * Buffer cut from Node's shared pool would carry its neighbours along. The caller keeps its bytes.
 */
function transferable(input: Uint8Array | string): { input: Uint8Array | string; transfer: ArrayBuffer[] } {
  if (typeof input === 'string') return { input, transfer: [] };
  const copy = new Uint8Array(input.byteLength);
  copy.set(input);
  return { input: copy, transfer: [copy.buffer] };
}

function asMellonError(code: string, message: string): MellonError {
  // Checked against the catalogue just before: a code the worker could not have meant is unreadable metadata.
  return Object.hasOwn(ERROR_CODES, code) ? new MellonError(code as MellonErrorCode, message) : new MellonError('METADATA_INVALID', message);
}

function abandoned(): MellonError {
  return new MellonError('METADATA_UNAVAILABLE', 'metadata parse abandoned (source closed)');
}
