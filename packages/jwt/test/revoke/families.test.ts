import { expect, use } from 'chai';
import chaiAsPromised from 'chai-as-promised';
import { MellonError } from '@koa-mellon/saml';
import { createBridgeRuntime, type BridgeRuntime } from '../../src/runtime.js';
import { baseSettings, ISSUER, memoryStore, samlSession } from '../helpers/bridge.js';

use(chaiAsPromised);

describe('Families (refresh rotation)', () => {
  let rt: BridgeRuntime;
  let now: number;
  let warnings: object[];
  beforeEach(async () => {
    now = Date.parse('2026-06-01T12:00:00Z');
    warnings = [];
    const logger = { debug: () => undefined, info: () => undefined, warn: (obj: object) => void warnings.push(obj), error: () => undefined };
    rt = await createBridgeRuntime(baseSettings(memoryStore(), { clock: () => now, logger, refreshIdleLifetime: 3600, refreshAbsoluteLifetime: 8 * 3600 }));
    await rt.denyList.start();
  });
  afterEach(() => rt.denyList.stop());
  const create = (saml = samlSession()) => rt.families.create({ subject: 'u-1', clientId: 'spa', claims: {}, saml });
  const rejected = (p: Promise<unknown>, code: string) => expect(p).to.be.rejectedWith(MellonError).and.eventually.have.property('code', code);

  it('rotates: each refresh token works once and yields a new one of the same family', async () => {
    const { family, refreshToken } = await create();
    const next = await rt.families.rotate(refreshToken, 'spa');
    expect(next.family.id).to.equal(family.id);
    expect(next.refreshToken).to.not.equal(refreshToken);
    expect((await rt.families.rotate(next.refreshToken, 'spa')).family.id).to.equal(family.id);
  });

  it('reuse of a rotated token: REFRESH_TOKEN_REUSED, the whole family revoked (the newest token too), its live access tokens denied, and a warning logged', async () => {
    const { family, refreshToken } = await create();
    await rt.families.recordAccessToken(family.id, 'jti-1', now + 300_000);
    const next = await rt.families.rotate(refreshToken, 'spa');
    await rejected(rt.families.rotate(refreshToken, 'spa'), 'REFRESH_TOKEN_REUSED');
    await rejected(rt.families.rotate(next.refreshToken, 'spa'), 'TOKEN_REVOKED');
    expect(rt.denyList.has(ISSUER, 'jti-1')).to.equal(true);
    expect(warnings).to.deep.include({ family: family.id, code: 'REFRESH_TOKEN_REUSED' });
  });

  it('refuses an unknown token and a token of another client (REFRESH_TOKEN_INVALID)', async () => {
    const { refreshToken } = await create();
    await rejected(rt.families.rotate('guessed', 'spa'), 'REFRESH_TOKEN_INVALID');
    await rejected(rt.families.rotate(refreshToken, 'other'), 'REFRESH_TOKEN_INVALID');
  });

  it('idle timeout: a token unused for refreshIdleLifetime is refused', async () => {
    const { refreshToken } = await create();
    now += 3600_000;
    await rejected(rt.families.rotate(refreshToken, 'spa'), 'REFRESH_TOKEN_INVALID');
  });

  it('absolute lifetime: rotating every 50 minutes still ends after refreshAbsoluteLifetime', async () => {
    let { refreshToken } = await create();
    for (let i = 0; i < 12; i++) {
      now += 50 * 60_000;
      if (now >= Date.parse('2026-06-01T20:00:00Z')) {
        await rejected(rt.families.rotate(refreshToken, 'spa'), 'REFRESH_TOKEN_INVALID');
        return;
      }
      ({ refreshToken } = await rt.families.rotate(refreshToken, 'spa'));
    }
    expect.fail('the family outlived its absolute lifetime');
  });

  it("never outlives the assertion's SessionNotOnOrAfter, and a family for an ended SAML session is refused", async () => {
    const { family, refreshToken } = await create(samlSession({ sessionNotOnOrAfter: new Date(now + 30 * 60_000).toISOString() }));
    expect(family.notAfter).to.equal(now + 30 * 60_000);
    now += 30 * 60_000;
    await rejected(rt.families.rotate(refreshToken, 'spa'), 'REFRESH_TOKEN_INVALID');
    await rejected(create(samlSession({ sessionNotOnOrAfter: new Date(now - 1).toISOString() })), 'REFRESH_TOKEN_INVALID');
  });

  it('revokeBySaml: ends only the families of that NameID and SessionIndex', async () => {
    const one = await create(samlSession({ sessionIndex: 'a' }));
    const two = await create(samlSession({ sessionIndex: 'b' }));
    const other = await create(samlSession({ nameIdContent: 'someone-else', sessionIndex: 'a' }));
    expect(await rt.families.revokeBySaml(samlSession().issuer, 'pairwise-alice', ['a'])).to.equal(1);
    await rejected(rt.families.rotate(one.refreshToken, 'spa'), 'TOKEN_REVOKED');
    expect((await rt.families.rotate(two.refreshToken, 'spa')).family.id).to.equal(two.family.id);
    expect((await rt.families.rotate(other.refreshToken, 'spa')).family.id).to.equal(other.family.id);
  });
});
