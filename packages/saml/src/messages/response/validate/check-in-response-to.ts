import { fail, failWithDetail } from '../../../errors.js';
import type { RequestIdStore } from '../types.js';

/**
 * saml-profiles §4.1.4.3: InResponseTo must name a request we sent and have not seen answered;
 * it is consumed (single use). Without InResponseTo, the login is IdP-initiated and accepted only
 * when the caller allows it.
 */
export async function checkInResponseTo(
  inResponseTo: string | undefined,
  context: { requestIds?: RequestIdStore | undefined; allowUnsolicited: boolean },
): Promise<void> {
  if (inResponseTo === undefined) {
    if (!context.allowUnsolicited) fail('UNSOLICITED_RESPONSE', 'response without InResponseTo');
    return;
  }
  if (!context.requestIds || !(await context.requestIds.consume(inResponseTo))) {
    failWithDetail('IN_RESPONSE_TO_MISMATCH', 'InResponseTo is not an outstanding request of ours', { expected: 'an outstanding AuthnRequest ID of ours for this IdP', received: inResponseTo });
  }
}
