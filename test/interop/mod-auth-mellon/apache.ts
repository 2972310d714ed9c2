import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../helpers/ssp.js';

/**
 * A private Apache 2.4 (prefork) with mod_auth_mellon 0.18 (Debian's libapache2-mod-auth-mellon),
 * configured entirely from a temporary directory: `apache2 -f <dir>/httpd.conf -k start`, nothing
 * under /etc read or written (/work/shared/notes/interop.md §6). Its SP key, certificate and
 * metadata come from mellon_create_metadata, as an administrator would make them.
 *
 * URLs: `/secret` needs a mellon session (else an AuthnRequest to the IdP); `/whoami` is open and
 * shows the session when there is one (MellonEnable info). Both run a CGI that prints REMOTE_USER
 * and every MELLON_* variable as text, one `NAME=value` a line.
 */

const MODULES = '/usr/lib/apache2/modules';
const INSTALL_HINT = 'run scripts/install-test-deps.sh (apt-get install libapache2-mod-auth-mellon, which brings apache2-bin)';
/** Apache refuses to run its children as root: they run as Debian's web user, which must read the CGI. */
const RUN_AS = 'www-data';

export class MellonApache {
  private stopped = false;
  // On exit Apache is asked to stop (it stops its children itself); stop() waits and insists.
  private readonly onExit = (): void => this.kill('SIGTERM');

  private constructor(
    /** The temporary ServerRoot: httpd.conf, mellon/, cgi-bin/, logs/, run/. */
    readonly dir: string,
    /** `http://127.0.0.1:port` */
    readonly origin: string,
  ) {
    process.once('exit', this.onExit);
  }

  /** mellon's default entityID is its metadata URL. */
  get entityId(): string {
    return `${this.origin}/mellon/metadata`;
  }

  get metadataUrl(): string {
    return `${this.origin}/mellon/metadata`;
  }

  get acsUrl(): string {
    return `${this.origin}/mellon/postResponse`;
  }

  get sloUrl(): string {
    return `${this.origin}/mellon/logout`;
  }

  /** Protected: a login when there is no mellon session. */
  get secretUrl(): string {
    return `${this.origin}/secret`;
  }

  /** Open: the session's variables, or none. */
  get whoamiUrl(): string {
    return `${this.origin}/whoami`;
  }

  /** SP-initiated single logout, then on to `returnTo` (a path of this site). */
  logoutUrl(returnTo: string): string {
    return `${this.sloUrl}?ReturnTo=${encodeURIComponent(returnTo)}`;
  }

  /**
   * Writes the config (our IdP's metadata as MellonIdPMetadataFile) and starts Apache. mellon
   * reads the IdP metadata at start-up: a new IdP needs a new Apache.
   */
  static async start(options: { idpMetadata: string }): Promise<MellonApache> {
    requireMellon();
    const port = await freePort();
    const origin = `http://127.0.0.1:${port}`;
    const dir = mkdtempSync(join(tmpdir(), 'km-mellon-'));
    const apache = new MellonApache(dir, origin);
    try {
      // The children run as www-data: the tree must be traversable and the CGI executable by it.
      chmodSync(dir, 0o755);
      for (const sub of ['mellon', 'cgi-bin', 'logs', 'run', 'htdocs']) mkdirSync(join(dir, sub), { mode: 0o755 });
      // mellon_create_metadata writes <name>.key/.cert/.xml in the current directory (umask 077).
      execFileSync('mellon_create_metadata', [apache.entityId, `${origin}/mellon`], { cwd: join(dir, 'mellon'), stdio: 'pipe' });
      const base = join(dir, 'mellon', apache.entityId.replace(/[^0-9A-Za-z.]/g, '_').replace(/__+/g, '_'));
      // The key stays 0600: the module reads it as root at start-up (notes §6); the rest is public.
      for (const ext of ['cert', 'xml']) chmodSync(`${base}.${ext}`, 0o644);
      writeFileSync(join(dir, 'mellon', 'idp-metadata.xml'), options.idpMetadata, { mode: 0o644 });
      writeFileSync(join(dir, 'cgi-bin', 'env.cgi'), ENV_CGI, { mode: 0o755 });
      writeFileSync(join(dir, 'httpd.conf'), httpdConf({ dir, port, key: `${base}.key`, cert: `${base}.cert`, metadata: `${base}.xml` }));
      const test = spawnSync('apache2', ['-f', join(dir, 'httpd.conf'), '-t'], { encoding: 'utf8' });
      if (test.status !== 0) throw new Error(`apache2 -t refused the config: ${test.stderr}`);
      const run = spawnSync('apache2', ['-f', join(dir, 'httpd.conf'), '-k', 'start'], { encoding: 'utf8', env: apacheEnv() });
      if (run.status !== 0) throw new Error(`apache2 -k start failed (${run.status}): ${run.stderr}`);
      await apache.waitReady();
    } catch (err) {
      const tail = apache.errorLog().split('\n').slice(-30).join('\n');
      await apache.stop();
      throw new Error(`${(err as Error).message}\n--- Apache error log ---\n${tail}`);
    }
    return apache;
  }

