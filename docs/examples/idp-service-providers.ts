// docs/idp.md, "Registering SPs": one entry per SP, with what it receives. A test logs a
// koa-mellon SP in through these settings and checks what arrives.
import { ATTRNAME_FORMAT } from '@koa-mellon/saml';
import type { ServiceProviderSettings } from '@koa-mellon/idp';
import type { AppUser } from './idp-basic.js';

export function serviceProviders(hrMetadataXml: string, wikiMetadataUrl: string): ServiceProviderSettings<AppUser>[] {
  return [
    {
      // Inline metadata (or metadataPath: a file, reloaded when it changes).
      metadata: hrMetadataXml,
      // SAML attribute name ← where the value comes from.
      attributes: {
        mail: 'email', // shorthand for { field: 'email' }
        displayName: 'displayName',
        'urn:oid:0.9.2342.19200300.100.1.3': { field: 'email', friendlyName: 'mail', nameFormat: ATTRNAME_FORMAT.uri },
        eduPersonAffiliation: { value: (user) => (user.groups.includes('staff') ? ['staff', 'member'] : ['member']) },
      },
      // Default: pairwise persistent NameIDs, and encryption when the SP publishes a key.
    },
    {
      // Fetched, cached on disk, refreshed in the background: as the SP does for IdPs.
      metadataUrl: wikiMetadataUrl,
      nameIdFormat: 'emailAddress', // the NameID is the user's `email` (nameIdField to change it)
      attributes: { groups: 'groups' },
      sessionLifetime: 3600, // SessionNotOnOrAfter: one hour for this SP
      signResponse: true, // some SPs want the Response signed too
      askConsent: true, // the consent page lists what the wiki gets; the user accepts or declines
    },
  ];
}
