import { decodeProtectedHeader, errors, jwtVerify, type JWTPayload, type ProtectedHeaderParameters } from 'jose';
import { MellonError, fail, type MellonErrorCode } from '@koa-mellon/saml';
import { ALGORITHMS, type KeySet } from '../keys/key-set.js';
import type { JwtAlgorithm } from '../settings.js';
import { ACCESS_TOKEN_TYPE } from './mint.js';

/** The verified claims of an access token (RFC 9068 §2.2). */
export interface AccessTokenClaims extends JWTPayload {
  readonly iss: string;
  readonly sub: string;
  readonly jti: string;
  readonly exp: number;
  readonly iat: number;
  readonly client_id: string;
  readonly sid: string;
}

export interface VerifyOptions {
  readonly issuer: string;
  readonly audience: string;
  readonly clockSkewSeconds: number;
  readonly now: () => number;
  /** The deny list: true when iss + jti is revoked. */
  readonly isDenied: (iss: string, jti: string) => boolean;
}

/**
 * Verifies an access token. The order is the point: the header is judged against our own key set
 * before any cryptography (RFC 8725 §3.1: `none`, HS* with a public key, an algorithm the named key
 * is not pinned to, an unknown kid are refused without trying), then jose verifies with exactly that
 * key and that one algorithm, then claims, then the deny list. Each refusal has its own code.
 */
export async function verifyAccessToken(keys: KeySet, token: string, options: VerifyOptions): Promise<AccessTokenClaims> {
  if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token)) fail('TOKEN_MALFORMED', 'not a compact JWS');
  const header = readHeader(token);
  if (typeof header.alg !== 'string' || !ALGORITHMS.includes(header.alg as JwtAlgorithm)) fail('TOKEN_ALGORITHM_FORBIDDEN', 'algorithm outside the allow-list');
  const key = typeof header.kid === 'string' ? keys.byKid.get(header.kid) : undefined;
  if (!key) fail('TOKEN_KEY_UNKNOWN', 'no key with this kid');
  if (header.alg !== key.alg) fail('TOKEN_ALGORITHM_FORBIDDEN', 'algorithm differs from the one the key is pinned to');
  // RFC 9068 §4: typ must be at+jwt (or application/at+jwt); RFC 8725 §3.11: kinds never mix.
  if (header.typ !== ACCESS_TOKEN_TYPE && header.typ !== `application/${ACCESS_TOKEN_TYPE}`) fail('TOKEN_TYPE_MISMATCH', 'typ is not at+jwt');
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, key.verifyKey, {
      algorithms: [key.alg],
      issuer: options.issuer,
      audience: options.audience,
      typ: ACCESS_TOKEN_TYPE,
      clockTolerance: options.clockSkewSeconds,
      currentDate: new Date(options.now()),
      requiredClaims: ['iss', 'sub', 'aud', 'exp', 'iat', 'jti', 'client_id', 'sid'],
    }));
  } catch (err) {
    throw new MellonError(codeOf(err), 'access token refused by jose', { cause: err });
  }
  const claims = payload as AccessTokenClaims; // requiredClaims above made each of these present
  if (typeof claims.client_id !== 'string' || typeof claims.sid !== 'string') fail('TOKEN_CLAIM_INVALID', 'client_id or sid is not a string');
  // RFC 9068 §4: iat far in the future means a token from a clock we do not share.
  if (claims.iat * 1000 > options.now() + options.clockSkewSeconds * 1000) fail('TOKEN_CLAIM_INVALID', 'iat in the future');
  if (options.isDenied(claims.iss, claims.jti)) fail('TOKEN_REVOKED', 'jti is on the deny list');
  return claims;
}

function readHeader(token: string): ProtectedHeaderParameters {
  try {
    return decodeProtectedHeader(token);
  } catch (err) {
    throw new MellonError('TOKEN_MALFORMED', 'header is not base64url JSON', { cause: err });
  }
}

function codeOf(err: unknown): MellonErrorCode {
  if (err instanceof errors.JWTExpired) return 'TOKEN_EXPIRED';
  if (err instanceof errors.JWTClaimValidationFailed) return 'TOKEN_CLAIM_INVALID';
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'TOKEN_SIGNATURE_INVALID';
  if (err instanceof errors.JOSEAlgNotAllowed) return 'TOKEN_ALGORITHM_FORBIDDEN';
  if (err instanceof errors.JOSEError) return 'TOKEN_MALFORMED';
  throw err;
}
