import { once } from 'node:events';
import { connect as connectHttp2, createServer as createHttp2Server } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import Koa from 'koa';
import { createMellon, type Logger, type MellonSettings } from 'koa-mellon';
import { RawConnection } from '../../../../test/helpers/raw-http.js';
import { TestSp, idpMetadata } from '../harness.js';

interface LogLine {
  readonly level: keyof Logger;
  readonly obj: object;
  readonly msg: string | undefined;
}

function recordingLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at = (level: keyof Logger) => (obj: object, msg?: string) => void lines.push({ level, obj, msg });
  return { logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }, lines };
}

/** Polls until `condition` holds, for at most 5 s (a bound on the wait, not an assertion on time). */
async function until(condition: () => boolean): Promise<void> {
  for (let waited = 0; !condition() && waited < 5000; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10));
}

const FORM = 'application/x-www-form-urlencoded';

// Issue #12: what an anonymous client can do to the connections and logs of the SAML endpoints.
for (const basePath of ['', '/accounts/mellon']) {
  describe(`koa-mellon on the wire, mounted at "${basePath || '/'}"`, () => {
    let sp: TestSp;
    let log: ReturnType<typeof recordingLogger>;
    const start = async (overrides: Partial<MellonSettings> = {}) => {
      log = recordingLogger();
      sp = await TestSp.start(basePath, { logger: log.logger, ...overrides });
    };
    const opened: RawConnection[] = [];
    afterEach(async () => {
      for (const conn of opened.splice(0)) conn.destroy();
      await sp.stop();
    });

    for (const route of ['login/', 'logout/']) {
      it(`a body cut off for size at ${route} is answered 413 with Connection: close, and the connection ends (it cannot hang the next request)`, async function () {
        this.timeout(4000);
        await start();
        const path = new URL(route, sp.mellon.urls.login.replace(/login\/$/, '')).pathname;
        const conn = await RawConnection.open(sp.origin, opened);
        const size = 2_000_000; // over four times the cap (256 KiB of XML in base64, plus room)
        await conn.write(RawConnection.head('POST', path, { 'content-type': FORM, 'content-length': size }));
        await conn.write(`SAMLResponse=${'A'.repeat(size - 13)}`);
        await conn.write(RawConnection.head('GET', path.replace(/(login|logout)\/$/, 'metadata/')));
        const first = await conn.response(1);
        expect(first?.status).to.equal(413);
        expect(first?.headers.get('connection')).to.equal('close');
        await conn.closed;
        // Whatever followed on that connection was answered or refused by a close, never left waiting.
        expect(conn.responses().slice(1).every((r) => r.status === 200)).to.equal(true);
        expect(log.lines.filter((l) => l.level === 'error')).to.deep.equal([]);
      });
    }

    it('a body over the cap but small enough is drained: 413, and the connection serves the next request', async () => {
      await start();
      const conn = await RawConnection.open(sp.origin, opened);
      const size = 400_000;
      await conn.write(RawConnection.head('POST', new URL(sp.mellon.urls.login).pathname, { 'content-type': FORM, 'content-length': size }));
      await conn.write(`SAMLResponse=${'A'.repeat(size - 13)}`);
      await conn.write(RawConnection.head('GET', new URL(sp.mellon.urls.metadata).pathname));
      expect((await conn.response(1))?.status).to.equal(413);
      expect((await conn.response(2))?.status).to.equal(200);
      conn.destroy();
    });

    it('a client that aborts its upload leaves no error-level log line (debug only)', async () => {
      await start();
      const conn = await RawConnection.open(sp.origin, opened);
      await conn.write(RawConnection.head('POST', new URL(sp.mellon.urls.login).pathname, { 'content-type': FORM, 'content-length': 100_000 }));
      await conn.write(`SAMLResponse=${'A'.repeat(5000)}`);
      conn.destroy();
      // The server logs the abort one way or the other; before the fix, as an error.
      await until(() => log.lines.some((l) => l.level === 'error' || (l.level === 'debug' && /client went away/.test(l.msg ?? ''))));
      expect(log.lines.filter((l) => l.level === 'error')).to.deep.equal([]);
    });

    it('a body trickling past bodyTimeout is refused REQUEST_TIMEOUT (408) and its connection closed', async function () {
      this.timeout(6000);
      await start({ bodyTimeout: 0.5 });
      const conns = await Promise.all([1, 2, 3].map(() => RawConnection.open(sp.origin, opened)));
      const path = new URL(sp.mellon.urls.logout).pathname;
      for (const conn of conns) await conn.write(RawConnection.head('POST', path, { 'content-type': FORM, 'content-length': 1000 }));
      // One byte every 50 ms: each chunk is within any idle timeout; only a deadline on the whole body ends it.
      const trickle = setInterval(() => conns.forEach((conn) => void conn.write('A')), 50);
      try {
        for (const conn of conns) {
          const answer = await conn.response(1);
          expect(answer?.status).to.equal(408);
          expect(answer?.headers.get('connection')).to.equal('close');
          expect(JSON.parse(answer?.body ?? '{}')).to.have.property('error', 'REQUEST_TIMEOUT');
          await conn.closed;
        }
      } finally {
        clearInterval(trickle);
      }
    });
  });
}

