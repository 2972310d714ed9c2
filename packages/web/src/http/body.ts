import type { Context } from 'koa';
import { MellonError, fail } from '@koa-mellon/saml';
import { ClientAbortError } from './client-abort.js';

/** How long a SAML endpoint waits for a request body, unless the settings say otherwise (`bodyTimeout`). */
export const DEFAULT_BODY_TIMEOUT_SECONDS = 10;

export interface ReadBodyOptions {
  /** Deadline for the whole body, in milliseconds. Default `DEFAULT_BODY_TIMEOUT_SECONDS`. */
  readonly timeoutMs?: number | undefined;
}

/**
 * Reads an `application/x-www-form-urlencoded` body (the HTTP-POST binding) with a size cap and a
 * deadline, into a Map; a parameter sent twice is refused rather than picked (the "which one did
 * you mean" class).
 */
export async function readForm(ctx: Context, maxBytes: number, options: ReadBodyOptions = {}): Promise<Map<string, string>> {
  if (!ctx.is('application/x-www-form-urlencoded')) fail('BINDING_INVALID', 'expected a form post');
  return readPairs(new URLSearchParams(await readBody(ctx, maxBytes, options)));
}

type Outcome = 'complete' | 'too-large' | 'timeout' | 'aborted';

/**
 * The raw body (a form, a SOAP envelope), capped at the message size limit in base64 plus room for
 * the rest, within a deadline. Nothing from an anonymous client may hold a connection or poison it:
 * - a body over the cap but at most four times it is drained, so the client reads a clean 413 and
 *   the connection can serve its next request;
 * - a larger one is cut off, and a body still arriving at the deadline (a trickle) is abandoned:
 *   unread bytes remain on that connection, so the answer says `Connection: close` and Node closes
 *   it once the answer is sent (a pooled proxy connection would otherwise wait for an answer that
 *   never comes);
 * - a client that goes away mid-upload is a `ClientAbortError`: not a refusal, not our failure.
 */
export async function readBody(ctx: Context, maxBytes: number, options: ReadBodyOptions = {}): Promise<string> {
  const limit = Math.ceil((maxBytes * 4) / 3) + 8192;
  const declared = Number(ctx.get('content-length') || 0);
  const chunks: Buffer[] = [];
  let size = 0;
  const outcome = await new Promise<Outcome>((resolve) => {
    const req = ctx.req;
    if (req.readableEnded) return resolve('complete');
    const finish = (result: Outcome) => {
      clearTimeout(timer);
      req.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
      if (result === 'too-large' || result === 'timeout') req.pause();
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      // A request stream without setEncoding emits Buffers.
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
      else if (size > limit * 4 || declared > limit * 4) finish('too-large');
    };
    const onEnd = () => finish('complete');
    const onError = () => finish('aborted');
    const onClose = () => finish(req.complete ? 'complete' : 'aborted');
    const timer = setTimeout(() => finish('timeout'), options.timeoutMs ?? DEFAULT_BODY_TIMEOUT_SECONDS * 1000);
    req.on('data', onData).once('end', onEnd).once('error', onError).once('close', onClose);
  });
  switch (outcome) {
    case 'aborted':
      throw new ClientAbortError('the client closed the connection during the request body');
    case 'timeout':
      closeAfterAnswer(ctx);
      throw new MellonError('REQUEST_TIMEOUT', 'request body not received within bodyTimeout');
    case 'too-large':
      closeAfterAnswer(ctx);
      throw new MellonError('INPUT_TOO_LARGE', 'body too large (cut off)');
    case 'complete':
      if (size > limit || declared > limit) throw new MellonError('INPUT_TOO_LARGE', 'body too large');
      return Buffer.concat(chunks).toString('utf8');
  }
}

/**
 * HTTP/1.1: `Connection: close` on the answer makes Node close the connection once it is sent
 * (RFC 9112 §9.6). HTTP/2 has no such header (RFC 9113 §8.2.2; Node drops it with a warning):
 * there the unread body belongs to one stream, which ends with the answer.
 */
function closeAfterAnswer(ctx: Context): void {
  if (ctx.req.httpVersionMajor === 1) ctx.set('Connection', 'close');
}

/** The query string as a Map, duplicates refused. */
export function readQuery(ctx: Context): Map<string, string> {
  return readPairs(new URLSearchParams(ctx.querystring));
}

function readPairs(params: URLSearchParams): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of params) {
    if (out.has(key)) fail('BINDING_INVALID', `parameter ${key.slice(0, 32)} repeated`);
    if (value.includes('\u0000')) fail('BINDING_INVALID', 'NUL in a parameter');
    out.set(key, value);
  }
  return out;
}
