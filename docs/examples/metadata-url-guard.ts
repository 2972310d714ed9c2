import { createMetadataSource, type MetadataSource } from '@koa-mellon/saml';

/** A customer's IdP metadata URL, typed by an administrator: fetched through the SSRF guard. */
export function openCustomerIdpMetadata(metadataUrl: string, metadataCacheDir: string): MetadataSource {
  return createMetadataSource({
    metadataUrl,
    metadataCacheDir,
    metadataUrlGuard: {
      // Deliberate exceptions: exact host names, and CIDRs or addresses.
      allow: ['idp.corp.internal', '10.1.2.0/24'],
    },
  });
}
