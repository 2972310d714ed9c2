import { expect, use } from 'chai';
import chaiAsPromised from 'chai-as-promised';
import { MellonError } from '@koa-mellon/saml';
import { createMemoryStore, type StateNamespace, type StateStore } from '@koa-mellon/web';
import { createBridgeRuntime, type BridgeRuntime } from '../../src/runtime.js';
import { issueTokens } from '../../src/tokens/issue.js';
import { ISSUER, baseSettings, samlSession } from '../helpers/bridge.js';

use(chaiAsPromised);

describe('issueTokens', () => {
  it('a revocation that lands while a token is minted (after the family was read, before its jti was recorded) still denies that token', async () => {
    const memory = createMemoryStore();
    let rt: BridgeRuntime | undefined;
    let interleave: (() => Promise<void>) | undefined;
    // The real memory store; only the moment of the concurrent revocation is chosen by the test.
    const store: StateStore = {
      close: () => memory.close(),
      namespace(name) {
        const ns = memory.namespace(name);
        return new Proxy(ns, {
          get(target, prop, receiver) {
            if (prop !== 'indexAdd') return Reflect.get(target, prop, receiver) as unknown;
            return async (key: string, member: string, ttl: number) => {
              const run = interleave;
              interleave = undefined;
              if (run && key.startsWith('j:')) await run();
              return target.indexAdd(key, member, ttl);
            };
          },
        }) as StateNamespace; // a Proxy of the namespace itself: every other member is the real one
      },
    };
    rt = await createBridgeRuntime(baseSettings(store));
    await rt.denyList.start();
    const { family, refreshToken } = await rt.families.create({ subject: 'u-1', clientId: 'spa', claims: {}, saml: samlSession() });
    const runtime = rt;
    interleave = async () => void (await runtime.families.revoke(family.id, 'test'));
    await expect(issueTokens(rt, family, refreshToken)).to.be.rejectedWith(MellonError).and.eventually.have.property('code', 'TOKEN_REVOKED');
    const jti = JSON.parse((await memory.namespace('jwt').indexMembers(`j:${family.id}`))[0] ?? '[]')[0] as string;
    expect(rt.denyList.has(ISSUER, jti)).to.equal(true);
    await rt.denyList.stop();
  });
});
