import { createHmac, randomBytes } from 'node:crypto';
import { NAMEID_FORMAT, type NameIdParts } from '@koa-mellon/saml';
import type { VisitedSp } from './state/sessions.js';
import type { IdpUser, NameIdFormatName, ServiceProviderSettings } from './settings/types.js';
import { readField } from './attributes.js';

export const NAME_ID_FORMAT_URIS: ReadonlyMap<NameIdFormatName, string> = new Map([
  ['persistent', NAMEID_FORMAT.persistent],
  ['transient', NAMEID_FORMAT.transient],
  ['emailAddress', NAMEID_FORMAT.emailAddress],
  ['unspecified', NAMEID_FORMAT.unspecified],
]);

const NAME_OF_URI: ReadonlyMap<string, NameIdFormatName> = new Map([...NAME_ID_FORMAT_URIS].map(([name, uri]) => [uri, name]));


/**
 * The format to issue for a request's NameIDPolicy (saml-core §3.4.1.1): absent or unspecified
 * gets the SP's configured format; persistent and transient are always possible (both are
 * pairwise, they leak nothing); any other format only when it is the configured one. `undefined`
 * means "answer InvalidNameIDPolicy".
 */
export function negotiateFormat(configured: NameIdFormatName, requested: string | undefined): NameIdFormatName | undefined {
  if (requested === undefined || requested === NAMEID_FORMAT.unspecified) return configured;
  const name = NAME_OF_URI.get(requested);
  if (name === 'persistent' || name === 'transient' || name === configured) return name;
  return undefined;
}

/**
 * The NameID this SP gets for this user (saml-core §8.3):
 * - persistent: pairwise, HMAC-SHA256(secret, [user id, SP entityID]) in base64url: stable for the
 *   pair, different for every SP, not guessable without the secret (saml-core §8.3.7);
 * - transient: random, kept for the IdP session (the same SP sees the same value until logout);
 * - emailAddress / unspecified: a user field, as is; `undefined` when the user lacks it.
 */
export function nameIdFor<U extends IdpUser>(options: {
  readonly format: NameIdFormatName;
  readonly user: U;
  readonly sp: ServiceProviderSettings<U>;
  readonly spEntityId: string;
  readonly idpEntityId: string;
  readonly secret: string;
  /** The SPs this IdP session visited: a transient NameID stays the same within a session. */
  readonly visits: readonly VisitedSp[];
}): NameIdParts | undefined {
  const { format, user, spEntityId, idpEntityId } = options;
  // The map has a URI for every NameIdFormatName.
  const uri = NAME_ID_FORMAT_URIS.get(format) as string;
  switch (format) {
    case 'persistent': {
      const value = createHmac('sha256', options.secret).update(JSON.stringify([user.id, spEntityId])).digest('base64url');
      return { value, format: uri, nameQualifier: idpEntityId, spNameQualifier: spEntityId };
    }
    case 'transient': {
      const previous = options.visits.find((sp) => sp.entityId === spEntityId && sp.nameId.format === uri);
      const value = previous?.nameId.value ?? `_${randomBytes(20).toString('hex')}`;
      return { value, format: uri, nameQualifier: idpEntityId, spNameQualifier: spEntityId };
    }
    case 'emailAddress':
    case 'unspecified': {
      const field = options.sp.nameIdField ?? 'email';
      const [value] = readField(user, field);
      return value === undefined || value === '' ? undefined : { value, format: uri };
    }
  }
}
