import type { Context } from 'koa';
import { MellonError, fail } from '@koa-mellon/saml';

/**
 * STAND-IN for koa-mellon's `router/form.ts` (`readForm`, `readQuery`), not exported yet.
 * A form body read under a size cap into a Map; a parameter sent twice is refused, not picked.
 */
export async function readForm(ctx: Context, maxBytes: number): Promise<Map<string, string>> {
  if (!ctx.is('application/x-www-form-urlencoded')) fail('BINDING_INVALID', 'expected a form post');
  return readPairs(new URLSearchParams(await readBody(ctx, maxBytes)));
}

/** The raw body (SOAP), capped at the message size limit plus room for the envelope. */
export async function readBody(ctx: Context, maxBytes: number): Promise<string> {
  const limit = Math.ceil((maxBytes * 4) / 3) + 8192;
  if (Number(ctx.get('content-length') || 0) > limit) throw new MellonError('INPUT_TOO_LARGE', 'body too large');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    // A request stream without setEncoding yields Buffers.
    size += (chunk as Buffer).length;
    if (size > limit) throw new MellonError('INPUT_TOO_LARGE', 'body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

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
