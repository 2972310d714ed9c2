import { createRedisStore } from '../../src/index.js';
import { TestRedis } from '../../../../test/helpers/redis.js';
import { describeConformance } from './conformance.js';

describeConformance(
  'Redis',
  async () => {
    const redis = await TestRedis.start();
    return {
      open: (options = {}) => createRedisStore({ url: redis.url, ...options }),
      remote: { backend: 'redis', url: redis.url },
      server: {
        kill: () => redis.kill(),
        restart: () => redis.restart(),
        hang: async () => {
          redis.pause();
          return async () => redis.resume();
        },
      },
      stop: () => redis.stop(),
    };
  },
  { server: true },
);
