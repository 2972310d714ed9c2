import { fail } from '../../../errors.js';
import { checkWindow } from '../../../time.js';
import type { AuthnStatementParts } from '../read-assertion.js';

/** saml-profiles §4.1.4.2: at least one AuthnStatement; an ended IdP session is refused. */
export function checkAuthnStatement(
  statements: readonly AuthnStatementParts[],
  context: { now: number; skewSeconds: number },
): AuthnStatementParts {
  const statement = statements[0];
  if (!statement) fail('AUTHN_STATEMENT_MISSING', 'no AuthnStatement');
  checkWindow(context.now, context.skewSeconds, { notOnOrAfter: statement.sessionNotOnOrAfter }, 'IdP session');
  return statement;
}
