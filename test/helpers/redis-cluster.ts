import { spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, launchRedis, requireRedis } from './redis.js';

/**
 * A throwaway Redis Cluster of three masters (no replicas) on 127.0.0.1, made with
 * `redis-cli --cluster create`. `kill` / `restart` take every node down and back (each keeps its
 * nodes.conf, so the cluster forms again with the same slots; the data is gone), `pause` /
 * `resume` freeze them.
 */
export class TestRedisCluster {
  private constructor(
    private readonly nodes: Array<{ port: number; dir: string; child: ChildProcess }>,
    private readonly root: string,
  ) {}

  /** One URL per node: any of them lets a client discover the rest. */
  get urls(): string[] {
    return this.nodes.map((node) => `redis://127.0.0.1:${node.port}`);
  }

  static async start(): Promise<TestRedisCluster> {
    requireRedis();
    const root = mkdtempSync(join(tmpdir(), 'km-redis-cluster-'));
    const nodes = [];
    for (let i = 0; i < 3; i++) {
      const port = await freePort();
      const dir = join(root, String(port));
      mkdirSync(dir);
      nodes.push({ port, dir, child: await launchRedis(port, dir, CLUSTER_ARGS) });
    }
    const cluster = new TestRedisCluster(nodes, root);
    const create = spawnSync('redis-cli', ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', '0', '--cluster-yes'], { encoding: 'utf8' });
    if (create.status !== 0) throw new Error(`redis-cli --cluster create failed: ${create.stdout}${create.stderr}`);
    await cluster.waitUntilOk();
    return cluster;
  }

  async kill(): Promise<void> {
    for (const node of this.nodes) {
      if (node.child.exitCode !== null || node.child.signalCode !== null) continue;
      node.child.kill('SIGCONT');
      node.child.kill('SIGTERM');
      await once(node.child, 'exit');
    }
  }

  async restart(): Promise<void> {
    await this.kill();
    for (const node of this.nodes) node.child = await launchRedis(node.port, node.dir, CLUSTER_ARGS);
    await this.waitUntilOk();
  }

  pause(): void {
    for (const node of this.nodes) node.child.kill('SIGSTOP');
  }

  resume(): void {
    for (const node of this.nodes) node.child.kill('SIGCONT');
  }

  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.root, { recursive: true, force: true });
  }

  /** Every node says `cluster_state:ok` (slots assigned and agreed), within 15 s. */
  private async waitUntilOk(): Promise<void> {
    const end = Date.now() + 15_000;
    for (;;) {
      const ok = this.nodes.every((node) => spawnSync('redis-cli', ['-p', String(node.port), 'cluster', 'info'], { encoding: 'utf8' }).stdout.includes('cluster_state:ok'));
      if (ok) return;
      if (Date.now() > end) throw new Error('the Redis cluster did not reach cluster_state:ok');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

const CLUSTER_ARGS = ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '2000'];
