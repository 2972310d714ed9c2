import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';

/**
 * A peer we did not write (pysaml2, Lasso) run as one long-lived Python process per suite: it
 * answers one JSON command per line with one JSON line, so its import cost is paid once and its
 * state (outstanding requests, sessions) lives between the steps the test browser carries.
 */
export const SYSTEM_PYTHON = '/usr/bin/python3';

/** Debian's Python sees the python3-* packages (a pyenv `python3` on PATH may not): a missing peer fails, never skips. */
export async function requirePythonModule(module: string, aptPackage: string): Promise<void> {
  const ok = existsSync(SYSTEM_PYTHON) && (await promisify(execFile)(SYSTEM_PYTHON, ['-c', `import ${module}`]).then(() => true, () => false));
  if (!ok) throw new Error(`${aptPackage} is not installed: run scripts/install-test-deps.sh (apt-get install ${aptPackage})`);
}

/** What every answer carries; a refusal has `ok: false` and the peer's exception class in `error`. */
export interface PeerAnswer {
  readonly ok: boolean;
  readonly error?: string;
  readonly message?: string;
}

export class PeerProcess {
  private readonly waiting: { resolve(line: string): void; reject(err: Error): void }[] = [];
  private stderr = '';
  private exited = false;

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    createInterface({ input: child.stdout }).on('line', (line) => this.waiting.shift()?.resolve(line));
    child.stderr.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-4000);
    });
    child.on('exit', (code, signal) => {
      this.exited = true;
      for (const waiter of this.waiting.splice(0)) waiter.reject(new Error(`peer exited (${code ?? signal}): ${this.stderr}`));
    });
  }

  /** Starts `script` with `args`; resolves with its first line (it prints one when ready). */
  static async start<T>(script: string, args: readonly string[]): Promise<{ peer: PeerProcess; ready: T }> {
    const peer = new PeerProcess(spawn(SYSTEM_PYTHON, [script, ...args], { stdio: ['pipe', 'pipe', 'pipe'] }));
    try {
      return { peer, ready: JSON.parse(await peer.nextLine()) as T };
    } catch (err) {
      await peer.stop();
      throw err;
    }
  }

  /** Sends one command; resolves with the peer's answer (refusals included: check `ok`). */
  async call<T extends object>(command: { op: string } & Record<string, unknown>): Promise<PeerAnswer & Partial<T>> {
    const line = this.nextLine();
    this.child.stdin.write(`${JSON.stringify(command)}\n`);
    return JSON.parse(await line) as PeerAnswer & Partial<T>;
  }

  /** Like `call`, but a refusal throws with what the peer said. */
  async expectOk<T extends object>(command: { op: string } & Record<string, unknown>): Promise<T> {
    const answer = await this.call<T>(command);
    if (!answer.ok) throw new Error(`peer refused ${command.op}: ${answer.error}: ${answer.message}`);
    // ok: the peer answered every field of T.
    return answer as unknown as T;
  }

  async stop(): Promise<void> {
    if (this.exited) return;
    const exit = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.stdin.end();
    this.child.kill('SIGTERM');
    await exit;
  }

  private nextLine(): Promise<string> {
    if (this.exited) return Promise.reject(new Error(`peer has exited: ${this.stderr}`));
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }
}
