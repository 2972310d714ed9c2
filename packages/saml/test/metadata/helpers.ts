import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, X509Certificate, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import forge from 'node-forge';
import { parseXml } from '../../src/xml/parse.js';
import { serializeXml } from '../../src/xml/build.js';
import { signElement } from '../../src/xmldsig/sign.js';

/** A test RSA key with a self-signed certificate, made in memory (nothing left on disk). */
export interface TestKey {
  readonly privateKey: KeyObject;
  readonly keyPem: string;
  readonly certPem: string;
  /** Base64 DER, as `<ds:X509Certificate>` carries it. */
  readonly certBase64: string;
}

const keys = new Map<string, TestKey>();

export function testKey(name: string): TestKey {
  const cached = keys.get(name);
  if (cached) return cached;
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const forgeKey = forge.pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey;
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(forgeKey.n, forgeKey.e);
  cert.serialNumber = `01${forge.util.bytesToHex(forge.random.getBytesSync(8))}`;
  cert.validity.notBefore = new Date(Date.now() - 86_400_000);
  cert.validity.notAfter = new Date(Date.now() + 3650 * 86_400_000);
  cert.setSubject([{ name: 'commonName', value: name }]);
  cert.setIssuer([{ name: 'commonName', value: name }]);
  cert.sign(forgeKey, forge.md.sha256.create());
  const certPem = forge.pki.certificateToPem(cert);
  const key = { privateKey, keyPem, certPem, certBase64: certPem.replace(/-----[^-]+-----|\s+/g, '') };
  keys.set(name, key);
  return key;
}

/** A temporary directory, removed by `removeTempDirs()` (call it in an `after` hook). */
const dirs: string[] = [];
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'km-metadata-'));
  dirs.push(dir);
  return dir;
}
export function removeTempDirs(): void {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** A clock the test moves by hand. */
export interface TestClock {
  (): number;
  set(ms: number): void;
  advance(ms: number): void;
}
export function testClock(start = Date.parse('2030-01-01T00:00:00Z')): TestClock {
  let now = start;
  // The two methods are attached right below.
  const clock = (() => now) as TestClock;
  clock.set = (ms) => {
    now = ms;
  };
  clock.advance = (ms) => {
    now += ms;
  };
  return clock;
}

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');

/** A fixture with `{{NAME}}` placeholders replaced (certificates are generated per run). */
export function fixture(name: string, values: Readonly<Record<string, string>> = {}): string {
  return readFileSync(join(FIXTURES, name), 'utf8').replace(/\{\{([A-Z_0-9]+)\}\}/g, (_, key: string) => {
    const value = values[key];
    if (value === undefined) throw new Error(`fixture ${name} needs {{${key}}}`);
    return value;
  });
}

/** Signs the root of `xml` (which must carry an ID) as a metadata publisher would. */
export function signXml(xml: string, key: TestKey): string {
  const parsed = parseXml(xml, { maxBytes: 64 * 1024 * 1024 });
  signElement(parsed.root, { privateKey: key.privateKey, certificate: key.certBase64 });
  return serializeXml(parsed.document);
}

/**
 * Runs xmlsec1, the reference implementation, on a signed metadata document; true when it
 * verifies with the public key of `certPem` and no other: `--enabled-key-data rsa` stops xmlsec1
 * from taking the key out of the document's own KeyInfo (which `--insecure` would trust).
 */
export function xmlsecVerifies(xml: string, certPem: string, rootName: 'EntityDescriptor' | 'EntitiesDescriptor'): boolean {
  const dir = tempDir();
  writeFileSync(join(dir, 'doc.xml'), xml);
  writeFileSync(join(dir, 'key.pem'), new X509Certificate(certPem).publicKey.export({ type: 'spki', format: 'pem' }));
  const idAttr = `urn:oasis:names:tc:SAML:2.0:metadata:${rootName}`;
  const args = ['--verify', '--pubkey-pem', join(dir, 'key.pem'), '--enabled-key-data', 'rsa', '--id-attr:ID', idAttr, join(dir, 'doc.xml')];
  try {
    execFileSync('xmlsec1', args, { stdio: 'pipe' });
    return true;
  } catch (err) {
    // execFileSync's errors carry the errno code of a spawn failure.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error('xmlsec1 is not installed: apt-get install xmlsec1');
    return false;
  }
}

/** A scripted metadata server on 127.0.0.1: each request is answered by the current handler. */
export interface TestServer {
  readonly url: string;
  readonly requests: IncomingMessage[];
  handler: (req: IncomingMessage, res: ServerResponse) => void;
  close(): Promise<void>;
}

export async function startServer(handler: TestServer['handler']): Promise<TestServer> {
  const state: { handler: TestServer['handler'] } = { handler };
  const requests: IncomingMessage[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(req);
    state.handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  // A TCP server listening on a port has an AddressInfo address.
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/metadata.xml`,
    requests,
    get handler() {
      return state.handler;
    },
    set handler(next) {
      state.handler = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Collects a source's events. */
export function eventLog<T extends { type: string }>(): { events: T[]; onEvent: (event: T) => void; types: () => string[] } {
  const events: T[] = [];
  return { events, onEvent: (event) => events.push(event), types: () => events.map((event) => event.type) };
}
