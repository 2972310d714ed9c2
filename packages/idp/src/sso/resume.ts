import { fail } from '@koa-mellon/saml';
import { readQuery } from '@koa-mellon/web';
import type { IdpUser } from '../settings/types.js';
import type { SsoState } from './context.js';
import { takePending } from './pending.js';

/**
 * GET sso/resume/?k=…: back from the login page (or the POST hop). The key is single use and
 * the request must come back to the browser it was bound to (a stolen link logs no one in).
 */
export async function takeResumed<U extends IdpUser>(state: SsoState<U>): Promise<void> {
  const { ctx, rt } = state;
  const pending = await takePending(rt, readQuery(ctx).get('k'));
  state.trace.adopt(pending?.trace);
  if (!pending) fail('IN_RESPONSE_TO_MISMATCH', 'no pending request under this key (expired or already used)');
  if (!pending.browser || !rt.sessions.isSameBrowser(ctx, pending.browser)) fail('LOGIN_BROWSER_MISMATCH', 'pending request resumed in another browser');
  state.pending = pending;
}
