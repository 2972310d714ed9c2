import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, openSync, closeSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testKeyPair } from './keys.js';

/**
 * SimpleSAMLphp 1.19 (Debian's `simplesamlphp` package) as a throwaway IdP under `php -S`, configured
 * entirely from a temporary directory (SIMPLESAMLPHP_CONFIG_DIR): nothing under /etc is read or
 * written. The facts behind this file are in /work/shared/notes/interop.md §2.
 *
 * SSP reads its config files on every request, and the PHP files below read `options.json`, so
 * registering an SP or switching an IdP option (encryption, validation) takes effect at once,
 * without a restart: one SSP serves a whole test file. SSP as a service provider in front of our
 * IdP (its saml:SP auth source) is ssp-sp.ts, on the same process handling (SspProcess).
 */

export const SSP_ROOT = '/usr/share/simplesamlphp';
const INSTALL_HINT = 'run scripts/install-test-deps.sh (apt-get install simplesamlphp php-cli php-xml php-mbstring)';

/** The test users of the `exampleauth:UserPass` source, with the attributes SSP releases. */
export const SSP_USERS = {
  student: {
    password: 'studentpass',
    attributes: { uid: ['student'], mail: ['student@example.org'], eduPersonAffiliation: ['member', 'student'], displayName: ['Stu Dent'] },
  },
  employee: {
    password: 'employeepass',
    attributes: { uid: ['employee'], mail: ['employee@example.org'], eduPersonAffiliation: ['member', 'employee'], displayName: ['Émilie Employée'] },
  },
  // The uid @koa-mellon/idp's test IdPs give alice (her e-mail as NameID): the same uid at another IdP.
  alice: {
    password: 'alicepass',
    attributes: { uid: ['alice@example.test'], mail: ['alice@example.test'], eduPersonAffiliation: ['member'], displayName: ['Alice at SimpleSAMLphp'] },
  },
} as const;

export type SspUser = keyof typeof SSP_USERS;

/** IdP-side options; each one is a key of `saml20-idp-hosted.php` (it applies to every SP registered from XML). */
export interface SspIdpOptions {
  /** `assertion.encryption`: aes128-cbc + rsa-oaep-mgf1p to the SP's certificate. */
  encryptAssertions?: boolean;
  /** `validate.authnrequest`. An SP's own `AuthnRequestsSigned` metadata attribute takes precedence. */
  validateAuthnRequest?: boolean;
  /** `validate.logout`: require signed logout messages from SPs. */
  validateLogout?: boolean;
  /** `sign.logout`: sign LogoutRequests/LogoutResponses (default true; koa-mellon refuses unsigned ones). */
  signLogout?: boolean;
}

const DEFAULT_IDP_OPTIONS: Required<SspIdpOptions> = { encryptAssertions: false, validateAuthnRequest: false, validateLogout: false, signLogout: true };

interface OptionsFile {
  baseUrl: string;
  trustedDomains: string[];
  spMetadataFiles: string[];
  idp: Required<SspIdpOptions>;
}

export interface SspStartOptions {
  /** Host to listen on and to put in every URL: `127.0.0.1` (default) or `localhost`. */
  host?: string;
  /** `host:port` entries allowed as RelayState/ReturnTo targets (SP origins). More can be added later. */
  trustedDomains?: string[];
}

/**
 * One `php -S` serving SSP's www/ with SIMPLESAMLPHP_CONFIG_DIR=<dir>/config, started in its own
 * process group and stopped as a group; its temporary directory is removed on stop. Both SSP roles
 * (the IdP below, the SP of ssp-sp.ts) extend it: they differ only in the config files they write.
 */
export abstract class SspProcess {
  private stopped = false;
  private readonly onExit = (): void => this.killGroup('SIGKILL');

  protected constructor(
    private readonly child: ChildProcess,
    /** The temporary directory holding config/, metadata/, cert/, log/, sessions/. */
    readonly dir: string,
    /** `http://host:port` */
    readonly origin: string,
  ) {
    process.once('exit', this.onExit);
  }

