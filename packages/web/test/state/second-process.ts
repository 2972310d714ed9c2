import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { ChildCommand, ChildLine, RemoteBackend } from './instance-child.js';

const SCRIPT = fileURLToPath(new URL('./instance-child.ts', import.meta.url));

/** Distributes Omit over the union of commands. */
type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;

/** Another instance of the app, in its own node process, on the same server (instance-child.ts). */
export class SecondProcess {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (err: Error) => void }>();
  readonly messages: Array<{ ns: string; channel: string; message: string }> = [];

  private constructor(private readonly child: ChildProcess) {}

  static async start(backend: RemoteBackend, url: string): Promise<SecondProcess> {
    const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=koa-mellon-source', SCRIPT, backend, url], { stdio: ['pipe', 'pipe', 'inherit'] });
    const instance = new SecondProcess(child);
    const ready = new Promise<void>((resolve, reject) => {
      instance.pending.set(0, { resolve: () => resolve(), reject });
    });
    createInterface({ input: child.stdout! }).on('line', (line) => instance.receive(line));
    child.on('exit', (code) => {
      for (const { reject } of instance.pending.values()) reject(new Error(`the second process exited with ${code}`));
      instance.pending.clear();
    });
    await ready;
    return instance;
  }

  /** Runs one command in the other process; resolves with its result. */
  request(command: WithoutId<ChildCommand>): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.stdin!.write(`${JSON.stringify({ ...command, id })}\n`);
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    this.child.stdin!.end();
    const exited = once(this.child, 'exit');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }

  private receive(line: string): void {
    // instance-child.ts writes one ChildLine per line.
    const parsed = JSON.parse(line) as ChildLine;
    if ('message' in parsed) {
      this.messages.push(parsed.message);
      return;
    }
    const waiting = this.pending.get(parsed.id);
    this.pending.delete(parsed.id);
    if ('error' in parsed) waiting?.reject(new Error(parsed.error));
    else waiting?.resolve(parsed.result);
  }
}
