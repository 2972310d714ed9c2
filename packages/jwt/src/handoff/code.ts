import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { fail } from '@koa-mellon/saml';
import type { FlowTrace } from '@koa-mellon/web';
import type { BridgeRuntime } from '../runtime.js';
import type { Family } from '../revoke/families.js';
import { hashToken } from '../revoke/families.js';
import type { BridgeUser, ClaimValue, JwtClientSettings, SamlSession } from '../settings.js';

/** A front end's authorization request, waiting for the SAML login (RFC 6749 §4.1.1, RFC 7636 §4.3). */
export interface PendingAuthorization {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly state?: string | undefined;
  readonly codeChallenge: string;
  /** The flow's trace reference: the SAML login and the code exchange join it. */
  readonly trace?: string | undefined;
}

/** What a one-time code stands for: the login, until the front end redeems it. */
interface CodeGrant extends PendingAuthorization {
  readonly subject: string;
  readonly claims: Readonly<Record<string, ClaimValue>>;
  readonly saml: SamlSession;
}

/** RFC 6749 §4.1.2: "A maximum authorization code lifetime of 10 minutes is RECOMMENDED"; one minute is plenty. */
const CODE_TTL_MS = 60_000;
/** How long a started authorization waits for the SAML login. */
export const AUTHORIZE_TTL_MS = 10 * 60_000;

/** RFC 9700 §4.1.3: exact string comparison, no pattern, no prefix. */
export function checkRedirectUri(client: JwtClientSettings, redirectUri: string): void {
  if (!client.redirectUris.includes(redirectUri)) fail('REDIRECT_URI_NOT_ALLOWED', 'redirect_uri is not registered for this client');
}

export function findClient(rt: BridgeRuntime, clientId: string | undefined): JwtClientSettings {
  const client = clientId === undefined ? undefined : rt.clients.get(clientId);
  if (!client) fail('CLIENT_UNKNOWN', 'no such client_id');
  return client;
}

/** Saves the authorization request under a random id (carried through the SAML login in `next`). */
export async function savePendingAuthorization(rt: BridgeRuntime, pending: PendingAuthorization): Promise<string> {
  const id = randomBytes(16).toString('hex');
  await rt.ns.set(`a:${id}`, pending, AUTHORIZE_TTL_MS);
  return id;
}

export async function takePendingAuthorization(rt: BridgeRuntime, id: string): Promise<PendingAuthorization | undefined> {
  return /^[0-9a-f]{32}$/.test(id) ? rt.ns.take<PendingAuthorization>(`a:${id}`) : undefined;
}

/** A one-time code for the login (stored hashed), to be sent to the redirect URI. */
export async function createCode(rt: BridgeRuntime, pending: PendingAuthorization, user: BridgeUser, claims: Readonly<Record<string, ClaimValue>>, saml: SamlSession): Promise<string> {
  const code = randomBytes(32).toString('base64url');
  const grant: CodeGrant = { ...pending, subject: user.id, claims, saml };
  await rt.ns.set(`c:${hashToken(code)}`, grant, CODE_TTL_MS);
  return code;
}

/**
 * Redeems a code once (atomic take on any instance). A second use finds the "used" mark and
 * revokes the family the first use created (RFC 6749 §4.1.2: SHOULD revoke tokens issued from a
 * replayed code). Then client, redirect URI and the S256 verifier are checked (RFC 7636 §4.6).
 */
export async function redeemCode(rt: BridgeRuntime, input: { code: string; clientId: string; redirectUri: string; codeVerifier: string }, trace?: FlowTrace): Promise<{ family: Family; refreshToken: string }> {
  const hash = hashToken(input.code);
  const grant = await rt.ns.take<CodeGrant>(`c:${hash}`);
  trace?.adopt(grant?.trace);
  if (!grant) {
    const familyId = await rt.ns.get<string>(`cu:${hash}`);
    if (familyId !== undefined) await rt.families.revoke(familyId, 'code-replay');
    fail('CODE_INVALID', familyId === undefined ? 'unknown or expired code' : 'code already used');
  }
  if (grant.clientId !== input.clientId) fail('CODE_INVALID', 'code issued to another client');
  if (grant.redirectUri !== input.redirectUri) fail('CODE_INVALID', 'redirect_uri differs from the authorization request');
  if (!/^[A-Za-z0-9._~-]{43,128}$/.test(input.codeVerifier)) fail('PKCE_INVALID', 'code_verifier missing or malformed (RFC 7636 §4.1)');
  const computed = Buffer.from(createHash('sha256').update(input.codeVerifier).digest('base64url'));
  const expected = Buffer.from(grant.codeChallenge);
  if (computed.length !== expected.length || !timingSafeEqual(computed, expected)) fail('PKCE_INVALID', 'code_verifier does not match the S256 challenge');
  const created = await rt.families.create({ subject: grant.subject, clientId: grant.clientId, claims: grant.claims, saml: grant.saml });
  await rt.ns.set(`cu:${hash}`, created.family.id, Math.max(1, created.family.notAfter - rt.clock()));
  return created;
}