  /**
   * Makes `dir` (with config/, metadata/, cert/, log/, data/, tmp/, sessions/ inside, for `files`
   * to fill; what it returns is handed to `make`) and starts `php -S` on it; SSP is ready when
   * `ready(ssp).url` answers with a page holding `marker`.
   */
  protected static async launch<T extends SspProcess, C>(
    start: { host?: string | undefined; prefix: string },
    files: (dir: string, origin: string) => C,
    make: (child: ChildProcess, dir: string, origin: string, written: C) => T,
    ready: (ssp: T) => { url: string; marker: string },
  ): Promise<T> {
    requireSimpleSamlPhp();
    const host = start.host ?? '127.0.0.1';
    const port = await freePort();
    const origin = `http://${host}:${port}`;
    const dir = mkdtempSync(join(tmpdir(), start.prefix));
    for (const sub of ['config', 'metadata', 'cert', 'log', 'data', 'tmp', 'sessions']) mkdirSync(join(dir, sub));
    const written = files(dir, origin);

    const out = openSync(join(dir, 'log', 'php-server.log'), 'a');
    // detached = setsid: php -S forks PHP_CLI_SERVER_WORKERS workers that outlive their parent;
    // stop() kills the whole process group (notes gotcha 9).
    const child = spawn('php', ['-S', `${host}:${port}`, '-t', join(SSP_ROOT, 'www')], {
      detached: true,
      stdio: ['ignore', out, out],
      env: { ...process.env, SIMPLESAMLPHP_CONFIG_DIR: join(dir, 'config'), PHP_CLI_SERVER_WORKERS: '4' },
    });
    closeSync(out);
    const ssp = make(child, dir, origin, written);
    try {
      const { url, marker } = ready(ssp);
      await ssp.waitReady(url, marker);
    } catch (err) {
      const tail = ssp.logTail(40);
      await ssp.stop();
      throw new Error(`${(err as Error).message}\n${tail}`);
    }
    return ssp;
  }

  /** SSP answers errors with HTTP 200, so readiness is a page that really holds `marker`. */
  private async waitReady(url: string, marker: string): Promise<void> {
    const deadline = Date.now() + 10_000;
    let last = '';
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null) throw new Error(`php -S exited with ${this.child.exitCode}`);
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
        last = await response.text();
        if (last.includes(marker)) return;
      } catch (err) {
        last = String(err);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`SimpleSAMLphp did not serve ${marker} at ${url}: ${last.slice(0, 300)}`);
  }

  /** The last lines of SSP's own log and of the php -S log: print them when a test fails. */
  logTail(lines = 60, phpLines = 15): string {
    const tail = (file: string, n = lines): string => {
      if (!existsSync(file)) return '(none)';
      return readFileSync(file, 'utf8').split('\n').slice(-n).join('\n');
    };
    return `--- SimpleSAMLphp log (${join(this.dir, 'log', 'simplesamlphp.log')}) ---\n${tail(join(this.dir, 'log', 'simplesamlphp.log'))}\n` + `--- php -S log ---\n${tail(join(this.dir, 'log', 'php-server.log'), phpLines)}`;
  }

  /** SSP's log (from `since`, a value of `logMark()`), for assertions about what SSP did. */
  log(since = 0): string {
    const file = join(this.dir, 'log', 'simplesamlphp.log');
    return existsSync(file) ? readFileSync(file).subarray(since).toString('utf8') : '';
  }

  /** The current end of SSP's log: pass it to `log()` to read only what follows. */
  logMark(): number {
    const file = join(this.dir, 'log', 'simplesamlphp.log');
    return existsSync(file) ? statSync(file).size : 0;
  }

  async stop(options: { keepDir?: boolean } = {}): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    process.removeListener('exit', this.onExit);
    const exited = this.child.exitCode === null ? once(this.child, 'exit') : Promise.resolve();
    this.killGroup('SIGTERM');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 3000))]);
    // Workers may linger a moment after the parent: wait until the group is empty.
    for (let i = 0; i < 60 && this.groupAlive(); i++) {
      if (i === 20) this.killGroup('SIGKILL');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    if (!options.keepDir) rmSync(this.dir, { recursive: true, force: true });
  }

  private killGroup(signal: NodeJS.Signals): void {
    if (this.child.pid === undefined) return;
    try {
      process.kill(-this.child.pid, signal);
    } catch {
      // Already gone.
    }
  }

  private groupAlive(): boolean {
    if (this.child.pid === undefined) return false;
    try {
      process.kill(-this.child.pid, 0);
      return true;
    } catch {
      return false;
    }
  }
}

export class SimpleSamlPhp extends SspProcess {
  private registered = 0;

  private constructor(child: ChildProcess, dir: string, origin: string, private readonly options: OptionsFile) {
    super(child, dir, origin);
  }

  /** The IdP's entityID, which is also its metadata URL (`__DYNAMIC:1__`). */
  get entityId(): string {
    return `${this.origin}/saml2/idp/metadata.php`;
  }

  get metadataUrl(): string {
    return this.entityId;
  }

