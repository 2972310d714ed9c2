import { failWithDetail } from '../../../errors.js';

/** saml-core §2.3.3 / saml-profiles §4.1.4.2: the assertion's (and response's) Issuer is the IdP. */
export function checkIssuer(issuers: ReadonlyArray<string | undefined>, expected: string): void {
  for (const issuer of issuers) {
    if (issuer !== undefined && issuer !== expected) failWithDetail('ISSUER_MISMATCH', 'Issuer is not the expected IdP', { expected, received: issuer });
  }
}
