import { BINDING, fail, parseLogoutResponse } from '@koa-mellon/saml';
import { safeNext } from '@koa-mellon/web';
import type { IdpUser } from '../settings/types.js';
import { acceptLogoutRequest } from './accept-request.js';
import { ANSWERED, need, type SloState } from './context.js';
import { continueLogout, startLogout } from './propagate.js';

/**
 * slo/?next=… without a SAML message: the user logs out at the IdP (and, through the browser,
 * at every SP of the session), then goes to `next` (same site only). A POST must carry a message.
 */
export async function logoutFromIdp<U extends IdpUser>(state: SloState<U>): Promise<typeof ANSWERED | void> {
  const { ctx, rt } = state;
  const query = need(state, 'query');
  const form = need(state, 'form');
  if (['SAMLRequest', 'SAMLResponse'].some((name) => query.has(name) || form.has(name))) return;
  if (ctx.method === 'POST') fail('BINDING_INVALID', 'POST slo/ without a SAML message');
  await startLogout(ctx, rt, await rt.sessions.load(ctx), undefined, safeNext(query.get('next'), '/'));
  return ANSWERED;
}

/** A LogoutRequest: not expired, not replayed, and the IdP session it names (accept-request.ts). */
export async function acceptRequest<U extends IdpUser>(state: SloState<U>): Promise<void> {
  const message = need(state, 'message');
  if (message.kind !== 'LogoutRequest') return;
  const { rt, ctx } = state;
  const { request, session } = await acceptLogoutRequest(rt, spOf(state).entity.entityId, message.parsed.root, await rt.sessions.load(ctx));
  state.request = request;
  state.session = session;
}

/**
 * saml-profiles §4.4.3.2: the IdP session ends and every other SP of it is told, one after the
 * other through the browser; the initiator gets the last word, on the binding it used.
 */
export async function startFromRequest<U extends IdpUser>(state: SloState<U>): Promise<typeof ANSWERED | void> {
  const message = need(state, 'message');
  if (message.kind !== 'LogoutRequest') return;
  await startLogout(state.ctx, state.rt, state.session, {
    entityId: spOf(state).entity.entityId,
    requestId: need(state, 'request').id,
    relayState: message.relayState,
    binding: message.redirect ? BINDING.redirect : BINDING.post,
  });
  return ANSWERED;
}

/** A LogoutResponse answers one of our LogoutRequests: its run goes on (propagate.ts checks that it is ours). */
export async function continueFromResponse<U extends IdpUser>(state: SloState<U>): Promise<void> {
  const message = need(state, 'message');
  if (message.kind !== 'LogoutResponse') return;
  const response = parseLogoutResponse(message.parsed.root);
  await continueLogout(state.ctx, state.rt, spOf(state).entity.entityId, response.inResponseTo, response.success);
}

function spOf<U extends IdpUser>(state: SloState<U>) {
  const sp = need(state, 'message').sp;
  if (!sp) throw new Error('slo step ran before the SP was identified');
  return sp;
}
