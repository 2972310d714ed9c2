import type { Assertion } from '@koa-mellon/saml';
import type { MellonAttributes } from '../adapters/types.js';
import type { MellonSession } from '../session/sessions.js';

/**
 * django-mellon's saml_attributes: SAML attributes by Name plus the login's facts under fixed keys.
 * The SAML attributes are copied first so that an IdP cannot shadow a fixed key (an attribute
 * named `issuer` or `name_id_content` is overwritten by the verified value).
 */
export function mellonAttributes(assertion: Assertion, nameId: string | undefined = assertion.nameId): MellonAttributes {
  const out: Record<string, string | readonly string[] | undefined> = Object.create(null);
  for (const [name, values] of Object.entries(assertion.attributes)) out[name] = [...values];
  Object.assign(out, {
    issuer: assertion.issuer,
    name_id_content: nameId,
    name_id_format: assertion.nameIdFormat,
    name_id_name_qualifier: assertion.nameQualifier,
    name_id_sp_name_qualifier: assertion.spNameQualifier,
    authn_instant: assertion.authnInstant.toISOString(),
    session_not_on_or_after: assertion.sessionNotOnOrAfter?.toISOString(),
    authn_context_class_ref: assertion.authnContextClassRef,
    session_index: assertion.sessionIndex,
  });
  return out;
}

/** What `ctx.state.mellon` holds after login (django-mellon's `mellon_session`). */
export function mellonSession(assertion: Assertion): MellonSession {
  return {
    issuer: assertion.issuer,
    nameIdContent: assertion.nameId,
    nameIdFormat: assertion.nameIdFormat,
    nameIdNameQualifier: assertion.nameQualifier,
    nameIdSpNameQualifier: assertion.spNameQualifier,
    authnInstant: assertion.authnInstant.toISOString(),
    sessionNotOnOrAfter: assertion.sessionNotOnOrAfter?.toISOString(),
    authnContextClassRef: assertion.authnContextClassRef,
    sessionIndex: assertion.sessionIndex,
    attributes: { ...assertion.attributes },
  };
}
