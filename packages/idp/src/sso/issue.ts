import {
  AUTHN_CONTEXT,
  BINDING,
  KEY_TRANSPORT,
  STATUS,
  buildResponse,
  createArtifact,
  encodePostForm,
  fail,
  isBlockEncryptionAllowed,
  postFormCsp,
  serializeXml,
  type EncryptOptions,
  type MetadataKey,
  type SignOptions,
} from '@koa-mellon/saml';
import type { Context } from 'koa';
import { releaseAttributes } from '../attributes.js';
import { nameIdFor } from '../nameid.js';
import type { IdpRuntime, SpMetadata } from '../runtime.js';
import type { IdpSessionRecord } from '../state/sessions.js';
import type { IdpUser } from '../settings/types.js';
import type { PendingRequest } from './pending.js';

/** How long an artifact waits for the SP's ArtifactResolve (saml-bindings §3.6.5: short). */
export const ARTIFACT_TTL_MS = 5 * 60 * 1000;

/** What the ArtifactResolutionService hands out, once, to the SP it was issued for. */
export interface StoredArtifact {
  readonly sp: string;
  readonly xml: string;
}

/**
 * Issues the assertion: NameID, released attributes, AuthnStatement from the IdP session; signed
 * (assertion by default), encrypted when the SP wants it, delivered to the verified ACS; and the
 * SP is recorded in the session for single logout.
 */
export async function issueAssertion<U extends IdpUser>(ctx: Context, rt: IdpRuntime<U>, sp: SpMetadata<U>, pending: PendingRequest, user: U, session: IdpSessionRecord): Promise<void> {
  const settings = sp.sp.settings;
  const spEntityId = sp.entity.entityId;
  const visits = await rt.sessions.visits(session);
  const nameId = pending.format && nameIdFor({ format: pending.format, user, sp: settings, spEntityId, idpEntityId: rt.urls.entityId, secret: rt.settings.secret, visits });
  if (!nameId) {
    rt.logger.warn({ sp: spEntityId, format: pending.format }, 'koa-mellon idp: user has no value for the NameID format');
    return sendStatus(ctx, rt, sp, pending, [STATUS.responder, STATUS.invalidNameIdPolicy]);
  }
  const visit = await rt.sessions.recordVisit(session, { entityId: spEntityId, nameId }, visits);
  if (visit === 'ended') {
    rt.logger.warn({ sp: spEntityId }, 'koa-mellon idp: the IdP session ended while the assertion was being issued');
    return sendStatus(ctx, rt, sp, pending, [STATUS.responder, STATUS.authnFailed]);
  }
  if (visit === 'full') rt.logger.warn({ sp: spEntityId }, 'koa-mellon idp: the IdP session holds too many SP visits; single logout will not reach this one');
  const now = rt.clock();
  const lifetime = (settings.sessionLifetime ?? rt.sessionLifetime) * 1000;
  const { document, assertionId } = buildResponse({
    issuer: rt.urls.entityId,
    destination: pending.acs.location,
    inResponseTo: pending.requestId,
    assertion: {
      audience: spEntityId,
      nameId,
      authnInstant: session.authnInstant,
      sessionIndex: session.sessionIndex,
      sessionNotOnOrAfter: Math.min(session.expiresAt, now + lifetime),
      authnContextClassRef: authnContextOf(rt, sp),
      attributes: await releaseAttributes(settings.attributes, user, sp.info),
    },
    signing: signingOptions(rt),
    signAssertion: settings.signAssertion ?? true,
    signResponse: settings.signResponse ?? false,
    encryption: encryptionFor(sp),
    lifetime: rt.settings.responseLifetime,
    clock: rt.clock,
  });
  rt.logger.info({ sp: spEntityId, assertionId, requestId: pending.requestId }, 'koa-mellon idp: assertion issued');
  await deliver(ctx, rt, sp, pending, document);
}

