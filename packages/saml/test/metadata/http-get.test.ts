import { expect, use } from 'chai';
import chaiAsPromised from 'chai-as-promised';
import { createServer as createHttpsServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { MellonError } from '../../src/index.js';
import { sha256 } from '../../src/metadata/sources/disk-cache.js';
import { httpGet, MAX_REDIRECTS, type HttpGetOptions } from '../../src/metadata/sources/http-get.js';
import { startServer, testKey, type TestServer } from './helpers.js';

use(chaiAsPromised);

describe('httpGet (metadata download)', () => {
  let server: TestServer;
  const options: HttpGetOptions = { timeoutMs: 2000, verifyTls: true, maxBytes: 1000 };
  beforeEach(async () => {
    server = await startServer((_req, res) => res.end('<ok/>'));
  });
  afterEach(() => server.close());

  it('returns the body with its validators', async () => {
    server.handler = (_req, res) => {
      res.setHeader('etag', '"v1"');
      res.setHeader('last-modified', 'Wed, 01 Jan 2030 00:00:00 GMT');
      res.end('<md/>');
    };
    expect(await httpGet(server.url, options)).to.deep.equal({
      status: 200,
      body: Buffer.from('<md/>'),
      sha256: sha256('<md/>'),
      etag: '"v1"',
      lastModified: 'Wed, 01 Jan 2030 00:00:00 GMT',
    });
  });

  it('sends conditional headers and reports 304', async () => {
    server.handler = (_req, res) => {
      res.statusCode = 304;
      res.end();
    };
    expect(await httpGet(server.url, { ...options, etag: '"v1"', lastModified: 'Wed, 01 Jan 2030 00:00:00 GMT' })).to.deep.equal({ status: 304 });
    expect(server.requests[0]?.headers).to.include({ 'if-none-match': '"v1"', 'if-modified-since': 'Wed, 01 Jan 2030 00:00:00 GMT' });
  });

  it('refuses a 304 it did not ask for', async () => {
    server.handler = (_req, res) => {
      res.statusCode = 304;
      res.end();
    };
    await expect(httpGet(server.url, options)).to.be.rejectedWith(MellonError).and.eventually.have.property('code', 'METADATA_UNAVAILABLE');
  });

  it('refuses an error status', async () => {
    server.handler = (_req, res) => {
      res.statusCode = 500;
      res.end('oops');
    };
    await expect(httpGet(server.url, options)).to.be.rejectedWith(MellonError).and.eventually.have.property('code', 'METADATA_UNAVAILABLE');
  });

  it('decompresses gzip', async () => {
    server.handler = (_req, res) => {
      res.setHeader('content-encoding', 'gzip');
      res.end(gzipSync('<md>gz</md>'));
    };
    expect(await httpGet(server.url, options)).to.deep.include({ status: 200, body: Buffer.from('<md>gz</md>'), sha256: sha256('<md>gz</md>') });
    expect(server.requests[0]?.headers['accept-encoding']).to.equal('gzip');
  });

  it('refuses a body over maxBytes announced by Content-Length', async () => {
    server.handler = (_req, res) => res.end('x'.repeat(1001));
    await expect(httpGet(server.url, options)).to.be.rejectedWith(MellonError).and.eventually.have.property('code', 'INPUT_TOO_LARGE');
  });

  it('refuses a chunked body that grows over maxBytes', async () => {
    server.handler = (_req, res) => {
      for (let i = 0; i < 20; i++) res.write('x'.repeat(100));
      res.end();
    };
    await expect(httpGet(server.url, options)).to.be.rejectedWith(MellonError).and.eventually.have.property('code', 'INPUT_TOO_LARGE');
  });

  it('refuses a gzip bomb by its decompressed size', async () => {
    server.handler = (_req, res) => {
      res.setHeader('content-encoding', 'gzip');
      res.end(gzipSync(Buffer.alloc(10_000_000)));
    };
    await expect(httpGet(server.url, options)).to.be.rejectedWith(MellonError).and.eventually.have.property('code', 'INPUT_TOO_LARGE');
  });

  it('refuses an unknown Content-Encoding', async () => {
    server.handler = (_req, res) => {
      res.setHeader('content-encoding', 'br');
      res.end('??');
    };
    await expect(httpGet(server.url, options)).to.be.rejectedWith(MellonError).and.eventually.have.property('code', 'METADATA_UNAVAILABLE');
  });

  it('follows a relative redirect', async () => {
    server.handler = (req, res) => {
      if (req.url === '/metadata.xml') {
        res.writeHead(302, { location: '/moved.xml' });
        res.end();
      } else res.end(`<at path="${req.url}"/>`);
    };
    expect(await httpGet(server.url, options)).to.deep.include({ body: Buffer.from('<at path="/moved.xml"/>') });
  });

  it(`refuses more than ${MAX_REDIRECTS} redirects`, async () => {
    server.handler = (_req, res) => {
      res.writeHead(301, { location: '/metadata.xml' });
      res.end();
    };
    await expect(httpGet(server.url, options)).to.be.rejectedWith(MellonError).and.eventually.have.property('code', 'METADATA_UNAVAILABLE');
    expect(server.requests).to.have.length(MAX_REDIRECTS + 1);
  });

  it('refuses a redirect to a non-http(s) URL', async () => {
    server.handler = (_req, res) => {
      res.writeHead(302, { location: 'file:///etc/passwd' });
      res.end();
    };
    await expect(httpGet(server.url, options)).to.be.rejectedWith(MellonError).and.eventually.have.property('code', 'METADATA_UNAVAILABLE');
  });

  it('refuses a redirect without Location', async () => {
    server.handler = (_req, res) => {
      res.writeHead(302);
      res.end();
    };
    await expect(httpGet(server.url, options)).to.be.rejectedWith(MellonError).and.eventually.have.property('code', 'METADATA_UNAVAILABLE');
  });

  it('abandons a server that does not answer within the timeout', async () => {
    server.handler = () => undefined;
    await expect(httpGet(server.url, { ...options, timeoutMs: 100 })).to.be.rejectedWith(MellonError).and.eventually.have.property('code', 'METADATA_UNAVAILABLE');
  });

  it('abandons a body that trickles past the timeout', async () => {
    server.handler = (_req, res) => res.write('<md>');
    await expect(httpGet(server.url, { ...options, timeoutMs: 100 })).to.be.rejectedWith(MellonError).and.eventually.have.property('code', 'METADATA_UNAVAILABLE');
  });

  it('stops when the caller aborts', async () => {
    server.handler = () => undefined;
    const controller = new AbortController();
    const pending = httpGet(server.url, { ...options, signal: controller.signal });
    controller.abort();
    await expect(pending).to.be.rejectedWith(MellonError).and.eventually.have.property('code', 'METADATA_UNAVAILABLE');
  });

  it('fails on a closed port', async () => {
    const url = server.url;
    await server.close();
    server = await startServer(() => undefined);
    await expect(httpGet(url, options)).to.be.rejectedWith(MellonError).and.eventually.have.property('code', 'METADATA_UNAVAILABLE');
  });
});

describe('httpGet over https', () => {
  const key = testKey('tls-server');
  let server: Server;
  let plain: TestServer;
  let url = '';
  before(async () => {
    // A live plain-http target: were the downgrade followed, it would answer 200.
    plain = await startServer((_req, res) => res.end('<md/>'));
    server = createHttpsServer({ key: key.keyPem, cert: key.certPem }, (req, res) => {
      if (req.url === '/downgrade') {
        res.writeHead(302, { location: plain.url });
        res.end();
      } else res.end('<md/>');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    // A TCP server listening on a port has an AddressInfo address.
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await plain.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const options: HttpGetOptions = { timeoutMs: 2000, verifyTls: true, maxBytes: 1000 };

  it('refuses a certificate that does not verify (verifySslCertificate default)', async () => {
    await expect(httpGet(`${url}/metadata.xml`, options)).to.be.rejectedWith(MellonError).and.eventually.have.property('code', 'METADATA_UNAVAILABLE');
  });

  it('accepts it when verification is turned off', async () => {
    expect(await httpGet(`${url}/metadata.xml`, { ...options, verifyTls: false })).to.deep.include({ body: Buffer.from('<md/>') });
  });

  it('refuses a redirect from https down to http', async () => {
    await expect(httpGet(`${url}/downgrade`, { ...options, verifyTls: false }))
      .to.be.rejectedWith(MellonError)
      .and.eventually.have.property('code', 'METADATA_UNAVAILABLE');
    expect(plain.requests).to.have.length(0);
  });
});
