import { failWithDetail } from '../../../errors.js';
import { checkWindow } from '../../../time.js';
import type { AssertionParts } from '../read-assertion.js';

/**
 * saml-core §2.5.1: NotBefore / NotOnOrAfter with the clock skew; §2.5.1.4: every
 * AudienceRestriction must name our entityID (saml-profiles §4.1.4.2 requires at least one).
 */
export function checkConditions(
  conditions: AssertionParts['conditions'],
  context: { spEntityId: string; now: number; skewSeconds: number },
): void {
  if (!conditions || conditions.audienceRestrictions.length === 0) failWithDetail('AUDIENCE_MISMATCH', 'no AudienceRestriction', { expected: context.spEntityId, received: '(none)' });
  checkWindow(context.now, context.skewSeconds, conditions, 'assertion conditions');
  for (const audiences of conditions.audienceRestrictions) {
    if (!audiences.includes(context.spEntityId)) failWithDetail('AUDIENCE_MISMATCH', 'our entityID is not in the audience', { expected: context.spEntityId, received: audiences.join(' ') || '(none)' });
  }
}
