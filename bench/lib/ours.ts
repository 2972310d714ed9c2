import { decodePostParameter, validateResponse, type ResponseValidationOptions } from '@koa-mellon/saml';
import { BENCH_MAX_BYTES, type BenchContext, type Contender } from './contender.js';

/**
 * @koa-mellon/saml as the ACS uses it: decode the posted form value, then `validateResponse`,
 * with keys loaded into KeyObjects once (as from metadata) and every check on.
 */
export function createOurs(ctx: BenchContext): Contender {
  const options: ResponseValidationOptions = {
    idp: { entityId: ctx.idpEntityId, signingKeys: [ctx.idp.publicKey] },
    sp: { entityId: ctx.spEntityId, acsUrl: ctx.acsUrl, decryptionKeys: [ctx.sp.privateKey] },
    // The same Response is validated thousands of times: these stores always answer "fresh", so
    // that the bench measures validation cost, not cache behaviour. Both are still called.
    requestIds: { consume: () => true },
    replayCache: { markSeen: () => true },
    clock: () => ctx.now,
    limits: { maxBytes: BENCH_MAX_BYTES },
  };
  return {
    name: 'us',
    async validate(samlResponse) {
      const xml = decodePostParameter(samlResponse, { maxBytes: BENCH_MAX_BYTES });
      return (await validateResponse(xml, options)).nameId ?? '';
    },
  };
}
