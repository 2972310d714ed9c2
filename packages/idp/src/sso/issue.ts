import { AUTHN_CONTEXT, KEY_TRANSPORT, STATUS, buildResponse, fail, isBlockEncryptionAllowed, type EncryptOptions, type MetadataKey } from '@koa-mellon/saml';
import { releaseAttributes } from '../attributes.js';
import { nameIdFor } from '../nameid.js';
import type { IdpRuntime, SpMetadata } from '../runtime.js';
import { signingOptions } from '../signing.js';
import type { IdpUser } from '../settings/types.js';
import { need, type SsoState } from './context.js';
import { refuse, type Exit } from './exit.js';

/**
 * The NameID for this SP in the format the pending request settled (saml-core §3.4.1.1): a user
 * with no value for it gets InvalidNameIDPolicy.
 */
export async function chooseNameId<U extends IdpUser>(state: SsoState<U>): Promise<Exit> {
  const { rt } = state;
  const { sp, entity } = need(state, 'sp');
  const pending = need(state, 'pending');
  const visits = await rt.sessions.visits(need(state, 'session'));
  state.visits = visits;
  const nameId = pending.format && nameIdFor({ format: pending.format, user: need(state, 'user'), sp: sp.settings, spEntityId: entity.entityId, idpEntityId: rt.urls.entityId, secret: rt.settings.secret, visits });
  if (!nameId) {
    rt.logger.warn({ sp: entity.entityId, format: pending.format }, 'koa-mellon idp: user has no value for the NameID format');
    return refuse(STATUS.responder, STATUS.invalidNameIdPolicy);
  }
  state.nameId = nameId;
  return undefined;
}

/** The SP is recorded in the IdP session, for single logout; a session ended meanwhile is AuthnFailed. */
export async function recordVisit<U extends IdpUser>(state: SsoState<U>): Promise<Exit> {
  const { rt } = state;
  const spEntityId = need(state, 'sp').entity.entityId;
  const visit = await rt.sessions.recordVisit(need(state, 'session'), { entityId: spEntityId, nameId: need(state, 'nameId') }, need(state, 'visits'));
  if (visit === 'ended') {
    rt.logger.warn({ sp: spEntityId }, 'koa-mellon idp: the IdP session ended while the assertion was being issued');
    return refuse(STATUS.responder, STATUS.authnFailed);
  }
  if (visit === 'full') rt.logger.warn({ sp: spEntityId }, 'koa-mellon idp: the IdP session holds too many SP visits; single logout will not reach this one');
  return undefined;
}

/**
 * The Response with its assertion: NameID, released attributes, AuthnStatement from the IdP
 * session; signed (assertion by default), encrypted when the SP wants it.
 */
export async function buildAssertion<U extends IdpUser>(state: SsoState<U>): Promise<void> {
  const { rt } = state;
  const sp = need(state, 'sp');
  const pending = need(state, 'pending');
  const session = need(state, 'session');
  const settings = sp.sp.settings;
  const now = rt.clock();
  const lifetime = (settings.sessionLifetime ?? rt.sessionLifetime) * 1000;
  const { document, assertionId } = buildResponse({
    issuer: rt.urls.entityId,
    destination: pending.acs.location,
    inResponseTo: pending.requestId,
    assertion: {
      audience: sp.entity.entityId,
      nameId: need(state, 'nameId'),
      authnInstant: session.authnInstant,
      sessionIndex: session.sessionIndex,
      sessionNotOnOrAfter: Math.min(session.expiresAt, now + lifetime),
      authnContextClassRef: authnContextOf(rt, sp),
      attributes: await releaseAttributes(settings.attributes, need(state, 'user'), sp.info),
    },
    signing: signingOptions(rt),
    signAssertion: settings.signAssertion ?? true,
    // Both signed by default: node-saml and pysaml2 want a signed Response, others the assertion.
    signResponse: settings.signResponse ?? true,
    encryption: encryptionFor(sp),
    lifetime: rt.settings.responseLifetime,
    clock: rt.clock,
  });
  rt.logger.info({ sp: sp.entity.entityId, assertionId, requestId: pending.requestId }, 'koa-mellon idp: assertion issued');
  state.response = document;
}

/** The class the SP is told (per SP, else global, else PasswordProtectedTransport). */
export function authnContextOf<U extends IdpUser>(rt: IdpRuntime<U>, sp: SpMetadata<U>): string {
  return sp.sp.settings.authnContextClassRef ?? rt.settings.authnContextClassRef ?? AUTHN_CONTEXT.passwordProtectedTransport;
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
