import { BLOCK_ENCRYPTION, KEY_TRANSPORT, SIGNATURE_ALGORITHM, buildResponse, serializeXml, type ResponseOptions } from '@koa-mellon/saml';
import type { Builder, IdpScenario, IdpVariant } from './idp-scenario.js';

/**
 * @koa-mellon/saml as packages/idp/src/sso/issue.ts uses it: `buildResponse` with the keys loaded
 * into KeyObjects once (as the IdP runtime holds them), then serialised and base64-encoded, which
 * is what `encodePostForm` puts in the form (the HTML around it is left out: samlify has none).
 */
export function createOursBuilder(scenario: IdpScenario, variant: IdpVariant): Builder {
  const options: ResponseOptions = {
    issuer: scenario.idpEntityId,
    destination: scenario.acsUrl,
    inResponseTo: scenario.requestId,
    assertion: {
      audience: scenario.spEntityId,
      nameId: scenario.nameId,
      authnInstant: scenario.authnInstant,
      sessionIndex: scenario.sessionIndex,
      sessionNotOnOrAfter: scenario.sessionNotOnOrAfter,
      authnContextClassRef: scenario.authnContextClassRef,
      attributes: scenario.attributes.map(({ name, value }) => ({ name, nameFormat: scenario.attributeNameFormat, values: [value] })),
    },
    signing: { privateKey: scenario.idp.privateKey, certificate: scenario.idp.certBase64, signatureAlgorithm: SIGNATURE_ALGORITHM.rsaSha256 },
    signAssertion: true,
    signResponse: variant.signResponse,
    // The defaults, spelled out: what issue.ts sends an SP whose metadata lists no EncryptionMethod.
    encryption: variant.encrypt
      ? { publicKey: scenario.sp.publicKey, certificate: scenario.sp.certBase64, blockAlgorithm: BLOCK_ENCRYPTION.aes256Gcm, keyTransport: KEY_TRANSPORT.rsaOaepMgf1p }
      : undefined,
    lifetime: scenario.lifetime,
    notBeforeSkew: scenario.notBeforeSkew,
    clock: () => scenario.now,
  };
  return {
    name: 'us',
    async build() {
      return Buffer.from(serializeXml(buildResponse(options).document), 'utf8').toString('base64');
    },
  };
}
