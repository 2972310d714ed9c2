/**
 * `npm run bench:jwt`: what @koa-mellon/jwt costs (issue #17).
 * 1. Access-token verifications per second through the bridge's middleware (header checks, jose,
 *    claims, the in-memory deny list, ctx.state) against a bare `jose.jwtVerify` with a cached key,
 *    in the same run, rounds interleaved; medians and their ratio (target: within 1.3x).
 * 2. Refresh rotations per second (one family, sequential: each rotation is a get, a set-if-absent,
 *    a delete, a set, an index add, and a token mint) on a real Redis and a real PostgreSQL.
 */
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import Koa from 'koa';
import pg from 'pg';
import { jwtVerify } from 'jose';
import { createMemoryStore, createPostgresStore, createRedisStore, migratePostgres, type StateStore } from '@koa-mellon/web';
import { generateJwtKey } from '../packages/jwt/src/index.js';
import { createBridgeRuntime, type BridgeRuntime } from '../packages/jwt/src/runtime.js';
import { createAuthenticate } from '../packages/jwt/src/web/authenticate.js';
import { issueTokens } from '../packages/jwt/src/tokens/issue.js';
import { TestRedis } from '../test/helpers/redis.js';
import { TestPostgres } from '../test/helpers/postgres.js';

const ROUNDS = 7;
const VERIFICATIONS = 5000;
const ROTATIONS = 300;
const SILENT = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const SAML = { issuer: 'https://idp.example.test/metadata/', nameIdContent: 'alice', authnInstant: new Date().toISOString(), sessionIndex: 's', attributes: {} };

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

async function runtime(store: StateStore, alg: 'EdDSA' | 'ES256' | 'RS256'): Promise<BridgeRuntime> {
  const rt = await createBridgeRuntime({
    issuer: 'https://app.example.test',
    audience: 'https://app.example.test/api',
    keys: [{ kid: 'k', alg, privateKey: generateJwtKey(alg).privateKey, use: 'sign' }],
    store,
    secret: 'bench-secret-bench-secret-bench-secret',
    logger: SILENT,
  });
  await rt.denyList.start();
  return rt;
}

async function opsPerSecond(count: number, op: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) await op();
  return count / (Number(process.hrtime.bigint() - start) / 1e9);
}

async function benchVerify(alg: 'EdDSA' | 'ES256' | 'RS256'): Promise<void> {
  const rt = await runtime(createMemoryStore(), alg);
  const { family, refreshToken } = await rt.families.create({ subject: 'u-1', clientId: 'cookie', claims: { email: 'alice@example.test' }, saml: SAML });
  const { accessToken } = await issueTokens(rt, family, refreshToken);
  // A deny list of realistic size: a thousand revoked tokens of other users.
  for (let i = 0; i < 1000; i++) await rt.denyList.deny(rt.issuer, `other-${i}`, Date.now() + 300_000);
  const middleware = createAuthenticate(rt, 'api');
  const app = new Koa();
  const req = new IncomingMessage(new Socket());
  req.headers['authorization'] = `Bearer ${accessToken}`;
  const ctx = app.createContext(req, new ServerResponse(req));
  const next = async () => undefined;
  const key = rt.keys.signing.verifyKey;
  const options = { algorithms: [alg], issuer: rt.issuer, audience: rt.audience };
  const bare: number[] = [];
  const ours: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    bare.push(await opsPerSecond(VERIFICATIONS, () => jwtVerify(accessToken, key, options)));
    ours.push(await opsPerSecond(VERIFICATIONS, async () => {
      await middleware(ctx, next);
      if (ctx.state.jwt === undefined) throw new Error('the middleware refused the token');
      delete ctx.state.jwt;
    }));
  }
  const [b, o] = [median(bare), median(ours)];
  console.log(`verify ${alg.padEnd(5)}  bare jose.jwtVerify ${b.toFixed(0).padStart(7)}/s   middleware ${o.toFixed(0).padStart(7)}/s   ratio ${(b / o).toFixed(2)}x`);
  await rt.denyList.stop();
}

async function benchRotation(name: string, store: StateStore): Promise<void> {
  const rt = await runtime(store, 'EdDSA');
  const results: number[] = [];
  for (let round = 0; round < 3; round++) {
    let { refreshToken } = await rt.families.create({ subject: 'u-1', clientId: 'cookie', claims: {}, saml: SAML });
    results.push(await opsPerSecond(ROTATIONS, async () => {
      const rotated = await rt.families.rotate(refreshToken, 'cookie');
      await issueTokens(rt, rotated.family, rotated.refreshToken);
      refreshToken = rotated.refreshToken;
    }));
  }
  console.log(`rotate on ${name.padEnd(10)}  ${median(results).toFixed(0).padStart(6)} rotations/s (median of 3 x ${ROTATIONS}, sequential, token minted each time)`);
  await rt.denyList.stop();
}

console.log(`node ${process.version}; ${ROUNDS} interleaved rounds of ${VERIFICATIONS} verifications; medians`);
for (const alg of ['EdDSA', 'ES256', 'RS256'] as const) await benchVerify(alg);
const redis = await TestRedis.start();
const redisStore = await createRedisStore({ url: redis.url, prefix: 'bench' });
await benchRotation('Redis', redisStore);
await redisStore.close();
await redis.stop();
const postgres = await TestPostgres.start();
const admin = new pg.Pool({ connectionString: postgres.url, max: 1 });
await migratePostgres(admin);
await admin.end();
const pgStore = await createPostgresStore({ connectionString: postgres.url });
await benchRotation('PostgreSQL', pgStore);
await pgStore.close();
await postgres.stop();
await benchRotation('memory', createMemoryStore());
process.exit(0);
