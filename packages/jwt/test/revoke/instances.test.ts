import { expect } from 'chai';
import pg from 'pg';
import { createPostgresStore, createRedisStore, migratePostgres, type StateStore } from '@koa-mellon/web';
import { COOKIE } from '../../src/index.js';
import { createSamlHooks } from '../../src/saml/hooks.js';
import { TestPostgres } from '../../../../test/helpers/postgres.js';
import { TestRedis } from '../../../../test/helpers/redis.js';
import { BridgeApp, baseSettings, cookiesOf, samlSession } from '../helpers/bridge.js';

/** Waits (bounded) for a condition that another instance makes true through publish/subscribe. */
async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  expect.fail(`never happened: ${what}`);
}

interface Backend {
  readonly name: string;
  start(): Promise<void>;
  open(): Promise<StateStore>;
  stop(): Promise<void>;
}

let redis: TestRedis | undefined;
let postgres: TestPostgres | undefined;
const BACKENDS: Backend[] = [
  {
    name: 'Redis',
    start: async () => void (redis = await TestRedis.start()),
    open: () => createRedisStore({ url: redis?.url ?? '', prefix: 'jwt-test' }),
    stop: async () => redis?.stop(),
  },
  {
    name: 'PostgreSQL',
    async start() {
      postgres = await TestPostgres.start();
      const admin = new pg.Pool({ connectionString: postgres.url, max: 1 });
      await migratePostgres(admin);
      await admin.end();
    },
    open: () => createPostgresStore({ connectionString: postgres?.url ?? '' }),
    stop: async () => postgres?.stop(),
  },
];

for (const backend of BACKENDS) {
  describe(`two bridge instances on ${backend.name}`, function () {
    this.timeout(30_000);
    let stores: StateStore[];
    let a: BridgeApp;
    let b: BridgeApp;
    before(() => backend.start());
    after(() => backend.stop());
    beforeEach(async () => {
      stores = [await backend.open(), await backend.open()];
      a = await BridgeApp.start(baseSettings(stores[0] as StateStore));
      b = await BridgeApp.start(baseSettings(stores[1] as StateStore));
    });
    afterEach(async () => {
      await a.stop();
      await b.stop();
      for (const store of stores) await store.close();
    });

    const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });
    const loginOn = async (app: BridgeApp, idx: string) => cookiesOf(await app.fetch(`/test/login?user=alice&idx=${idx}`));

    it("an IdP LogoutRequest handled on A denies the access token on B (B's local deny list, kept current by publish/subscribe), and its refresh token", async () => {
      const jar = await loginOn(a, `idx-${backend.name}-1`);
      const token = jar.get(COOKIE.access) ?? '';
      expect((await b.fetch('/api/me', bearer(token))).status).to.equal(200);
      // What koa-mellon calls on A after a verified LogoutRequest (Redirect, POST or SOAP).
      await createSamlHooks(a.rt).federatedLogout({ issuer: samlSession().issuer, nameId: 'pairwise-alice', sessionIndexes: [`idx-${backend.name}-1`] });
      await eventually(async () => b.rt.denyList.has(b.rt.issuer, (JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as { jti: string }).jti), 'B learns of the revocation');
      expect(await (await b.fetch('/api/me', bearer(token))).json()).to.have.property('code', 'TOKEN_REVOKED');
      const refresh = await b.fetch('/jwt/refresh', { method: 'POST', cookies: jar, headers: { 'sec-fetch-site': 'same-origin', 'x-csrf-token': jar.get(COOKIE.csrf) ?? '' } });
      expect(await refresh.json()).to.have.property('code', 'TOKEN_REVOKED');
    });

    it('an instance started after a revocation loads the deny list from the store', async () => {
      const token = (await loginOn(a, `idx-${backend.name}-2`)).get(COOKIE.access) ?? '';
      await createSamlHooks(a.rt).federatedLogout({ issuer: samlSession().issuer, nameId: 'pairwise-alice', sessionIndexes: [`idx-${backend.name}-2`] });
      const store = await backend.open();
      const c = await BridgeApp.start(baseSettings(store));
      try {
        expect(await (await c.fetch('/api/me', bearer(token))).json()).to.have.property('code', 'TOKEN_REVOKED');
      } finally {
        await c.stop();
        await store.close();
      }
    });

    it('a rotation race on A and B with the same refresh token: exactly one winner, the other REFRESH_TOKEN_REUSED (and the family revoked)', async () => {
      for (let round = 0; round < 5; round++) {
        const { refreshToken } = await a.rt.families.create({ subject: 'u-1', clientId: 'spa', claims: {}, saml: samlSession() });
        const results = await Promise.allSettled([a.rt.families.rotate(refreshToken, 'spa'), b.rt.families.rotate(refreshToken, 'spa')]);
        const winners = results.filter((r) => r.status === 'fulfilled');
        const losers = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
        expect(winners, `round ${round}`).to.have.length(1);
        expect(losers.map((r) => (r.reason as { code?: string }).code)).to.deep.equal(['REFRESH_TOKEN_REUSED']);
      }
    });

    it('a token minted on A verifies on B with no store call (keys and deny list are local)', async () => {
      const token = (await loginOn(a, 'idx-x')).get(COOKIE.access) ?? '';
      await stores[1]?.close();
      expect((await b.fetch('/api/me', bearer(token))).status).to.equal(200);
    });
  });
}