/** An error Response (no assertion), signed, to the verified ACS: NoPassive, RequestDenied... */
export async function sendStatus<U extends IdpUser>(ctx: Context, rt: IdpRuntime<U>, sp: SpMetadata<U>, pending: PendingRequest, codes: readonly string[]): Promise<void> {
  const { document } = buildResponse({
    issuer: rt.urls.entityId,
    destination: pending.acs.location,
    inResponseTo: pending.requestId,
    status: { codes },
    signing: signingOptions(rt),
    signResponse: true,
    clock: rt.clock,
  });
  rt.logger.info({ sp: sp.entity.entityId, status: codes, requestId: pending.requestId }, 'koa-mellon idp: error response sent');
  await deliver(ctx, rt, sp, pending, document);
}

/** The class the SP is told (per SP, else global, else PasswordProtectedTransport). */
export function authnContextOf<U extends IdpUser>(rt: IdpRuntime<U>, sp: SpMetadata<U>): string {
  return sp.sp.settings.authnContextClassRef ?? rt.settings.authnContextClassRef ?? AUTHN_CONTEXT.passwordProtectedTransport;
}

export function signingOptions<U extends IdpUser>(rt: IdpRuntime<U>): SignOptions {
  const key = rt.keys.signingKey;
  return {
    privateKey: key,
    certificate: rt.keys.signingCertificate,
    ...(key.asymmetricKeyType === 'rsa' && rt.settings.signatureAlgorithm ? { signatureAlgorithm: rt.settings.signatureAlgorithm } : {}),
  };
}

/**
 * Encryption to the SP's first encryption key (its metadata, never the request), with the first
 * block cipher its EncryptionMethods list that we support, else aes256-gcm. `encryptAssertions`
 * defaults to "the SP published an encryption key"; forced on without one, it is refused.
 */
function encryptionFor<U extends IdpUser>(sp: SpMetadata<U>): EncryptOptions | undefined {
  const key: MetadataKey | undefined = sp.descriptor.encryptionKeys.find((candidate) => candidate.key.asymmetricKeyType === 'rsa');
  if (!(sp.sp.settings.encryptAssertions ?? key !== undefined)) return undefined;
  if (!key) fail('METADATA_INVALID', 'encryptAssertions is on but the SP metadata has no RSA encryption key');
  const methods = key.encryptionMethods;
  const transport = methods.includes(KEY_TRANSPORT.rsaOaepMgf1p) || !methods.includes(KEY_TRANSPORT.rsaOaep) ? KEY_TRANSPORT.rsaOaepMgf1p : KEY_TRANSPORT.rsaOaep;
  return {
    publicKey: key.key,
    blockAlgorithm: sp.sp.settings.encryptionAlgorithm ?? methods.find((method) => isBlockEncryptionAllowed(method)),
    keyTransport: transport,
    certificate: key.certificate?.raw.toString('base64'),
  };
}

/**
 * saml-bindings §3.5 (HTTP-POST: an auto-submitting form) or §3.6 (HTTP-Artifact: the message
 * waits here, single use, and the browser carries only its artifact).
 */
async function deliver<U extends IdpUser>(ctx: Context, rt: IdpRuntime<U>, sp: SpMetadata<U>, pending: PendingRequest, document: Document): Promise<void> {
  const xml = serializeXml(document);
  ctx.set('Cache-Control', 'no-store');
  if (pending.acs.binding === BINDING.artifact) {
    const { artifact, messageHandle } = createArtifact(rt.urls.entityId, 0);
    const stored: StoredArtifact = { sp: sp.entity.entityId, xml };
    await rt.stores.atomic.setIfAbsent(`art:${messageHandle.toString('hex')}`, stored, ARTIFACT_TTL_MS);
    const url = new URL(pending.acs.location);
    url.searchParams.set('SAMLart', artifact);
    if (pending.relayState !== undefined) url.searchParams.set('RelayState', pending.relayState);
    ctx.redirect(url.href);
    return;
  }
  ctx.set('Content-Security-Policy', postFormCsp());
  ctx.type = 'html';
  ctx.body = encodePostForm({ url: pending.acs.location, parameter: 'SAMLResponse', xml, relayState: pending.relayState });
}
