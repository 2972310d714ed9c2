import type { Context } from 'koa';
import { fail } from '@koa-mellon/saml';
import { readForm } from '@koa-mellon/web';
import { findClient, redeemCode } from '../handoff/code.js';
import type { BridgeRuntime } from '../runtime.js';
import { issueTokens, tokenResponse } from '../tokens/issue.js';
import { applyCors } from './cors.js';

/**
 * POST token/ (RFC 6749 §4.1.3, §6) for front ends on other origins: `authorization_code` with the
 * PKCE verifier, or `refresh_token` (rotated: RFC 9700 §4.14.2). Tokens go in the response body,
 * never in a URL, with `Cache-Control: no-store` (RFC 6749 §5.1).
 */
export async function token(ctx: Context, rt: BridgeRuntime): Promise<void> {
  if (applyCors(ctx, rt)) return;
  const form = await readForm(ctx, 16 * 1024, { timeoutMs: 10_000 });
  const client = findClient(rt, form.get('client_id'));
  const grantType = form.get('grant_type');
  let issued;
  if (grantType === 'authorization_code') {
    const created = await redeemCode(rt, { code: form.get('code') ?? '', clientId: client.clientId, redirectUri: form.get('redirect_uri') ?? '', codeVerifier: form.get('code_verifier') ?? '' });
    issued = await issueTokens(rt, created.family, created.refreshToken);
  } else if (grantType === 'refresh_token') {
    const rotated = await rt.families.rotate(form.get('refresh_token') ?? '', client.clientId);
    issued = await issueTokens(rt, rotated.family, rotated.refreshToken);
  } else {
    fail('MESSAGE_INVALID', 'unsupported grant_type');
  }
  ctx.set('Cache-Control', 'no-store');
  ctx.body = tokenResponse(rt, issued);
}
