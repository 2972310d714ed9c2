import type { Context } from 'koa';
import { fail } from '@koa-mellon/saml';
import { readForm } from '@koa-mellon/web';
import { findClient, redeemCode } from '../handoff/code.js';
import type { BridgeRuntime } from '../runtime.js';
import type { Family } from '../revoke/families.js';
import type { JwtClientSettings } from '../settings.js';
import { issueTokens, tokenResponse, type IssuedTokens } from '../tokens/issue.js';
import { startBridgeTrace, tracedRuntime } from '../web/flow-trace.js';
import { applyCors } from './cors.js';

/**
 * POST token/ (RFC 6749 §4.1.3, §6) for front ends on other origins: `authorization_code` with the
 * PKCE verifier, or `refresh_token` (rotated: RFC 9700 §4.14.2). Tokens go in the response body,
 * never in a URL, with `Cache-Control: no-store` (RFC 6749 §5.1).
 */
export async function token(ctx: Context, untraced: BridgeRuntime): Promise<void> {
  if (applyCors(ctx, untraced)) return;
  const form = await readForm(ctx, 16 * 1024, { timeoutMs: 10_000 });
  const grantType = form.get('grant_type');
  // A code ends the login its authorize/ started (the code joins that trace); a refresh token is a refresh.
  const trace = startBridgeTrace(ctx, untraced, grantType === 'refresh_token' ? 'refresh' : 'login');
  const rt = tracedRuntime(untraced, trace);
  let client: JwtClientSettings | undefined;
  await trace.run('identify the client', async () => {
    client = findClient(rt, form.get('client_id'));
    trace.peer(client.clientId);
  });
  const { clientId } = client as JwtClientSettings; // set by the step above, which threw otherwise
  let issued: IssuedTokens | undefined;
  if (grantType === 'authorization_code') {
    let created: { family: Family; refreshToken: string } | undefined;
    await trace.run('redeem the one-time code (once, same client and redirect URI, PKCE verifier)', async () => {
      created = await redeemCode(rt, { code: form.get('code') ?? '', clientId, redirectUri: form.get('redirect_uri') ?? '', codeVerifier: form.get('code_verifier') ?? '' }, trace);
    });
    const { family, refreshToken } = created as { family: Family; refreshToken: string }; // set above
    await trace.run('issue the access token and the first refresh token', async () => {
      issued = await issueTokens(rt, family, refreshToken);
      rt.logger.info({ client: clientId, family: family.id }, 'koa-mellon jwt: tokens issued for a code');
    });
    trace.complete();
  } else if (grantType === 'refresh_token') {
    await trace.run('rotate the refresh token (a reused one revokes its family)', async () => {
      const rotated = await rt.families.rotate(form.get('refresh_token') ?? '', clientId);
      issued = await issueTokens(rt, rotated.family, rotated.refreshToken);
      rt.logger.info({ client: clientId, family: rotated.family.id }, 'koa-mellon jwt: refresh token rotated');
    });
  } else {
    await trace.run('read grant_type', () => fail('MESSAGE_INVALID', 'unsupported grant_type'));
  }
  ctx.set('Cache-Control', 'no-store');
  ctx.body = tokenResponse(rt, issued as IssuedTokens); // set by the steps above, which threw otherwise
  await trace.flush();
}
