import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A throwaway redis-server on 127.0.0.1 (no persistence), started and stopped by a test. `kill`
 * and `restart` take it down and bring it back on the same port, `pause` and `resume` freeze it,
 * for outage tests.
 */
export class TestRedis {
  private constructor(private child: ChildProcess, readonly port: number, private readonly dir: string) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async start(): Promise<TestRedis> {
    requireRedis();
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'km-redis-'));
    return new TestRedis(await launchRedis(port, dir), port, dir);
  }

  /** Stops the server (clients see it go away), keeping its port and directory for `restart`. */
  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      // A frozen server takes SIGTERM only once it runs again.
      this.child.kill('SIGCONT');
      this.child.kill('SIGTERM');
      await once(this.child, 'exit');
    }
  }

  /** Freezes the server (SIGSTOP): connections stay open, nothing is answered until `resume`. */
  pause(): void {
    this.child.kill('SIGSTOP');
  }

  resume(): void {
    this.child.kill('SIGCONT');
  }

  /** Starts the server again on the same port, empty (no persistence). */
  async restart(): Promise<void> {
    await this.kill();
    this.child = await launchRedis(this.port, this.dir);
  }

  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Starts redis-server on 127.0.0.1:`port` without persistence, its files in `dir`; `extra` arguments after. */
export async function launchRedis(port: number, dir: string, extra: readonly string[] = []): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--pidfile', join(dir, 'redis.pid'), ...extra], { stdio: ['ignore', 'pipe', 'inherit'] });
  await waitForReady(child);
  return child;
}

export function requireRedis(): void {
  if (spawnSync('redis-server', ['--version']).status !== 0) {
    throw new Error('redis-server is not installed: run scripts/install-test-deps.sh (apt-get install redis-server)');
  }
}

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

async function waitForReady(child: ChildProcess): Promise<void> {
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start: ${output.slice(-500)}`)), 5000);
    child.stdout?.on('data', (data: Buffer) => {
      output += data.toString();
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with ${code}: ${output.slice(-500)}`));
    });
  });
}
