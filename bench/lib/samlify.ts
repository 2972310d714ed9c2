import * as samlify from 'samlify';
import { BENCH_CLOCK_SKEW_MS, type BenchContext, type Contender } from './contender.js';

const POST = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST';
const REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';

// samlify refuses to run without a schema validator; XSD validation is not part of what we
// compare (neither we nor node-saml do it), so it is stubbed out. Module-wide, hence set once.
samlify.setSchemaValidator({ validate: async () => 'skipped' });

/**
 * samlify with an IdP whose metadata samlify generates from the IdP's signing certificate, and an
 * SP holding our decryption key. Encryption is an IdP-entity setting in samlify.
 */
export function createSamlify(ctx: BenchContext): Contender {
  const encrypted = ctx.variant.encrypt !== undefined;
  const idp = samlify.IdentityProvider({
    entityID: ctx.idpEntityId,
    signingCert: ctx.idp.certPem,
    isAssertionEncrypted: encrypted,
    singleSignOnService: [{ Binding: REDIRECT, Location: 'https://idp.example.test/sso' }],
    // Only so that samlify does not warn on every construction.
    singleLogoutService: [{ Binding: REDIRECT, Location: 'https://idp.example.test/slo' }],
  });
  const sp = samlify.ServiceProvider({
    entityID: ctx.spEntityId,
    privateKey: ctx.sp.keyPem,
    encPrivateKey: ctx.sp.keyPem,
    encryptCert: ctx.sp.certPem,
    isAssertionEncrypted: encrypted,
    wantAssertionsSigned: true,
    // Its clock cannot be frozen either: time checks run, never fail.
    clockDrifts: [-BENCH_CLOCK_SKEW_MS, BENCH_CLOCK_SKEW_MS],
    assertionConsumerService: [{ Binding: POST, Location: ctx.acsUrl }],
  });
  return {
    name: 'samlify',
    async validate(samlResponse) {
      const { extract } = await sp.parseLoginResponse(idp, 'post', { body: { SAMLResponse: samlResponse } });
      const nameId: unknown = extract['nameID'];
      if (typeof nameId !== 'string') throw new Error('samlify extracted no NameID');
      return nameId;
    },
  };
}
