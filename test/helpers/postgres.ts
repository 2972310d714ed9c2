import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './redis.js';

/**
 * A throwaway PostgreSQL server on 127.0.0.1 for a test run: a fresh cluster in a temp directory
 * (trust authentication on loopback, fsync off), removed by `stop`. `kill` and `restart` take
 * it down and bring it back on the same port with its data, for outage tests.
 *
 * initdb refuses to run as root (CI and developers' containers run as root): then every server
 * command runs as the `postgres` OS user (runuser), which owns the temp directory.
 */
export class TestPostgres {
  private stopped = false;

  private constructor(
    private readonly bin: string,
    private readonly dir: string,
    readonly port: number,
  ) {}

  /** Connection string of the `postgres` database as the `postgres` superuser. */
  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  static async start(): Promise<TestPostgres> {
    const bin = findBinaries();
    const dir = mkdtempSync(join(tmpdir(), 'km-pg-'));
    if (isRoot()) chownSync(dir, ...postgresUser());
    const server = new TestPostgres(bin, dir, await freePort());
    server.run('initdb', ['-D', server.data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
    server.launch();
    // A test process that dies without `stop` must not leave a server behind.
    process.once('exit', () => server.stopNow());
    return server;
  }

  /** Stops the server at once (clients lose their connections); its data and port stay for `restart`. */
  async kill(): Promise<void> {
    this.run('pg_ctl', ['-D', this.data, '-m', 'immediate', '-w', 'stop']);
  }

  /** Starts the stopped server again, same port, same data. */
  async restart(): Promise<void> {
    this.launch();
  }

  async stop(): Promise<void> {
    this.stopNow();
  }

  private get data(): string {
    return join(this.dir, 'data');
  }

  private launch(): void {
    // -k: the Unix socket goes into the temp directory (the default one may not be writable); -F: fsync off.
    const options = `-k ${this.dir} -h 127.0.0.1 -p ${this.port} -F -c full_page_writes=off -c synchronous_commit=off`;
    this.run('pg_ctl', ['-D', this.data, '-l', join(this.dir, 'server.log'), '-o', options, '-w', '-t', '20', 'start']);
  }

  private stopNow(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (existsSync(join(this.data, 'postmaster.pid'))) this.run('pg_ctl', ['-D', this.data, '-m', 'immediate', '-w', 'stop'], false);
    rmSync(this.dir, { recursive: true, force: true });
  }

  private run(tool: string, args: readonly string[], check = true): void {
    const command = join(this.bin, tool);
    const result = isRoot() ? spawnSync('runuser', ['-u', 'postgres', '--', command, ...args], { encoding: 'utf8' }) : spawnSync(command, args, { encoding: 'utf8' });
    if (check && result.status !== 0) {
      const log = join(this.dir, 'server.log');
      const tail = existsSync(log) ? readFileSync(log, 'utf8').slice(-1000) : '';
      throw new Error(`${tool} failed (${result.status}): ${result.stderr}${result.error?.message ?? ''}\n${tail}`);
    }
  }
}

/** The server binaries of the newest PostgreSQL installed (Debian: /usr/lib/postgresql/<version>/bin). */
function findBinaries(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => /^\d+$/.test(v) && existsSync(join(root, v, 'bin', 'initdb'))) : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (newest === undefined) throw new Error(`PostgreSQL is not installed (no ${root}/<version>/bin/initdb): run scripts/install-test-deps.sh (apt-get install postgresql)`);
  return join(root, newest, 'bin');
}

function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/** uid and gid of the `postgres` OS user, which the Debian package creates. */
function postgresUser(): [number, number] {
  const id = (flag: string) => Number(spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout.trim());
  const [uid, gid] = [id('-u'), id('-g')];
  if (!Number.isInteger(uid) || uid <= 0) throw new Error('no `postgres` OS user to run PostgreSQL as: run scripts/install-test-deps.sh (apt-get install postgresql)');
  return [uid, gid];
}
