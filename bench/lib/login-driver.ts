/**
 * The load generator of the login benchmarks (bench/logins.ts, bench/orgs.ts): starts SPs in
 * processes of their own (bench/lib/login-server.ts), and drives whole SP-initiated logins through
 * the real HTTP stack, signing each Response with the core signer as the bench IdP.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { NAMEID_FORMAT, buildResponse, decodeRedirect, parseAuthnRequest, parseXml, serializeXml } from '@koa-mellon/saml';
import { testKeyPair } from '../../test/helpers/keys.js';
import { IDP_ENTITY_ID } from './bench-idp.js';

const idp = testKeyPair('idp');

/** The keys every SP process reads (KEY_DIR): the bench IdP's certificate, the SP's key pair. */
export function writeBenchKeys(): string {
  const keyDir = mkdtempSync(join(tmpdir(), 'km-bench-logins-'));
  writeFileSync(join(keyDir, 'idp.crt'), idp.certPem);
  writeFileSync(join(keyDir, 'sp.key'), testKeyPair('sp').keyPem);
  writeFileSync(join(keyDir, 'sp.crt'), testKeyPair('sp').certPem);
  return keyDir;
}

export interface Sp {
  readonly name: string;
  readonly origin: string;
  readonly child: ChildProcess;
  /** koa-mellon finishes the login at login/finish/; node-saml at its ACS. */
  readonly mellon: boolean;
  /** The path of the login for the n-th login (`/sp/login/`, or an organization's). */
  loginPath(n: number): string;
}

export interface Usage {
  readonly cpu: { user: number; system: number };
  readonly memory: { rss: number; heapUsed: number };
}

/** Starts login-server.ts with `KIND=kind` and `env`; resolves once it listens. */
export async function startSp(name: string, kind: string, env: Record<string, string>, loginPath: (n: number) => string = () => '/sp/login/'): Promise<Sp> {
  const child = spawn(process.execPath, ['--expose-gc', '--conditions=koa-mellon-source', '--import', 'tsx', new URL('./login-server.ts', import.meta.url).pathname], {
    env: { ...process.env, KIND: kind, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const first = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${name} exited (${code})`)));
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).once('line', resolve);
  });
  const { port } = JSON.parse(first) as { port: number };
  return { name, origin: `http://127.0.0.1:${port}`, child, mellon: kind !== 'node-saml', loginPath };
}

export async function usage(sp: Sp, gc = false): Promise<Usage> {
  return (await fetch(`${sp.origin}/__usage${gc ? '?gc=1' : ''}`)).json() as Promise<Usage>;
}

/** A browser's cookie jar for one origin: enough for the SP's own cookies. */
class Jar {
  private readonly cookies = new Map<string, string>();
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
  take(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const at = pair.indexOf('=');
      this.cookies.set(pair.slice(0, at), pair.slice(at + 1));
    }
  }
}

/** One whole login (the n-th); throws when any step is not what a working SP answers. */
export async function login(sp: Sp, nameId: string, n = 0): Promise<void> {
  const jar = new Jar();
  const start = await fetch(`${sp.origin}${sp.loginPath(n)}?next=/`, { redirect: 'manual' });
  jar.take(start);
  const location = start.headers.get('location') ?? '';
  if (start.status !== 302 || location === '') throw new Error(`${sp.name}: login answered ${start.status}: ${(await start.text()).slice(0, 300)}`);
  const query = new URLSearchParams(location.slice(location.indexOf('?') + 1));
  const request = parseAuthnRequest(parseXml(decodeRedirect(location.slice(location.indexOf('?') + 1)).xml).root);
  const acs = request.assertionConsumerServiceUrl ?? `${sp.origin}${sp.loginPath(n)}`;
  const spEntityId = request.issuer ?? '';
  const { document } = buildResponse({
    issuer: IDP_ENTITY_ID,
    destination: acs,
    inResponseTo: request.id,
    assertion: { audience: spEntityId, nameId: { value: nameId, format: NAMEID_FORMAT.persistent }, authnInstant: Date.now(), sessionIndex: `_s${nameId}`, attributes: [{ name: 'mail', values: [`${nameId}@example.test`] }] },
    signing: { privateKey: idp.privateKey, certificate: idp.certBase64 },
  });
  const form = new URLSearchParams({ SAMLResponse: Buffer.from(serializeXml(document)).toString('base64') });
  const relayState = query.get('RelayState');
  if (relayState !== null) form.set('RelayState', relayState);
  const posted = await fetch(acs, { method: 'POST', body: form, headers: { cookie: jar.header() }, redirect: 'manual' });
  jar.take(posted);
  if (posted.status !== 303) throw new Error(`${sp.name}: ACS answered ${posted.status}: ${(await posted.text()).slice(0, 300)}`);
  if (!sp.mellon) return;
  const finish = await fetch(new URL(posted.headers.get('location') ?? '', acs), { headers: { cookie: jar.header() }, redirect: 'manual' });
  if (finish.status !== 303 || !finish.headers.getSetCookie().some((c) => c.startsWith('mellon.sid='))) throw new Error(`${sp.name}: finish answered ${finish.status}`);
}

/** `count` logins by `concurrency` workers; the users are `user-0` … `user-{users-1}`, in turn. Seconds taken. */
export async function drive(sp: Sp, count: number, users: number, concurrency: number, offset = 0): Promise<number> {
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    for (let n = next++; n < count; n = next++) await login(sp, `user-${(offset + n) % users}`, offset + n);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return (performance.now() - started) / 1000;
}
