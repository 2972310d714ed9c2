import type { Context } from 'koa';

/** The media type of SAML metadata (saml-metadata §4.1.1): what peers and tools ask for. */
export const SAML_METADATA_TYPE = 'application/samlmetadata+xml';

/**
 * Answers a metadata document by content negotiation: a browser (which asks for `text/html`
 * first) gets `application/xml`, shown as XML instead of downloaded as a file; every other client
 * (no Accept, any type, or the SAML type) gets the SAML metadata type. Same bytes either way.
 */
export function sendMetadata(ctx: Context, xml: string): void {
  const browser = ctx.accepts(SAML_METADATA_TYPE, 'text/html') === 'text/html';
  ctx.type = browser ? 'application/xml; charset=utf-8' : SAML_METADATA_TYPE;
  ctx.vary('Accept');
  ctx.set('Cache-Control', 'public, max-age=3600');
  ctx.body = xml;
}