  /** IdP-initiated login to the SP `spEntityId`, landing on `relayState`. */
  idpInitiatedLoginUrl(spEntityId: string, relayState?: string): string {
    const url = new URL(`${this.origin}/saml2/idp/SSOService.php`);
    url.searchParams.set('spentityid', spEntityId);
    if (relayState !== undefined) url.searchParams.set('RelayState', relayState);
    return url.href;
  }

  /** IdP-initiated single logout of every SP of the SSP session, then on to `relayState` (a trusted domain). */
  idpInitiatedLogoutUrl(relayState: string): string {
    const url = new URL(`${this.origin}/saml2/idp/initSLO.php`);
    url.searchParams.set('RelayState', relayState);
    return url.href;
  }

  static async start(start: SspStartOptions = {}): Promise<SimpleSamlPhp> {
    return SspProcess.launch(
      { host: start.host, prefix: 'km-ssp-' },
      (dir, origin) => {
        const idp = testKeyPair('idp');
        writeFileSync(join(dir, 'cert', 'idp.key'), idp.keyPem, { mode: 0o600 });
        writeFileSync(join(dir, 'cert', 'idp.crt'), idp.certPem);
        for (const [file, text] of Object.entries(sspConfigFiles())) writeFileSync(join(dir, file), text);
        const options: OptionsFile = { baseUrl: `${origin}/`, trustedDomains: [...(start.trustedDomains ?? [])], spMetadataFiles: [], idp: { ...DEFAULT_IDP_OPTIONS } };
        writeJsonAtomic(join(dir, 'options.json'), options);
        return options;
      },
      (child, dir, origin, options) => new SimpleSamlPhp(child, dir, origin, options),
      (ssp) => ({ url: ssp.metadataUrl, marker: 'EntityDescriptor' }),
    );
  }

  /**
   * Registers an SP from its metadata XML (what koa-mellon serves at metadata/), as a file listed
   * in `metadata.sources` (type xml). Later registrations of the same entityID win, since SSP
   * keeps the first it finds and the newest file is listed first.
   */
  registerSp(metadataXml: string): void {
    if (!metadataXml.includes('EntityDescriptor')) throw new Error('not SAML metadata');
    const file = join(this.dir, 'metadata', `sp-${++this.registered}.xml`);
    writeFileSync(file, metadataXml);
    this.options.spMetadataFiles.unshift(file);
    this.save();
  }

  /** Allows `host:port` as a RelayState/ReturnTo target (ports are part of the name unless 80/443). */
  trustDomain(hostPort: string): void {
    if (!this.options.trustedDomains.includes(hostPort)) this.options.trustedDomains.push(hostPort);
    this.save();
  }

  /** Sets IdP options; unspecified ones return to their defaults. */
  configureIdp(options: SspIdpOptions = {}): void {
    this.options.idp = { ...DEFAULT_IDP_OPTIONS, ...options };
    this.save();
  }

  private save(): void {
    writeJsonAtomic(join(this.dir, 'options.json'), this.options);
  }
}

/**
 * A form of SSP's own pages, for tests that drive HTTP by hand instead of Chromium: its login form
 * (hidden AuthState; it posts to its own URL) and the form that posts the SAMLResponse to the SP
 * (post.php, submitted by a script). The action is resolved against `pageUrl`; values are
 * HTML-decoded (htmlspecialchars). Undefined when the page has no form.
 */
export function readSspForm(html: string, pageUrl: string): { action: string; fields: Map<string, string> } | undefined {
  const action = /<form\b[^>]*?\baction="([^"]*)"/s.exec(html)?.[1];
  if (action === undefined) return undefined;
  const fields = new Map<string, string>();
  for (const match of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"\s*\/?>/g)) fields.set(htmlDecode(match[1] ?? ''), htmlDecode(match[2] ?? ''));
  return { action: new URL(htmlDecode(action), pageUrl).href, fields };
}

