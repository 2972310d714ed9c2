import { MellonError, STATUS, StatusError, validateParsedResponse } from '@koa-mellon/saml';
import { wantedNameIdFormat } from '../../adapters/name-id-format.js';
import type { PendingLogin } from '../login.js';
import { need, type AcsState } from './context.js';

/**
 * The core's whole check list (docs/security.md) with this IdP's metadata keys, our keys, and the
 * shared store: request IDs are consumed atomically (and must be ours for this IdP), assertion IDs
 * are recorded with SET-if-absent so that two instances cannot both accept one.
 */
export async function validate(state: AcsState): Promise<void> {
  const { rt } = state;
  const idp = need(state, 'idp');
  const { entity, descriptor } = await rt.metadataOf(idp);
  const settings = idp.settings;
  state.assertion = await validateParsedResponse(need(state, 'parsed'), need(state, 'response'), {
    idp: { entityId: entity.entityId, signingKeys: descriptor.signingKeys },
    sp: { entityId: rt.urls.entityId, acsUrl: rt.urls.login, decryptionKeys: idp.keys.decryptionKeys },
    requestIds: {
      consume: async (id) => {
        const pending = await rt.stores.requests.take<PendingLogin>(`req:${id}`);
        if (!pending || pending.idp !== idp.index) return false;
        // Without our RelayState (some IdPs drop it), the request record still knows `next`.
        if (!state.pending) {
          state.pending = pending;
          state.trace.adopt(pending.trace);
        }
        return state.pending.requestId === id;
      },
    },
    // The value is when it was first accepted: a replay's trace says when the original came.
    replayCache: {
      markSeen: (id, expiresAt) => rt.stores.replay.setIfAbsent(`as:${entity.entityId}\n${id}`, rt.clock(), Math.max(1, expiresAt - rt.clock())),
      firstSeen: async (id) => {
        const seen = await rt.stores.replay.get<unknown>(`as:${entity.entityId}\n${id}`);
        return typeof seen === 'number' && seen > 1 ? seen : undefined;
      },
    },
    allowUnsolicited: settings.allowIdpInitiated,
    wantAssertionsSigned: settings.wantAssertionsSigned,
    wantResponseSigned: settings.wantResponseSigned,
    policy: idp.policy,
    limits: { maxBytes: rt.maxMessageBytes },
    clock: rt.clock,
    clockSkew: settings.clockSkew,
    subjectAttribute: settings.transientFederationAttribute,
  }).catch((err: unknown) => {
    throw withSettingHint(err, idp.index, entity.entityId, wantedNameIdFormat(settings));
  });
  state.trace.logger.info({ idp: entity.entityId, assertionId: state.assertion.id }, 'koa-mellon: response verified');
}

/**
 * Refusals an operator fixes with a per-IdP setting say which IdP and which key (docs/settings.md):
 * SHA-1 from a legacy IdP, an assertion without NameID. Same code; the hint goes to the log only.
 * Where the NameID is missing or its format refused by the IdP, the trace's detail also gets the
 * format we want.
 */
function withSettingHint(err: unknown, index: number, entityId: string, nameIdFormatWanted: string): unknown {
  if (!(err instanceof MellonError)) return err;
  const keep = err.detail ? { detail: err.detail } : {};
  if (err instanceof StatusError && err.statusCodes.includes(STATUS.invalidNameIdPolicy)) {
    return new StatusError(err.statusCodes, err.statusMessage, { nameIdFormatWanted });
  }
  const key = `identityProviders[${index}]`;
  if (err.code === 'SIGNATURE_ALGORITHM_FORBIDDEN' && err.message.includes('allowSha1')) {
    return new MellonError(err.code, `${err.message}; IdP ${entityId}: set ${key}.allowSha1 = true only if it cannot sign with SHA-256`, { cause: err, ...keep });
  }
  if (err.code === 'NAMEID_MISSING') {
    return new MellonError(err.code, `${err.message}; IdP ${entityId}: add a NameID rule at the IdP, or set ${key}.transientFederationAttribute to the attribute that identifies the user`, {
      cause: err,
      detail: { ...err.detail, nameIdFormatWanted },
    });
  }
  return err;
}
