import { randomUUID } from 'node:crypto';
// samlify is CommonJS and defines SamlLib through a getter Node's named-export detection misses:
// only the default import (module.exports) carries it.
import samlify from 'samlify';
import { BLOCK_ENCRYPTION, KEY_TRANSPORT, SIGNATURE_ALGORITHM } from '@koa-mellon/saml';
import type { Builder, IdpScenario, IdpVariant } from './idp-scenario.js';

const POST = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST';
const REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';

/**
 * samlify's default login-response template never fills `{AuthnStatement}` (its default tag value
 * is empty), and SPs require one (saml-profiles §4.1.4.2; ours refuses AUTHN_STATEMENT_MISSING), so
 * the template gets one in samlify's own `{Tag}` style. `{AttributeStatement}` is rendered by
 * samlify itself from `loginResponseTemplate.attributes`.
 */
const AUTHN_STATEMENT_TEMPLATE =
  '<saml:AuthnStatement AuthnInstant="{AuthnInstant}" SessionIndex="{SessionIndex}" SessionNotOnOrAfter="{SessionNotOnOrAfter}">' +
  '<saml:AuthnContext><saml:AuthnContextClassRef>{AuthnContextClassRef}</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>';

/** Instants as samlify's own response builder writes them (binding-post.ts: `toISOString`). */
const iso = (ms: number): string => new Date(ms).toISOString();

/** samlify's attribute placeholder for `valueTag` (libsaml `tagging('attr', ...)`): attr + CamelCase. */
function attributeTag(name: string): string {
  return `attrUser${name.charAt(0).toUpperCase()}${name.slice(1)}`;
}

/**
 * samlify 2 as an IdP, configured as its docs show (samlify.js.org/template): attributes declared
 * in `loginResponseTemplate.attributes`, values filled per login by a `customTagReplacement`
 * callback through `SamlLib.replaceTagsByValue` (which XML-escapes every value). Without that
 * callback samlify emits neither attributes nor an AuthnStatement. Signing: rsa-sha256 with the IdP's
 * PEM key (its settings type takes keys as PEM text); the assertion is signed because the SP entity says
 * `wantAssertionsSigned`, the Response because it says `wantMessageSigned`. Encryption:
 * `isAssertionEncrypted` with `dataEncryptionAlgorithm` aes256-gcm and `keyEncryptionAlgorithm`
 * rsa-oaep-mgf1p, to the SP entity's `encryptCert` (sign, then encrypt, as we do).
 */
export function createSamlifyBuilder(scenario: IdpScenario, variant: IdpVariant): Builder {
  const settings: Parameters<typeof samlify.IdentityProvider>[0] & { dataEncryptionAlgorithm: string; keyEncryptionAlgorithm: string } = {
    entityID: scenario.idpEntityId,
    privateKey: scenario.idp.keyPem,
    signingCert: scenario.idp.certPem,
    requestSignatureAlgorithm: SIGNATURE_ALGORITHM.rsaSha256,
    isAssertionEncrypted: variant.encrypt,
    // Entity settings samlify reads (entity.ts defaults: aes256-cbc, rsa-oaep-mgf1p) but leaves out
    // of its IdentityProviderSettings type; @authenio/xml-encryption 2 implements aes256-gcm.
    dataEncryptionAlgorithm: BLOCK_ENCRYPTION.aes256Gcm,
    keyEncryptionAlgorithm: KEY_TRANSPORT.rsaOaepMgf1p,
    nameIDFormat: [scenario.nameId.format],
    singleSignOnService: [{ Binding: REDIRECT, Location: 'https://idp.example.test/sso' }],
    // Only so that samlify does not warn on every construction.
    singleLogoutService: [{ Binding: REDIRECT, Location: 'https://idp.example.test/slo' }],
    loginResponseTemplate: {
      context: (samlify.SamlLib.defaultLoginResponseTemplate.context ?? '').replace('{AuthnStatement}', AUTHN_STATEMENT_TEMPLATE),
      attributes: scenario.attributes.map(({ name }) => ({ name, valueTag: `user.${name}`, nameFormat: scenario.attributeNameFormat, valueXsiType: 'xs:string' })),
    },
  };
  const idp = samlify.IdentityProvider(settings);
  const sp = samlify.ServiceProvider({
    entityID: scenario.spEntityId,
    encryptCert: scenario.sp.certPem,
    wantAssertionsSigned: true,
    wantMessageSigned: variant.signResponse,
    assertionConsumerService: [{ Binding: POST, Location: scenario.acsUrl }],
  });
  const attributeValues = Object.fromEntries(scenario.attributes.map(({ name, value }) => [attributeTag(name), value]));
  // samlify's own ID scheme (entity.ts generateID).
  const generateId = (): string => `_${randomUUID()}`;
  const customTagReplacement = (template: string): { id: string; context: string } => {
    const id = generateId();
    const now = scenario.now;
    const notOnOrAfter = iso(now + scenario.lifetime * 1000);
    const context = samlify.SamlLib.replaceTagsByValue(template, {
      ID: id,
      AssertionID: generateId(),
      Destination: scenario.acsUrl,
      Audience: scenario.spEntityId,
      SubjectRecipient: scenario.acsUrl,
      Issuer: scenario.idpEntityId,
      IssueInstant: iso(now),
      StatusCode: samlify.Constants.StatusCode.Success,
      ConditionsNotBefore: iso(now - scenario.notBeforeSkew * 1000),
      ConditionsNotOnOrAfter: notOnOrAfter,
      SubjectConfirmationDataNotOnOrAfter: notOnOrAfter,
      NameIDFormat: scenario.nameId.format,
      NameID: scenario.nameId.value,
      InResponseTo: scenario.requestId,
      AuthnInstant: iso(scenario.authnInstant),
      SessionIndex: scenario.sessionIndex,
      SessionNotOnOrAfter: iso(scenario.sessionNotOnOrAfter),
      AuthnContextClassRef: scenario.authnContextClassRef,
      ...attributeValues,
    });
    return { id, context };
  };
  // Unused on the customTagReplacement path (the callback sets InResponseTo), but part of the call.
  const requestInfo = { extract: { request: { id: scenario.requestId } } };
  // samlify's default order (encryptThenSign false) signs the Response before it encrypts the
  // assertion, so a Response both signed and encrypted fails its digest (our SP: DIGEST_MISMATCH).
  // No variant here is both; the flag only keeps this builder right for one that is.
  const encryptThenSign = variant.encrypt && variant.signResponse;
  return {
    name: 'samlify',
    async build() {
      const { context } = await idp.createLoginResponse(sp, requestInfo, 'post', {}, { customTagReplacement, encryptThenSign });
      return context;
    },
  };
}
