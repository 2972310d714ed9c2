import { createHash } from 'node:crypto';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { pipeline } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import { createGunzip } from 'node:zlib';
import { fail, MellonError } from '../../errors.js';
import { resolveGuarded, type MetadataUrlGuard } from './url-guard.js';

export interface HttpGetOptions {
  /** The whole exchange, redirects and body included, is abandoned after this many ms. */
  readonly timeoutMs: number;
  /** Verify the server's certificate chain and name (Node's `rejectUnauthorized`). */
  readonly verifyTls: boolean;
  /** Largest accepted body, after decompression. */
  readonly maxBytes: number;
  /** Validators of the copy we hold, for a conditional GET (rfc9110 §13.1). */
  readonly etag?: string | undefined;
  readonly lastModified?: string | undefined;
  readonly signal?: AbortSignal | undefined;
  /** The SSRF guard: every hop is https, resolved once, judged and connected to that address only. */
  readonly guard?: MetadataUrlGuard | undefined;
}

export type HttpGetResult =
  | {
      readonly status: 200;
      /** The body's bytes (decompressed), as the server sent them. */
      readonly body: Buffer;
      /** SHA-256 of `body` in hex, hashed as it arrived: telling an unchanged copy costs no parse. */
      readonly sha256: string;
      readonly etag?: string | undefined;
      readonly lastModified?: string | undefined;
    }
  | { readonly status: 304 };

/** Redirects followed before giving up. */
export const MAX_REDIRECTS = 5;
const REDIRECTS: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

/**
 * GETs metadata over http(s) with node:http(s), so the timeout, TLS verification and body limit
 * are ours, not a library's defaults. Redirects are followed up to MAX_REDIRECTS, only to http(s)
 * and never from https down to http. Failures are METADATA_UNAVAILABLE (INPUT_TOO_LARGE for a
 * body over the limit).
 */
export async function httpGet(url: string, options: HttpGetOptions): Promise<HttpGetResult> {
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
  const headers: Record<string, string> = {
    accept: 'application/samlmetadata+xml, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.1',
    'accept-encoding': 'gzip',
    'user-agent': 'koa-mellon-metadata',
    ...(options.etag ? { 'if-none-match': options.etag } : {}),
    ...(options.lastModified ? { 'if-modified-since': options.lastModified } : {}),
  };
  try {
    let target = new URL(url);
    for (let hop = 0; ; hop++) {
      const response = await send(target, headers, options, signal);
      const status = response.statusCode ?? 0;
      if (REDIRECTS.has(status)) {
        response.resume();
        if (hop >= MAX_REDIRECTS) fail('METADATA_UNAVAILABLE', `more than ${MAX_REDIRECTS} redirects`);
        target = redirectTarget(target, response.headers.location);
        continue;
      }
      if (status === 304 && (options.etag || options.lastModified)) {
        response.resume();
        return { status: 304 };
      }
      if (status !== 200) {
        response.resume();
        fail('METADATA_UNAVAILABLE', `metadata server answered HTTP ${status}`);
      }
      const { body, sha256 } = await readBody(response, options.maxBytes);
      const etag = response.headers.etag;
      const lastModified = response.headers['last-modified'];
      return { status: 200, body, sha256, ...(etag ? { etag } : {}), ...(lastModified ? { lastModified } : {}) };
    }
  } catch (err) {
    if (err instanceof MellonError) throw err;
    const reason = timeout.aborted ? `no complete answer within ${options.timeoutMs} ms` : 'metadata download failed';
    throw new MellonError('METADATA_UNAVAILABLE', reason, { cause: err });
  }
}

