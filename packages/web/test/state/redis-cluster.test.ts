import { createRedisStore } from '../../src/index.js';
import { TestRedisCluster } from '../../../../test/helpers/redis-cluster.js';
import { describeConformance } from './conformance.js';

// A real cluster of three masters: every operation is single-key, routed by the client to the
// slot's master (the namespace hash tag puts one namespace in one slot).
describeConformance(
  'Redis Cluster',
  async () => {
    const cluster = await TestRedisCluster.start();
    return {
      open: (options = {}) => createRedisStore({ cluster: cluster.urls, ...options }),
      remote: { backend: 'redis-cluster', url: cluster.urls.join(',') },
      server: {
        kill: () => cluster.kill(),
        restart: () => cluster.restart(),
        hang: async () => {
          cluster.pause();
          return async () => cluster.resume();
        },
      },
      stop: () => cluster.stop(),
    };
  },
  { server: true },
);