function htmlDecode(value: string): string {
  return value.replace(/&quot;/g, '"').replace(/&#0?39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** Fails (never skips) with what to install when SimpleSAMLphp or its PHP modules are missing. */
export function requireSimpleSamlPhp(): void {
  const php = spawnSync('php', ['-m'], { encoding: 'utf8' });
  if (php.error || php.status !== 0) throw new Error(`php (php-cli) is not installed: ${INSTALL_HINT}`);
  if (!existsSync(join(SSP_ROOT, 'www', 'saml2', 'idp', 'SSOService.php'))) throw new Error(`SimpleSAMLphp is not installed at ${SSP_ROOT}: ${INSTALL_HINT}`);
  const modules = php.stdout.toLowerCase().split('\n').map((m) => m.trim());
  // Without php-xml every SSP page is "Class DOMDocument not found" (notes gotcha 1).
  if (!modules.includes('dom')) throw new Error(`PHP's dom extension is missing (php-xml): ${INSTALL_HINT}`);
}

/** A free TCP port on 127.0.0.1 (asked from the kernel, then released). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

export function writeJsonAtomic(file: string, value: unknown): void {
  // SSP reads options.json on every request: never let it see a half-written file.
  writeFileSync(`${file}.tmp`, JSON.stringify(value, null, 2));
  renameSync(`${file}.tmp`, file);
}

/** The PHP files written into the temporary directory (docs/idps/simplesamlphp.md shows them verbatim). */
export function sspConfigFiles(): Record<string, string> {
  return { 'config/config.php': CONFIG_PHP, 'config/authsources.php': authsourcesPhp(), 'metadata/saml20-idp-hosted.php': IDP_HOSTED_PHP };
}

export function phpString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function authsourcesPhp(): string {
  const users = Object.entries(SSP_USERS)
    .map(([name, user]) => {
      const attrs = Object.entries(user.attributes)
        .map(([key, values]) => `${phpString(key)} => [${values.map(phpString).join(', ')}]`)
        .join(', ');
      return `    ${phpString(`${name}:${user.password}`)} => [${attrs}],`;
    })
    .join('\n');
  return `<?php
$config = [
  'admin' => ['core:AdminPassword'],
  'example-userpass' => [
    'exampleauth:UserPass',
${users}
  ],
];
`;
}

// config/config.php: the notes' minimal config, with the dynamic parts read from options.json.
const CONFIG_PHP = `<?php
$base = dirname(__DIR__);
$opts = json_decode((string) file_get_contents($base . '/options.json'), true);
$config = [
    'baseurlpath'   => $opts['baseUrl'],              // full URL: php -S serves www/ at the root
    'certdir'       => $base . '/cert/',
    'loggingdir'    => $base . '/log/',
    'datadir'       => $base . '/data/',
    'tempdir'       => $base . '/tmp/',
    'metadatadir'   => $base . '/metadata/',
    'attributenamemapdir' => '/usr/share/simplesamlphp/config/attributemap/',
    'trusted.url.domains' => $opts['trustedDomains'], // host:port of the SPs (RelayState, ReturnTo)
    'secretsalt'        => 'koa-mellon-test-salt-not-secret',
    'auth.adminpassword'=> 'admin',
    'admin.protectindexpage' => false,
    'admin.protectmetadata'  => false,
    'admin.checkforupdates'  => false,
    'technicalcontact_name'  => 'Test',
    'technicalcontact_email' => 'test@example.org',
    'timezone' => 'UTC',
    'metadata.sources' => array_merge(
        array_map(fn($f) => ['type' => 'xml', 'file' => $f], $opts['spMetadataFiles']),
        [['type' => 'flatfile']]
    ),
    'enable.saml20-idp' => true,
    'module.enable' => ['exampleauth' => true, 'core' => true, 'saml' => true, 'admin' => true],
    'session.cookie.secure'   => false,               // plain http (notes gotcha 3)
    'session.cookie.samesite' => null,
    'language.cookie.secure'  => false,
    'language.cookie.samesite'=> null,
    'session.phpsession.cookiename' => 'SimpleSAML',
    'session.phpsession.savepath' => $base . '/sessions',
    'store.type' => 'phpsession',
    'logging.level'   => SimpleSAML\\Logger::DEBUG,    // logs every message's XML
    'logging.handler' => 'file',
    'logging.logfile' => 'simplesamlphp.log',
    'debug' => ['saml' => true, 'backtraces' => true, 'validatexml' => false],
    'showerrors' => true,
    'errorreporting' => false,
    'production' => false,
];
`;

// metadata/saml20-idp-hosted.php: SPs registered from XML carry no SSP options, so they come from here.
const IDP_HOSTED_PHP = `<?php
$opts = json_decode((string) file_get_contents(dirname(__DIR__) . '/options.json'), true)['idp'];
$metadata['__DYNAMIC:1__'] = [
    'host'        => '__DEFAULT__',
    'privatekey'  => 'idp.key',
    'certificate' => 'idp.crt',
    'auth'        => 'example-userpass',
    'NameIDFormat' => 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient',
    'simplesaml.nameidattribute' => 'uid',           // persistent NameIDs carry the uid
    'signature.algorithm' => 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
    'sign.logout' => (bool) $opts['signLogout'],
    'assertion.encryption' => (bool) $opts['encryptAssertions'],
    'validate.authnrequest' => (bool) $opts['validateAuthnRequest'],
    'validate.logout' => (bool) $opts['validateLogout'],
];
`;
