import { createMetadataSource, getEntity, getIdpDescriptor, type MetadataEvent, type MetadataSource } from '@koa-mellon/saml';

/** An IdP's metadata from its URL, cached on disk and refreshed in the background. */
export function openIdpMetadata(metadataUrl: string, metadataCacheDir: string, log: (line: string) => void): MetadataSource {
  return createMetadataSource({
    metadataUrl,
    metadataCacheDir, // default: <cwd>/.cache/koa-mellon/metadata
    metadataCacheTime: 3600, // seconds between background refreshes
    metadataHttpTimeout: 10, // seconds before a download is abandoned
    onEvent: (event: MetadataEvent) => {
      switch (event.type) {
        case 'loaded':
          return log(`metadata loaded from ${event.from}: ${event.location}`);
        case 'refreshed':
          return log(`metadata refreshed (${event.changed ? 'changed' : 'unchanged'}): ${event.location}`);
        case 'refresh-failed':
          return log(`metadata refresh failed (${event.error.code}): ${event.location}`);
        case 'serving-stale':
          return log(`serving metadata fetched at ${event.fetchedAt.toISOString()}: ${event.location}`);
        case 'cache-write-failed':
          return log(`metadata cache not writable (${event.error.code}): ${event.location}`);
        case 'entity-changed':
          return log(`metadata of another entity refused, still serving ${event.entityId}: ${event.location}`);
        case 'entity-skipped':
          return log(`entity ${event.entityId ?? '(no entityID)'} left out (${event.error.message}): ${event.location}`);
      }
    },
  });
}

/** Per login: an O(1) lookup that never waits for a background refresh. */
export async function idpSigningKeys(source: MetadataSource, entityId: string) {
  return getIdpDescriptor(getEntity(await source.current(), entityId)).signingKeys;
}
