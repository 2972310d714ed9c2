import type { KeyObject } from 'node:crypto';
import type { ReplayCache, RequestIdStore, ResponseValidationOptions } from '@koa-mellon/saml';
import { testKeyPair } from './keys.js';
import { ACS_URL, IDP_ENTITY_ID, REQUEST_ID, SP_ENTITY_ID } from './response-fixture.js';

/** A replay cache in a Map, as a single process would keep it. */
export function memoryReplayCache(): ReplayCache & { seen: Map<string, number> } {
  const seen = new Map<string, number>();
  return {
    seen,
    markSeen(id, expiresAt) {
      if (seen.has(id)) return false;
      seen.set(id, expiresAt);
      return true;
    },
  };
}

/** Outstanding request IDs; `consume` removes them (single use). */
export function memoryRequestIds(...ids: string[]): RequestIdStore & { ids: Set<string> } {
  const set = new Set(ids);
  return { ids: set, consume: (id) => set.delete(id) };
}

/** Validation options matching the fixtures' defaults; override what a test changes. */
export function validationOptions(overrides: Partial<ResponseValidationOptions> & { signingKeys?: KeyObject[] } = {}): ResponseValidationOptions {
  const { signingKeys, ...rest } = overrides;
  return {
    idp: { entityId: IDP_ENTITY_ID, signingKeys: signingKeys ?? [testKeyPair('idp').publicKey] },
    sp: { entityId: SP_ENTITY_ID, acsUrl: ACS_URL, decryptionKeys: [testKeyPair('sp').privateKey] },
    replayCache: memoryReplayCache(),
    requestIds: memoryRequestIds(REQUEST_ID),
    ...rest,
  };
}
