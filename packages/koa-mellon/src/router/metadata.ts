import type { Context } from 'koa';
import { BINDING, generateSpMetadata } from '@koa-mellon/saml';
import type { Runtime } from '../runtime.js';

/** GET metadata/: our SP metadata, from the settings (saml-metadata §2.4.4). */
export function metadata(ctx: Context, rt: Runtime): void {
  const settings = rt.global.settings;
  const bindings = settings.assertionConsumerBindings.map((b) => (b === 'artifact' ? BINDING.artifact : BINDING.post));
  const preferred = settings.defaultAssertionConsumerBinding === 'artifact' ? BINDING.artifact : BINDING.post;
  const ordered = [...bindings].sort((a, b) => Number(b === preferred) - Number(a === preferred));
  ctx.type = 'application/samlmetadata+xml';
  ctx.set('Cache-Control', 'public, max-age=3600');
  ctx.body = generateSpMetadata({
    entityId: rt.urls.entityId,
    assertionConsumerServiceUrl: rt.urls.login,
    assertionConsumerServiceBindings: ordered,
    singleLogoutServiceUrl: rt.urls.logout,
    certificates: rt.global.keys.certificates.map((der) => `-----BEGIN CERTIFICATE-----\n${der}\n-----END CERTIFICATE-----\n`),
    nameIdFormats: settings.nameIdFormats,
    authnRequestsSigned: settings.requestsSigned && rt.global.keys.signingKey !== undefined,
    wantAssertionsSigned: settings.wantAssertionsSigned,
  });
}
