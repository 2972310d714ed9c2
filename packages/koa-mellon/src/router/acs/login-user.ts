import { NAMEID_FORMAT } from '@koa-mellon/saml';
import { runAdapterChain } from '../../adapters/index.js';
import { mellonAttributes, mellonSession } from '../mellon-attributes.js';
import { safeNext } from '../safe-next.js';
import { need, type AcsState } from './context.js';

/** The adapter chain decides who may log in and who the user is (docs/adapters.md). */
export async function findUser(state: AcsState): Promise<void> {
  const idp = need(state, 'idp');
  const assertion = need(state, 'assertion');
  const s = idp.settings;
  const superuserMapping = Object.fromEntries(Object.entries(s.superuserMapping).map(([k, v]) => [k, typeof v === 'string' ? [v] : v]));
  const context = {
    entityId: assertion.issuer,
    realm: s.realm,
    provision: s.provision,
    usernameTemplate: s.usernameTemplate,
    attributeMapping: s.attributeMapping,
    superuserMapping,
    authnClassRef: s.authnClassRef,
    groupAttribute: s.groupAttribute,
    createGroup: s.createGroup,
    transientFederationAttribute: s.transientFederationAttribute,
    lookupByAttributes: s.lookupByAttributes,
    users: state.rt.users,
  };
  const user = await runAdapterChain(idp.chain, context, mellonAttributes(assertion));
  state.user = user;
  state.rt.logger.info({ idp: assertion.issuer, user: user.id }, 'koa-mellon: user logged in');
}

/** A new session (never the pre-login one), capped at SessionNotOnOrAfter, then on to `next`. */
export async function openSession(state: AcsState): Promise<void> {
  const { ctx, rt } = state;
  const assertion = need(state, 'assertion');
  const user = need(state, 'user');
  const mellon = mellonSession(assertion);
  await rt.sessions.create(ctx, { userId: user.id, mellon }, rt.settings.sessionCookie?.maxAge ?? 8 * 3600);
  ctx.state['user'] = user;
  ctx.state['mellon'] = mellon;
  // IdP-initiated: the IdP's RelayState is only followed when it is a path of this site.
  const fallback = rt.settings.loginRedirectUrl ?? '/';
  const next = state.pending ? state.pending.next : safeNext(state.relayState, fallback);
  ctx.status = 303;
  ctx.redirect(next);
  if (assertion.nameIdFormat === NAMEID_FORMAT.transient) rt.logger.debug({ user: user.id }, 'koa-mellon: transient NameID kept for logout only');
}
