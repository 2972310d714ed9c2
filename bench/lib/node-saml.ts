import { SAML, ValidateInResponseTo } from '@node-saml/node-saml';
import { BENCH_CLOCK_SKEW_MS, type BenchContext, type Contender } from './contender.js';

/**
 * @node-saml/node-saml configured to check what we check. Its clock cannot be frozen, so the
 * skew is made huge: the time checks still run, they just never fail. It does not track request
 * IDs here (`never`), matching our always-fresh store.
 */
export function createNodeSaml(ctx: BenchContext): Contender {
  const saml = new SAML({
    idpCert: ctx.idp.certPem,
    idpIssuer: ctx.idpEntityId,
    issuer: ctx.spEntityId,
    callbackUrl: ctx.acsUrl,
    audience: ctx.spEntityId,
    wantAssertionsSigned: true,
    // We always verify a Response signature that is present; node-saml only refuses a bad one
    // when told the Response must be signed. Same work either way, same strictness this way.
    wantAuthnResponseSigned: ctx.variant.signResponse,
    validateInResponseTo: ValidateInResponseTo.never,
    acceptedClockSkewMs: BENCH_CLOCK_SKEW_MS,
    decryptionPvk: ctx.sp.keyPem,
  });
  return {
    name: 'node-saml',
    async validate(samlResponse) {
      const { profile } = await saml.validatePostResponseAsync({ SAMLResponse: samlResponse });
      if (!profile) throw new Error('node-saml returned no profile');
      return profile.nameID;
    },
  };
}
