import type { Context } from 'koa';
import { MellonError, fail } from '@koa-mellon/saml';

/**
 * Reads an `application/x-www-form-urlencoded` body (the HTTP-POST binding) with a size cap, into a
 * Map; a parameter sent twice is refused rather than picked (the "which one did you mean" class).
 */
export async function readForm(ctx: Context, maxBytes: number): Promise<Map<string, string>> {
  if (!ctx.is('application/x-www-form-urlencoded')) fail('BINDING_INVALID', 'expected a form post');
  return readPairs(new URLSearchParams(await readBody(ctx, maxBytes)));
}

/**
 * The raw body (a form, a SOAP envelope), capped at the message size limit in base64 plus room for
 * the rest. Past the limit nothing is kept; a body a few times over is drained so the client reads
 * a clean 413, a larger one is cut off.
 */
export async function readBody(ctx: Context, maxBytes: number): Promise<string> {
  const limit = Math.ceil((maxBytes * 4) / 3) + 8192;
  const declared = Number(ctx.get('content-length') || 0);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    // A request stream without setEncoding yields Buffers.
    size += (chunk as Buffer).length;
    if (size > limit && (size > limit * 4 || declared > limit * 4)) break;
    if (size <= limit) chunks.push(chunk as Buffer);
  }
  if (size > limit || declared > limit) throw new MellonError('INPUT_TOO_LARGE', 'body too large');
  return Buffer.concat(chunks).toString('utf8');
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
