import type { Context } from 'koa';
import { metadata } from '../router/metadata.js';
import type { Runtime } from '../runtime.js';

/**
 * Our SP metadata, exactly as the metadata/ route serves it: the route itself runs against a
 * context that only records the body, so the CLI and the route cannot drift apart.
 *
 * TODO: once router/metadata.ts exports the XML builder on its own (`spMetadataXml(rt)`), call
 * it here and drop the stand-in context.
 */
export function spMetadataXml(rt: Runtime): string {
  const recorder: { type: string; body: unknown; set(field: string, value: string): void } = { type: '', body: undefined, set() {} };
  // The route touches ctx.type, ctx.set and ctx.body only; the recorder has all three.
  metadata(recorder as unknown as Context, rt);
  if (typeof recorder.body !== 'string') throw new TypeError('the metadata route produced no XML');
  return recorder.body;
}
