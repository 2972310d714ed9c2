import { expect, use } from 'chai';
import chaiAsPromised from 'chai-as-promised';
import { createClient } from '@redis/client';
import { createRedisStore } from '../../src/index.js';
import { TestRedis } from '../../../../test/helpers/redis.js';

use(chaiAsPromised);

// What the conformance suite cannot say for every backend: the key layout, prefixes, the first connection.
describe('createRedisStore', () => {
  let redis: TestRedis;
  before(async () => {
    redis = await TestRedis.start();
  });
  after(async () => {
    await redis?.stop();
  });

  it('lays keys out as <prefix>:{<namespace>}:<kind>:<key>, one hash tag per namespace', async () => {
    const store = await createRedisStore({ url: redis.url, prefix: 'app' });
    const raw = createClient({ url: redis.url });
    await raw.connect();
    try {
      const ns = store.namespace('org:acme');
      await ns.set('a:b', 1, 60_000);
      await ns.indexAdd('a:b', 'm', 60_000);
      await ns.lease('a:b', 60_000);
      expect((await raw.keys('app:*')).sort()).to.deep.equal(['app:{org:acme}:i:a:b', 'app:{org:acme}:l:a:b', 'app:{org:acme}:v:a:b']);
      expect(await raw.pTTL('app:{org:acme}:i:a:b')).to.be.above(0);
    } finally {
      await raw.close();
      await store.close();
    }
  });

  it('keeps apps with different prefixes apart on one Redis', async () => {
    const one = await createRedisStore({ url: redis.url, prefix: 'one' });
    const two = await createRedisStore({ url: redis.url, prefix: 'two' });
    try {
      await one.namespace('users').set('alice', 1, 60_000);
      expect(await two.namespace('users').get('alice')).to.equal(undefined);
      expect(await two.namespace('users').setIfAbsent('alice', 2, 60_000)).to.equal(true);
    } finally {
      await one.close();
      await two.close();
    }
  });

  it('answers the first calls of an instance that started before Redis', async () => {
    await redis.kill();
    const store = await createRedisStore(redis.url);
    try {
      const first = store.namespace('n').setIfAbsent('k', 1, 60_000);
      await redis.restart();
      expect(await first).to.equal(true);
    } finally {
      await store.close();
    }
  });

  it('needs either a url or the cluster nodes', async () => {
    await expect(createRedisStore({})).to.be.rejectedWith(TypeError);
    await expect(createRedisStore({ url: redis.url, cluster: [redis.url] })).to.be.rejectedWith(TypeError);
    await expect(createRedisStore({ url: redis.url, prefix: '{tag}' })).to.be.rejectedWith(TypeError);
  });
});
