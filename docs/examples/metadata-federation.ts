import { createMetadataSource, type MetadataSource } from '@koa-mellon/saml';

/** A federation aggregate: thousands of entities, signed by the federation operator. */
export function openFederation(metadataUrl: string, federationCertificatePem: string, metadataCacheDir: string): MetadataSource {
  return createMetadataSource({
    metadataUrl,
    signingCertificates: [federationCertificatePem],
    metadataCacheDir,
    maxBytes: 100 * 1024 * 1024, // the default is 50 MiB
  });
}

/** The IdPs of the aggregate, for a discovery page, by display name. */
export async function discoveryList(source: MetadataSource, lang = 'en') {
  const metadata = await source.current();
  const now = Date.now();
  const idps: { entityId: string; name: string; logo?: string }[] = [];
  for (const entity of metadata.entities.values()) {
    if (!entity.idp || (entity.validUntil && entity.validUntil.getTime() <= now)) continue;
    const names = entity.idp.ui?.displayNames ?? [];
    const name = names.find((candidate) => candidate.lang === lang) ?? names[0];
    const logo = entity.idp.ui?.logos[0]?.url;
    idps.push({ entityId: entity.entityId, name: name?.value ?? entity.entityId, ...(logo ? { logo } : {}) });
  }
  return idps.sort((a, b) => a.name.localeCompare(b.name, lang));
}
