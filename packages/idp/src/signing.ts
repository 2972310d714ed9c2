import type { SignOptions } from '@koa-mellon/saml';
import type { IdpRuntime } from './runtime.js';
import type { IdpUser } from './settings/types.js';

/** How the IdP signs every message it sends (Responses, logout messages, ArtifactResponses): its key, its algorithm. */
export function signingOptions<U extends IdpUser>(rt: IdpRuntime<U>): SignOptions {
  const key = rt.keys.signingKey;
  return {
    privateKey: key,
    certificate: rt.keys.signingCertificate,
    ...(key.asymmetricKeyType === 'rsa' && rt.settings.signatureAlgorithm ? { signatureAlgorithm: rt.settings.signatureAlgorithm } : {}),
  };
}
