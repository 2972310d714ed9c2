import type { Context } from 'koa';
import { BINDING, generateSpMetadata, type ContactPerson, type Organization } from '@koa-mellon/saml';
import type { Runtime } from '../runtime.js';
import type { MellonSettings } from '../settings/types.js';
import { sendMetadata } from '@koa-mellon/web';

/** Our SP metadata, from the settings (saml-metadata §2.4.4); the route and the CLI share it. */
export function spMetadataXml(rt: Runtime): string {
  const settings = rt.global.settings;
  const bindings = settings.assertionConsumerBindings.map((b) => (b === 'artifact' ? BINDING.artifact : BINDING.post));
  const preferred = settings.defaultAssertionConsumerBinding === 'artifact' ? BINDING.artifact : BINDING.post;
  const ordered = [...bindings].sort((a, b) => Number(b === preferred) - Number(a === preferred));
  return generateSpMetadata({
    entityId: rt.urls.entityId,
    assertionConsumerServiceUrl: rt.urls.login,
    assertionConsumerServiceBindings: ordered,
    singleLogoutServiceUrl: rt.urls.logout,
    singleLogoutServiceBindings: rt.settings.soapLogout ? [BINDING.redirect, BINDING.post, BINDING.soap] : [BINDING.redirect, BINDING.post],
    certificates: rt.global.keys.certificates.map((der) => `-----BEGIN CERTIFICATE-----\n${der}\n-----END CERTIFICATE-----\n`),
    nameIdFormats: settings.nameIdFormats,
    authnRequestsSigned: settings.requestsSigned && rt.global.keys.signingKey !== undefined,
    wantAssertionsSigned: settings.wantAssertionsSigned,
    organization: organizationOf(rt.settings.organization),
    contacts: (rt.settings.contactPersons ?? []).map(
      (contact): ContactPerson => ({
        contactType: contact.contactType,
        company: contact.company,
        givenName: contact.givenName,
        surName: contact.surName,
        emailAddresses: [...(contact.emailAddresses ?? [])],
        telephoneNumbers: [],
      }),
    ),
  });
}

/** django-mellon's ORGANIZATION (plain strings) as metadata's localized values (English). */
function organizationOf(organization: MellonSettings['organization']): Organization | undefined {
  if (!organization) return undefined;
  const en = (values: readonly string[] | undefined) => (values ?? []).map((value) => ({ lang: 'en', value }));
  return { names: en(organization.names), displayNames: en(organization.displayNames ?? organization.names), urls: en(organization.urls) };
}

/** GET metadata/. */
export function metadata(ctx: Context, rt: Runtime): void {
  sendMetadata(ctx, spMetadataXml(rt));
}
