import { timeVerdict } from './arbitraries.js';
import type { ResponseModel } from './response-model.js';
import { BEARER, SUCCESS } from './saml-ns.js';
import { xmlTrim } from './xml-tree.js';

/**
 * What a correct SP must do with a signed response:
 * - no verdict: accept it with the identity the model says, or refuse it with a documented code
 *   (time windows are only judged well away from the clock-skew edges);
 * - `refuse`: refuse it. `signed` reasons are about what the IdP signed, so no later damage to the
 *   bytes can undo them; `envelope` ones are about unsigned parts, which damage may remove.
 */
export type Verdict = { readonly refuse?: { readonly reason: string; readonly scope: 'signed' | 'envelope' } | undefined };

export const refuse = (reason: string, scope: 'signed' | 'envelope' = 'signed'): Verdict => ({ refuse: { reason, scope } });
export const OK: Verdict = {};

/** Where the response is going and what the SP waits for. */
export interface Judged {
  readonly spEntityId: string;
  readonly acsUrl: string;
  readonly idpEntityId: string;
  /** The AuthnRequest ID the SP waits for (SP-initiated), else undefined. */
  readonly requestId: string | undefined;
  /** The SP refuses unsolicited responses. */
  readonly strict: boolean;
}

/**
 * What the final model deserves, by the rules of saml-core and saml-profiles §4.1.4.3 as
 * docs/security.md states them (exact comparisons; XML whitespace around Issuer and Audience is
 * tolerated, NameIDs are taken exactly as signed; time is judged only well away from the clock-skew edges).
 */
export function judgeResponse(m: ResponseModel, e: Judged): Verdict[] {
  const out: Verdict[] = [];
  const no = (reason: string, scope: 'signed' | 'envelope' = 'signed') => out.push(refuse(reason, scope));
  const seconds = (t: number | undefined) => (t === undefined ? undefined : (t - m.now) / 1000);
  if (m.version !== '2.0') no('Response is not SAML 2.0', 'envelope');
  if (m.assertionVersion !== '2.0') no('Assertion is not SAML 2.0');
  if (m.status !== SUCCESS) no('Status is not Success', 'envelope');
  if (m.destination !== undefined && m.destination !== e.acsUrl) no('Destination is not our ACS', 'envelope');
  if (m.responseIssuer !== undefined && xmlTrim(m.responseIssuer) !== e.idpEntityId) no('Response Issuer is not the IdP', 'envelope');
  if (xmlTrim(m.assertionIssuer) !== e.idpEntityId) no('Assertion Issuer is not the IdP');
  if (!m.nameId) no('no NameID');
  else if (xmlTrim(m.nameId.value) === '') no('empty NameID');
  if (m.authn.length === 0) no('no AuthnStatement');
  const restrictions = m.conditions?.audiences ?? [];
  if (restrictions.length === 0) no('no AudienceRestriction (saml-profiles §4.1.4.2)');
  if (restrictions.some((list) => !list.some((a) => xmlTrim(a) === e.spEntityId))) no('an AudienceRestriction excludes this SP (saml-core §2.5.1.4)');
  const notBefore = seconds(m.conditions?.notBefore);
  const notOnOrAfter = seconds(m.conditions?.notOnOrAfter);
  if ((notBefore !== undefined && timeVerdict(true, notBefore) === 'bad') || (notOnOrAfter !== undefined && timeVerdict(false, notOnOrAfter) === 'bad')) no('Conditions exclude now');
  const signedOk = m.confirmations.filter((c) => {
    const until = seconds(c.notOnOrAfter);
    // A NotBefore there (saml-profiles §4.1.4.2 forbids it; SecureWorks sends it) is a lower bound.
    const from = seconds(c.notBefore);
    return c.method === BEARER && (from === undefined || timeVerdict(true, from) !== 'bad') && until !== undefined && timeVerdict(false, until) !== 'bad' && c.recipient === e.acsUrl;
  });
  const usable = signedOk.filter((c) => !(c.inResponseTo !== undefined && m.inResponseTo !== undefined && c.inResponseTo !== m.inResponseTo));
  if (signedOk.length === 0) no('no bearer SubjectConfirmation satisfies the profile (Recipient, NotOnOrAfter, NotBefore not in the future)');
  else if (usable.length === 0) no('InResponseTo differs between Response and SubjectConfirmationData', 'envelope');
  const bearerAnswers = usable[0]?.inResponseTo;
  const answered = bearerAnswers ?? m.inResponseTo;
  const scope = bearerAnswers === undefined ? 'envelope' : 'signed';
  if (answered === undefined ? e.strict : answered !== e.requestId) no(answered === undefined ? 'unsolicited response at an SP that refuses them' : 'InResponseTo names no request of ours', scope);
  return out;
}
