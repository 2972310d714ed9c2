import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = new URL('../..', import.meta.url).pathname;

export type DemoPorts = Record<'IDP_PORT' | 'ACME_PORT' | 'STATS_PORT' | 'SPA_PORT' | 'API_PORT', number>;

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/** Every port of the demo, free now. */
export async function freeDemoPorts(): Promise<DemoPorts> {
  return { IDP_PORT: await freePort(), ACME_PORT: await freePort(), STATS_PORT: await freePort(), SPA_PORT: await freePort(), API_PORT: await freePort() };
}

/** `npm run demo` with these ports and data directory (its own process group, so Ctrl-C reaches every child). */
export function spawnDemo(ports: DemoPorts, dataDir: string, detached: boolean): ChildProcess {
  const env = { ...process.env, ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])), DEMO_DATA_DIR: dataDir };
  return spawn('npm', ['run', '--silent', 'demo'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached });
}

/** The demo started as a user starts it, on free ports and a throwaway data directory. */
export class DemoProcess {
  output = '';
  private constructor(
    readonly child: ChildProcess,
    readonly ports: DemoPorts,
    readonly dataDir: string,
  ) {
    child.stdout?.on('data', (d: Buffer) => (this.output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (this.output += d.toString()));
  }

  static async start(): Promise<DemoProcess> {
    const ports = await freeDemoPorts();
    const dataDir = mkdtempSync(join(tmpdir(), 'km-demo-'));
    const demo = new DemoProcess(spawnDemo(ports, dataDir, true), ports, dataDir);
    const started = Date.now();
    while (!demo.output.includes('koa-mellon demo is running')) {
      if (demo.child.exitCode !== null || Date.now() - started > 30_000) throw new Error(`the demo did not start:\n${demo.output}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return demo;
  }

  url(name: keyof DemoPorts, path = '/'): string {
    return `http://127.0.0.1:${this.ports[name]}${path}`;
  }

  /** Ctrl-C, as a user stops it. */
  async interrupt(): Promise<void> {
    if (this.child.pid === undefined || this.child.exitCode !== null || this.child.signalCode !== null) return;
    process.kill(-this.child.pid, 'SIGINT');
    await once(this.child, 'exit');
  }

  async stop(): Promise<void> {
    await this.interrupt();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
