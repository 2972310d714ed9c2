import type { Context } from 'koa';
import { fail } from '@koa-mellon/saml';
import { readQuery } from '@koa-mellon/web';
import { checkRedirectUri, findClient, savePendingAuthorization } from '../handoff/code.js';
import type { BridgeRuntime } from '../runtime.js';
import type { JwtClientSettings } from '../settings.js';
import { requireTrace } from '../web/flow-trace.js';

/** The path the SAML login returns to (as koa-mellon's `next`) when it was started by authorize/. */
export function resumePath(rt: BridgeRuntime): string {
  return `${rt.basePath}/authorize/resume`;
}

/**
 * GET authorize/?response_type=code&client_id&redirect_uri&code_challenge&code_challenge_method=S256[&state]
 * (RFC 6749 §4.1.1, RFC 7636 §4.3): checks the client and its exact redirect URI before anything is
 * sent there (RFC 9700 §4.1.3: never redirect to an unchecked URI), insists on S256 (RFC 9700 §2.1.1:
 * PKCE enforced, no downgrade to `plain`), then sends the browser to the SAML login.
 */
export async function authorize(ctx: Context, rt: BridgeRuntime): Promise<void> {
  const trace = requireTrace(ctx);
  const query = readQuery(ctx);
  let client: JwtClientSettings | undefined;
  const redirectUri = query.get('redirect_uri') ?? '';
  await trace.run('check the client and its exact redirect URI', async () => {
    client = findClient(rt, query.get('client_id'));
    trace.peer(client.clientId);
    checkRedirectUri(client, redirectUri);
  });
  const { clientId } = client as JwtClientSettings; // set by the step above, which threw otherwise
  const challenge = query.get('code_challenge') ?? '';
  await trace.run('check response_type=code and the S256 code challenge', async () => {
    if (query.get('response_type') !== 'code') fail('MESSAGE_INVALID', 'response_type must be code');
    if (query.get('code_challenge_method') !== 'S256' || !/^[A-Za-z0-9_-]{43}$/.test(challenge)) fail('PKCE_INVALID', 'an S256 code_challenge is required');
  });
  await trace.run('hold the authorization request, send the browser to the SAML login', async () => {
    const state = query.get('state');
    // The trace goes with it: the SAML login and the code exchange join this one.
    const id = await savePendingAuthorization(rt, { clientId, redirectUri, codeChallenge: challenge, trace: trace.reference, ...(state !== undefined ? { state } : {}) });
    const loginUrl = rt.settings.samlLoginUrl;
    if (loginUrl === undefined) fail('CONFIG_INVALID', 'samlLoginUrl is not set: the code handoff cannot start a SAML login');
    const target = new URL(loginUrl);
    target.searchParams.set('next', `${resumePath(rt)}?r=${id}`);
    rt.logger.info({ client: clientId }, 'koa-mellon jwt: authorization request held, SAML login started');
    ctx.redirect(target.href);
  });
}