async function send(target: URL, headers: Record<string, string>, options: HttpGetOptions, signal: AbortSignal): Promise<IncomingMessage> {
  const { guard, verifyTls } = options;
  // Judged before any byte is sent, at every hop: the address connected to is the one judged.
  const pinned = guard ? await resolveGuarded(target, guard) : undefined;
  return new Promise((resolve, reject) => {
    const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
    // agent: false, no keep-alive: a download every hour gains nothing from a pooled socket.
    // Guarded: no agent, our own connection to the pinned address (no second DNS lookup), TLS
    // checked against the URL's host name.
    const connection = guard && pinned
      ? {
          createConnection: () =>
            tlsConnect({
              socket: guard.connect({ address: pinned.address, port: Number(target.port || 443) }),
              ...(pinned.servername ? { servername: pinned.servername } : {}),
              host: pinned.servername ?? pinned.address,
              rejectUnauthorized: verifyTls,
            }),
        }
      : { agent: false as const };
    const req = request(target, { method: 'GET', headers, signal, rejectUnauthorized: verifyTls, ...connection }, resolve);
    req.on('error', reject);
    req.end();
  });
}

function redirectTarget(from: URL, location: string | undefined): URL {
  if (!location) fail('METADATA_UNAVAILABLE', 'redirect without Location');
  let next: URL;
  try {
    next = new URL(location, from);
  } catch (err) {
    throw new MellonError('METADATA_UNAVAILABLE', 'redirect to an invalid URL', { cause: err });
  }
  if (next.protocol !== 'https:' && next.protocol !== 'http:') fail('METADATA_UNAVAILABLE', 'redirect to a non-http(s) URL');
  if (from.protocol === 'https:' && next.protocol === 'http:') fail('METADATA_UNAVAILABLE', 'redirect from https down to http');
  return next;
}

async function readBody(response: IncomingMessage, maxBytes: number): Promise<{ body: Buffer; sha256: string }> {
  const declared = Number(response.headers['content-length']);
  const encoding = (response.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if (encoding === 'identity' && declared > maxBytes) {
    response.resume();
    fail('INPUT_TOO_LARGE', `metadata over ${maxBytes} bytes`);
  }
  if (encoding !== 'identity' && encoding !== 'gzip') {
    response.resume();
    fail('METADATA_UNAVAILABLE', 'unsupported Content-Encoding');
  }
  // The limit counts decompressed bytes: a small gzip bomb is stopped as early as a large body.
  // pipeline, not pipe: an aborted response must fail the gunzip stream we read, not stall it.
  const stream = encoding === 'gzip' ? pipeline(response, createGunzip(), () => undefined) : response;
  // Hashed and copied chunk by chunk, between reads: a 24 MB aggregate hashed and joined at the end
  // would hold the event loop for ~30 ms.
  const hash = createHash('sha256');
  const body = new BodyBuffer(encoding === 'identity' && declared > 0 ? declared : 0);
  for await (const chunk of stream) {
    // Both streams yield Buffers (no encoding was set on them).
    const buffer = chunk as Buffer;
    if (body.length + buffer.length > maxBytes) {
      response.destroy();
      stream.destroy();
      fail('INPUT_TOO_LARGE', `metadata over ${maxBytes} bytes`);
    }
    body.append(buffer);
    hash.update(buffer);
  }
  return { body: body.bytes(), sha256: hash.digest('hex') };
}

/**
 * The body's bytes, appended as they arrive into one buffer sized by Content-Length when there is
 * one (checked against maxBytes before), else grown by doubling.
 */
class BodyBuffer {
  #buffer: Buffer;
  #length = 0;

  constructor(expected: number) {
    this.#buffer = Buffer.allocUnsafe(Number.isSafeInteger(expected) ? expected : 0);
  }

  get length(): number {
    return this.#length;
  }

  append(chunk: Buffer): void {
    const needed = this.#length + chunk.length;
    if (needed > this.#buffer.length) {
      const grown = Buffer.allocUnsafe(Math.max(needed, this.#buffer.length * 2, 64 * 1024));
      this.#buffer.copy(grown, 0, 0, this.#length);
      this.#buffer = grown;
    }
    chunk.copy(this.#buffer, this.#length);
    this.#length = needed;
  }

  bytes(): Buffer {
    return this.#buffer.subarray(0, this.#length);
  }
}