describe('koa-mellon on the wire over HTTP/2', () => {
  it('a body cut off for size is a 413 there too (no Connection header in HTTP/2: the stream ends with the answer)', async () => {
    const mellon = createMellon({ baseUrl: 'https://sp.example.test/sp', identityProviders: [{ metadata: idpMetadata() }] });
    const app = new Koa();
    app.keys = ['k'];
    app.proxy = true;
    app.use(mellon.routes());
    const server = createHttp2Server(app.callback()).listen(0, '127.0.0.1');
    await once(server, 'listening');
    const client = connectHttp2(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    try {
      const body = `SAMLResponse=${'A'.repeat(2_000_000)}`;
      const request = client.request({ ':method': 'POST', ':path': '/sp/login/', 'content-type': FORM, 'content-length': body.length, 'x-forwarded-proto': 'https', accept: 'application/json' });
      request.on('error', () => undefined); // the server may reset the stream it stopped reading
      request.end(body);
      const [headers] = (await once(request, 'response')) as [Record<string, unknown>];
      expect(headers[':status']).to.equal(413);
    } finally {
      client.destroy();
      mellon.close();
      server.close();
    }
  });
});

describe('koa-mellon: plain http to an https baseUrl', () => {
  let sp: TestSp;
  let log: ReturnType<typeof recordingLogger>;
  beforeEach(async () => {
    log = recordingLogger();
    sp = await TestSp.start('/accounts/mellon', { logger: log.logger });
  });
  afterEach(() => sp.stop());
  /** A request without X-Forwarded-Proto: Koa sees plain http (TestSp's app trusts the proxy headers). */
  const plain = (url: string, init: RequestInit = {}) => fetch(sp.local(url), { ...init, redirect: 'manual', headers: { accept: 'application/json', ...(init.headers as Record<string, string>) } });
  const hints = () => log.lines.filter((l) => l.level === 'warn' && 'appProxy' in l.obj);

  it('is refused with TRANSPORT_INSECURE (400), not a 500, on every browser route', async () => {
    for (const [url, init] of [
      [sp.mellon.urls.login, {}],
      [`${sp.mellon.urls.login}finish/`, {}],
      [sp.mellon.urls.logout, {}],
      [sp.mellon.urls.login, { method: 'POST', body: 'SAMLResponse=PHg%2F', headers: { 'content-type': 'application/x-www-form-urlencoded' } }],
    ] as const) {
      const response = await plain(url, init);
      expect(response.status, url).to.equal(400);
      expect(((await response.json()) as { error: string }).error).to.equal('TRANSPORT_INSECURE');
    }
    expect(log.lines.filter((l) => l.level === 'error')).to.deep.equal([]);
  });

  it('tells the operator once what to set, however many requests come', async () => {
    for (let i = 0; i < 3; i++) await plain(sp.mellon.urls.login);
    expect(hints()).to.have.length(1);
    expect(hints()[0]?.obj).to.deep.include({ baseUrl: 'https://sp.example.test', appProxy: true, forwardedProto: false });
  });

  it('is refused when the app does not trust X-Forwarded-Proto (app.proxy false behind a TLS proxy)', async () => {
    const mellon = createMellon({ baseUrl: 'https://sp.example.test/sp', identityProviders: [{ metadata: idpMetadata() }] });
    const app = new Koa();
    app.keys = ['k'];
    app.use(mellon.middleware());
    app.use(mellon.routes());
    const other = await TestSp.serve(app, mellon);
    try {
      const response = await fetch(other.local(mellon.urls.login), { redirect: 'manual', headers: { accept: 'application/json', 'x-forwarded-proto': 'https' } });
      expect(response.status).to.equal(400);
      expect(((await response.json()) as { error: string }).error).to.equal('TRANSPORT_INSECURE');
    } finally {
      await other.stop();
    }
  });

  it('still serves metadata/ (public, no cookie) and works over https as before', async () => {
    expect((await plain(sp.mellon.urls.metadata)).status).to.equal(200);
    expect((await sp.request(sp.mellon.urls.login)).status).to.equal(302);
  });
});
