import { expect, use } from 'chai';
import chaiAsPromised from 'chai-as-promised';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { connect as netConnect, type AddressInfo } from 'node:net';
import { MellonError } from '../../src/index.js';
import { generateIdpMetadata } from '../../src/metadata/generate/idp.js';
import { forbiddenRule, parseIp } from '../../src/metadata/sources/ip-ranges.js';
import { createMetadataSource } from '../../src/metadata/sources/create.js';
import { httpGet, type HttpGetOptions } from '../../src/metadata/sources/http-get.js';
import type { MetadataEvent } from '../../src/metadata/sources/types.js';
import { createMetadataUrlGuard, type GuardConnect, type GuardLookup, type MetadataUrlGuardOptions } from '../../src/metadata/sources/url-guard.js';
import { eventLog, removeTempDirs, tempDir, testKey } from './helpers.js';

use(chaiAsPromised);

/** A real https server on 127.0.0.1 with a self-signed certificate; counts what reaches it. */
interface HttpsServer {
  readonly port: number;
  readonly paths: string[];
  handler: (req: IncomingMessage, res: ServerResponse) => void;
  close(): Promise<void>;
}

async function startHttpsServer(): Promise<HttpsServer> {
  const key = testKey('guard-server');
  const state: Omit<HttpsServer, 'port' | 'close'> = { paths: [], handler: (_req, res) => res.end('<ok/>') };
  const server: Server = createServer({ key: key.keyPem, cert: key.certPem }, (req, res) => {
    state.paths.push(req.url ?? '');
    state.handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  // A listening TCP server has an AddressInfo address.
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}

/** DNS the test controls: each name answers what the map says now; every question is recorded. */
function fakeDns(answers: Map<string, string>): { lookup: GuardLookup; asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    lookup: async (hostname) => {
      asked.push(hostname);
      const address = answers.get(hostname);
      if (address === undefined) throw Object.assign(new Error(`ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
      return [{ address, family: address.includes(':') ? 6 : 4 }];
    },
  };
}

/** Connects every judged address to the local server instead: a "public" address served by a test server. */
function routeTo(server: HttpsServer): { connect: GuardConnect; targets: string[] } {
  const targets: string[] = [];
  return { targets, connect: ({ address }) => (targets.push(address), netConnect({ host: '127.0.0.1', port: server.port })) };
}

const forbidden = (p: Promise<unknown>) => expect(p).to.be.rejectedWith(MellonError).and.eventually.have.property('code', 'METADATA_URL_FORBIDDEN');

describe('forbiddenRule (metadata URL guard address rules)', () => {
  const refused: readonly [string, string][] = [
    ['127.0.0.1', 'loopback'],
    ['127.8.9.10', 'loopback'],
    ['10.1.2.3', 'private (RFC 1918)'],
    ['172.16.0.1', 'private (RFC 1918)'],
    ['172.31.255.254', 'private (RFC 1918)'],
    ['192.168.1.5', 'private (RFC 1918)'],
    ['169.254.1.1', 'link-local'],
    ['169.254.169.254', 'cloud metadata service'],
    ['100.64.0.1', 'shared address space (CGNAT, RFC 6598)'],
    ['100.127.255.1', 'shared address space (CGNAT, RFC 6598)'],
    ['0.0.0.0', 'unspecified / this network'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['fc00::1', 'unique local (private)'],
    ['fd12:3456::1', 'unique local (private)'],
    ['fd00:ec2::254', 'cloud metadata service'],
    ['fe80::1', 'link-local'],
    ['::ffff:127.0.0.1', 'IPv4-mapped (::ffff:0:0/96) loopback'],
    ['::ffff:a9fe:a9fe', 'IPv4-mapped (::ffff:0:0/96) cloud metadata service'],
    ['::ffff:10.0.0.1', 'IPv4-mapped (::ffff:0:0/96) private (RFC 1918)'],
    ['224.0.0.1', 'multicast'],
  ];
  for (const [address, rule] of refused) {
    it(`refuses ${address} as ${rule}`, () => {
      expect(forbiddenRule(parseIp(address) ?? new Uint8Array())).to.match(new RegExp(`^${rule.replace(/[()]/g, '\\$&')}`));
    });
  }
  for (const address of ['93.184.216.34', '8.8.8.8', '172.32.0.1', '100.128.0.1', '2606:4700::1111', '::ffff:8.8.8.8']) {
    it(`lets the public address ${address} through`, () => {
      expect(forbiddenRule(parseIp(address) ?? new Uint8Array())).to.equal(undefined);
    });
  }
});

describe('httpGet with the SSRF guard', () => {
  let server: HttpsServer;
  const base: HttpGetOptions = { timeoutMs: 3000, verifyTls: false, maxBytes: 100_000 };
  const guard = (options: MetadataUrlGuardOptions = {}) => createMetadataUrlGuard(options, 'metadataUrlGuard.allow');
  beforeEach(async () => {
    server = await startHttpsServer();
  });
  afterEach(() => server.close());

  it('refuses the loopback test server when it is not allow-listed (nothing reaches it)', async () => {
    await forbidden(httpGet(`https://127.0.0.1:${server.port}/md`, { ...base, guard: guard() }));
    await forbidden(httpGet(`https://localhost:${server.port}/md`, { ...base, guard: guard() }));
    expect(server.paths).to.deep.equal([]);
  });

  it('refuses an IPv4-mapped IPv6 loopback literal', async () => {
    await forbidden(httpGet(`https://[::ffff:127.0.0.1]:${server.port}/md`, { ...base, guard: guard() }));
    expect(server.paths).to.deep.equal([]);
  });

  it('refuses 0.0.0.0 (which connects to this machine)', async () => {
    await forbidden(httpGet(`https://0.0.0.0:${server.port}/md`, { ...base, guard: guard() }));
    expect(server.paths).to.deep.equal([]);
  });

  it('refuses plain http', async () => {
    await forbidden(httpGet('http://idp.example.com/md', { ...base, guard: guard({ allow: ['idp.example.com'] }) }));
  });

  it('refuses a public-looking name resolving to each private range, before connecting', async () => {
    for (const address of ['10.0.0.5', '172.20.1.1', '192.168.0.10', '169.254.169.254', '100.64.3.4', 'fd00::5', 'fe80::5', '::ffff:192.168.0.1']) {
      const dns = fakeDns(new Map([['idp.customer.example', address]]));
      const route = routeTo(server);
      const error = await httpGet('https://idp.customer.example/md', { ...base, guard: guard({ lookup: dns.lookup, connect: route.connect }) }).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(error).to.be.instanceOf(MellonError).with.property('code', 'METADATA_URL_FORBIDDEN');
      // The reason names the name, the address and the rule, for the operator's log.
      expect((error as MellonError).message).to.include(`idp.customer.example resolved to ${address}`);
      expect(route.targets).to.deep.equal([]);
    }
    expect(server.paths).to.deep.equal([]);
  });

  it('connects to the judged public address only and fetches through it', async () => {
    const dns = fakeDns(new Map([['idp.customer.example', '203.0.113.10']]));
    const route = routeTo(server);
    const result = await httpGet('https://idp.customer.example/md', { ...base, guard: guard({ lookup: dns.lookup, connect: route.connect }) });
    expect(result.status).to.equal(200);
    expect(route.targets).to.deep.equal(['203.0.113.10']);
    expect(dns.asked).to.deep.equal(['idp.customer.example']);
  });

  it('refuses a redirect into a private address, judged again at the new hop', async () => {
    const dns = fakeDns(
      new Map([
        ['idp.customer.example', '203.0.113.10'],
        ['internal.customer.example', '10.20.30.40'],
      ]),
    );
    const route = routeTo(server);
    server.handler = (_req, res) => {
      res.statusCode = 302;
      res.setHeader('location', 'https://internal.customer.example/admin');
      res.end();
    };
    await forbidden(httpGet('https://idp.customer.example/md', { ...base, guard: guard({ lookup: dns.lookup, connect: route.connect }) }));
    expect(dns.asked).to.deep.equal(['idp.customer.example', 'internal.customer.example']);
    expect(route.targets).to.deep.equal(['203.0.113.10']);
    expect(server.paths).to.deep.equal(['/md']);
  });

  it('refuses a redirect to a loopback literal', async () => {
    const dns = fakeDns(new Map([['idp.customer.example', '203.0.113.10']]));
    const route = routeTo(server);
    server.handler = (_req, res) => {
      res.statusCode = 307;
      res.setHeader('location', `https://127.0.0.1:${server.port}/secret`);
      res.end();
    };
    await forbidden(httpGet('https://idp.customer.example/md', { ...base, guard: guard({ lookup: dns.lookup, connect: route.connect }) }));
    expect(server.paths).to.deep.equal(['/md']);
  });

  it('lets the loopback test server through when its CIDR is allow-listed', async () => {
    const result = await httpGet(`https://127.0.0.1:${server.port}/md`, { ...base, guard: guard({ allow: ['127.0.0.0/8'] }) });
    expect(result.status).to.equal(200);
    expect(server.paths).to.deep.equal(['/md']);
  });

  it('lets an allow-listed host name through whatever it resolves to', async () => {
    const result = await httpGet(`https://localhost:${server.port}/md`, { ...base, guard: guard({ allow: ['LOCALHOST'] }) });
    expect(result.status).to.equal(200);
  });

  it('still verifies TLS against the URL host name on the pinned connection', async () => {
    const dns = fakeDns(new Map([['idp.customer.example', '203.0.113.10']]));
    const route = routeTo(server);
    const p = httpGet('https://idp.customer.example/md', { ...base, verifyTls: true, guard: guard({ lookup: dns.lookup, connect: route.connect }) });
    await expect(p).to.be.rejectedWith(MellonError).and.eventually.have.property('code', 'METADATA_UNAVAILABLE');
  });

  it('refuses an allow-list entry that is neither a host name nor a CIDR', () => {
    expect(() => guard({ allow: ['10.0.0.0/99'] })).to.throw(MellonError).with.property('path', 'metadataUrlGuard.allow[0]');
  });
});

describe('createMetadataSource with metadataUrlGuard', () => {
  const IDP = 'https://idp.customer.example/saml';
  let server: HttpsServer;
  beforeEach(async () => {
    server = await startHttpsServer();
  });
  afterEach(async () => {
    await server.close();
    removeTempDirs();
  });

  it('refuses a plain http metadataUrl when the source is created', () => {
    expect(() => createMetadataSource({ metadataUrl: 'http://idp.customer.example/md', signingCertificates: [testKey('guard-server').certPem], metadataUrlGuard: true }))
      .to.throw(MellonError)
      .with.property('code', 'METADATA_URL_FORBIDDEN');
  });

  it('keeps the good copy when a refresh starts resolving to a private address', async () => {
    server.handler = (_req, res) => res.end(generateIdpMetadata({ entityId: IDP, singleSignOnServiceUrl: 'https://idp.customer.example/sso' }));
    const answers = new Map([['idp.customer.example', '203.0.113.10']]);
    const dns = fakeDns(answers);
    const route = routeTo(server);
    const log = eventLog<MetadataEvent>();
    const source = createMetadataSource({
      metadataUrl: 'https://idp.customer.example/md',
      metadataUrlGuard: { lookup: dns.lookup, connect: route.connect },
      verifySslCertificate: false,
      metadataCacheDir: tempDir(),
      onEvent: log.onEvent,
    });
    try {
      expect((await source.current()).entities.has(IDP)).to.equal(true);
      answers.set('idp.customer.example', '192.168.10.10');
      await source.refresh();
      const failed = log.events.find((e) => e.type === 'refresh-failed');
      expect(failed).to.have.nested.property('error.code', 'METADATA_URL_FORBIDDEN');
      expect(route.targets).to.deep.equal(['203.0.113.10']);
      expect((await source.current()).entities.has(IDP)).to.equal(true);
    } finally {
      source.close();
    }
  });

  it('reports METADATA_URL_FORBIDDEN from current() when the first download is refused', async () => {
    const source = createMetadataSource({ metadataUrl: `https://127.0.0.1:${server.port}/md`, metadataUrlGuard: true, metadataCacheDir: tempDir() });
    try {
      await forbidden(source.current());
      expect(server.paths).to.deep.equal([]);
    } finally {
      source.close();
    }
  });
});