  /** Ready when mellon serves its metadata. */
  private async waitReady(): Promise<void> {
    const deadline = Date.now() + 10_000;
    let last = '';
    while (Date.now() < deadline) {
      try {
        const response = await fetch(this.metadataUrl, { signal: AbortSignal.timeout(2000) });
        last = await response.text();
        if (last.includes('SPSSODescriptor')) return;
      } catch (err) {
        last = String(err);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`mod_auth_mellon did not serve its metadata at ${this.metadataUrl}: ${last.slice(0, 300)}`);
  }

  /** mellon's SP metadata, as it serves it (what our IdP is given). */
  async metadataXml(): Promise<string> {
    const xml = await (await fetch(this.metadataUrl)).text();
    if (!xml.includes('SPSSODescriptor')) throw new Error(`mod_auth_mellon served no SP metadata: ${xml.slice(0, 300)}`);
    return xml;
  }

  /** Apache's error log (mellon logs there), from `since` (a value of `logMark()`). */
  errorLog(since = 0): string {
    const file = join(this.dir, 'logs', 'error.log');
    return existsSync(file) ? readFileSync(file).subarray(since).toString('utf8') : '';
  }

  logMark(): number {
    const file = join(this.dir, 'logs', 'error.log');
    return existsSync(file) ? statSync(file).size : 0;
  }

  /** The last lines of the error and access logs: print them when a test fails. */
  logTail(lines = 40): string {
    const access = join(this.dir, 'logs', 'access.log');
    const tail = (text: string) => text.split('\n').slice(-lines).join('\n');
    return `--- Apache error log (${join(this.dir, 'logs', 'error.log')}) ---\n${tail(this.errorLog())}\n--- access log ---\n${existsSync(access) ? tail(readFileSync(access, 'utf8')) : '(none)'}`;
  }

  /** Stops Apache (by its pid file, TERM then KILL) and removes the directory unless `keepDir`. */
  async stop(options: { keepDir?: boolean } = {}): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    process.removeListener('exit', this.onExit);
    const pid = this.pid();
    if (pid !== undefined) {
      this.kill('SIGTERM');
      // The parent waits for its children, then removes the pid file and exits.
      for (let i = 0; i < 100 && alive(pid); i++) {
        if (i === 60) this.kill('SIGKILL');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    if (!options.keepDir) rmSync(this.dir, { recursive: true, force: true });
  }

  private pid(): number | undefined {
    const file = join(this.dir, 'run', 'httpd.pid');
    if (!existsSync(file)) return undefined;
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 1 ? pid : undefined;
  }

  private kill(signal: NodeJS.Signals): void {
    const pid = this.pid();
    if (pid === undefined) return;
    // After a KILL the parent cannot stop its prefork children (www-data), which would keep the
    // port: they are listed first and killed too.
    const children = signal === 'SIGKILL' ? childrenOf(pid) : [];
    for (const target of [pid, ...children]) {
      try {
        process.kill(target, signal);
      } catch {
        // Already gone.
      }
    }
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function childrenOf(pid: number): number[] {
  const out = spawnSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' });
  return out.stdout
    .split('\n')
    .map((line) => Number(line.trim()))
    .filter((child) => Number.isInteger(child) && child > 1);
}

/** Fails (never skips) with what to install when Apache or mod_auth_mellon is missing. */
export function requireMellon(): void {
  const apache = spawnSync('apache2', ['-v'], { encoding: 'utf8' });
  if (apache.error || apache.status !== 0) throw new Error(`apache2 is not installed: ${INSTALL_HINT}`);
  if (!existsSync(join(MODULES, 'mod_auth_mellon.so'))) throw new Error(`mod_auth_mellon is not installed (${MODULES}/mod_auth_mellon.so): ${INSTALL_HINT}`);
  const create = spawnSync('mellon_create_metadata', [], { encoding: 'utf8' });
  if (create.error) throw new Error(`mellon_create_metadata is not installed: ${INSTALL_HINT}`);
}

function apacheEnv(): NodeJS.ProcessEnv {
  // Debian's apache2 binary expects APACHE_* variables only through apache2ctl/envvars, which
  // this config does not use; a clean, small environment keeps the children's env readable.
  return { PATH: process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C' };
}

// Prints the variables mellon sets, one per line, sorted: what the test reads.
const ENV_CGI = `#!/bin/sh
printf 'Content-Type: text/plain; charset=utf-8\\r\\nCache-Control: no-store\\r\\n\\r\\n'
env | grep -E '^(REMOTE_USER|MELLON_)' | sort
`;

function httpdConf(c: { dir: string; port: number; key: string; cert: string; metadata: string }): string {
  return `# Written by test/interop/mod-auth-mellon/apache.ts
ServerRoot "${c.dir}"
ServerName 127.0.0.1
Listen 127.0.0.1:${c.port}
PidFile "${c.dir}/run/httpd.pid"
DefaultRuntimeDir "${c.dir}/run"
ErrorLog "${c.dir}/logs/error.log"
LogLevel warn auth_mellon:info
LogFormat "%h \\"%r\\" %>s" brief
CustomLog "${c.dir}/logs/access.log" brief
User ${RUN_AS}
Group ${RUN_AS}
Timeout 15

LoadModule mpm_prefork_module ${MODULES}/mod_mpm_prefork.so
LoadModule authn_core_module ${MODULES}/mod_authn_core.so
LoadModule authz_core_module ${MODULES}/mod_authz_core.so
LoadModule authz_user_module ${MODULES}/mod_authz_user.so
LoadModule alias_module ${MODULES}/mod_alias.so
LoadModule cgi_module ${MODULES}/mod_cgi.so
LoadModule setenvif_module ${MODULES}/mod_setenvif.so
LoadModule auth_mellon_module ${MODULES}/mod_auth_mellon.so

StartServers 2
MinSpareServers 2
MaxSpareServers 4
MaxRequestWorkers 12
DocumentRoot "${c.dir}/htdocs"

MellonCacheSize 20
MellonLockFile "${c.dir}/run/mellon.lock"

# mellon 0.18 marks its cookies SameSite=None without Secure over http, which Chromium drops
# ("User has disabled cookies..."); MellonCookieSameSite does not help, this does (notes §6).
SetEnvIf Request_URI "." MELLON_DISABLE_SAMESITE=1

<Location />
    Require all granted
    AuthType Mellon
    MellonEnable info
    MellonEndpointPath /mellon
    MellonSPPrivateKeyFile "${c.key}"
    MellonSPCertFile "${c.cert}"
    MellonSPMetadataFile "${c.metadata}"
    MellonIdPMetadataFile "${c.dir}/mellon/idp-metadata.xml"
    MellonSecureCookie Off
    MellonSignatureMethod rsa-sha256
    MellonUser uid
    MellonDefaultLoginPath /whoami
</Location>

<Location /secret>
    AuthType Mellon
    MellonEnable auth
    Require valid-user
</Location>

ScriptAlias /secret "${c.dir}/cgi-bin/env.cgi"
ScriptAlias /whoami "${c.dir}/cgi-bin/env.cgi"
`;
}
