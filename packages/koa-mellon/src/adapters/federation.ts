import { MellonError, NAMEID_FORMAT } from '@koa-mellon/saml';
import { wantedNameIdFormat } from './name-id-format.js';
import { attributeValues, singleString } from './read-attributes.js';
import type { IdpSettings, MellonAttributes } from './types.js';

/** The stable key of a federated identity (django-mellon's UserSAMLIdentifier: issuer + name_id). */
export interface FederationIdentity {
  readonly issuer: string;
  readonly nameId: string;
}

/**
 * The key a login is federated under, or null when there is none to trust (no login then).
 * For a transient NameID (saml-core §8.3.8: a new value at every login, so it cannot key an
 * account), and for an assertion without NameID (saml-core §2.4.1), it is the single value of
 * `transientFederationAttribute`, as in django-mellon: no such setting, no value or several
 * values all refuse, since guessing which value is the stable one would link the wrong account.
 */
export function federationIdentity(idp: IdpSettings, attributes: MellonAttributes): FederationIdentity | null {
  const issuer = singleString(attributes, 'issuer');
  if (issuer === undefined) return null;
  const nameIdContent = singleString(attributes, 'name_id_content');
  if (nameIdContent !== undefined && singleString(attributes, 'name_id_format') !== NAMEID_FORMAT.transient) {
    return { issuer, nameId: nameIdContent };
  }
  if (idp.transientFederationAttribute === undefined) return null;
  const values = attributeValues(attributes, idp.transientFederationAttribute);
  const [nameId] = values;
  if (values.length !== 1 || nameId === undefined || nameId === '') return null;
  return { issuer, nameId };
}

/**
 * The refusal of a verified login that `federationIdentity` finds no key for (and no adapter found
 * a user another way): UID_MISSING, with what was looked for. The reason (logs, trace) names the
 * setting, from our configuration; the NameID format the IdP sent goes to the trace detail only.
 */
export function uidMissing(idp: IdpSettings, attributes: MellonAttributes): MellonError {
  const format = singleString(attributes, 'name_id_format');
  const nameId = singleString(attributes, 'name_id_content') === undefined ? 'absent or empty' : 'transient (a new value at every login)';
  const attribute = idp.transientFederationAttribute;
  const values = attribute === undefined ? 0 : attributeValues(attributes, attribute).length;
  const looked = attribute === undefined ? 'transientFederationAttribute is not set' : `transientFederationAttribute ${attribute.slice(0, 120)} has ${values} values (exactly one non-empty is needed)`;
  return new MellonError('UID_MISSING', `no uid to key an account by: the NameID is ${nameId} and ${looked}. Fix one of: ask the IdP for a persistent NameID (list it in nameIdFormats, or set nameIdPolicyFormat), or set transientFederationAttribute to an attribute that identifies the user`, {
    detail: {
      nameId,
      nameIdFormatReceived: format ?? '(none)',
      nameIdFormatWanted: wantedNameIdFormat(idp),
      uidAttribute: attribute ?? '(transientFederationAttribute not set)',
      uidAttributeValues: String(values),
    },
  });
}
