import { expect } from 'chai';
import type { IdpLogger } from '@koa-mellon/idp';
import { RawConnection } from '../../../test/helpers/raw-http.js';
import { Browser } from './helpers/browser.js';
import { RawSp } from './helpers/raw-sp.js';
import { IdpServer, type IdpServerOptions } from './helpers/world.js';

interface LogLine {
  readonly level: keyof IdpLogger;
  readonly obj: object;
  readonly msg: string | undefined;
}

/** Polls until `condition` holds, for at most 5 s (a bound on the wait, not an assertion on time). */
async function until(condition: () => boolean): Promise<void> {
  for (let waited = 0; !condition() && waited < 5000; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10));
}

const FORM = 'application/x-www-form-urlencoded';

// Issue #12: what an anonymous client can do to the IdP's connections and logs.
describe('@koa-mellon/idp on the wire', () => {
  const sp = new RawSp();
  let idp: IdpServer;
  let lines: LogLine[];
  const start = async (settings: IdpServerOptions['settings'] = {}) => {
    lines = [];
    const at = (level: keyof IdpLogger) => (obj: object, msg?: string) => void lines.push({ level, obj, msg });
    const logger: IdpLogger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
    idp = await IdpServer.start(new Browser(), [{ metadata: sp.metadata() }], { settings: { logger, ...settings } });
  };
  const path = (url: string) => new URL(url).pathname;
  const opened: RawConnection[] = [];
  afterEach(async () => {
    for (const conn of opened.splice(0)) conn.destroy();
    await idp.stop();
  });

  it('a body cut off for size at sso/ is answered 413 with Connection: close, and the connection ends', async function () {
    this.timeout(4000);
    await start();
    const conn = await RawConnection.open(idp.local, opened);
    const size = 2_000_000;
    await conn.write(RawConnection.head('POST', path(idp.idp.urls.sso), { 'content-type': FORM, 'content-length': size }));
    await conn.write(`SAMLRequest=${'A'.repeat(size - 12)}`);
    await conn.write(RawConnection.head('GET', path(idp.idp.urls.metadata)));
    const first = await conn.response(1);
    expect(first?.status).to.equal(413);
    expect(first?.headers.get('connection')).to.equal('close');
    await conn.closed;
    expect(conn.responses().slice(1).every((r) => r.status === 200)).to.equal(true);
  });

  it('a client that aborts its upload to slo/ leaves no error-level log line', async () => {
    await start();
    const conn = await RawConnection.open(idp.local, opened);
    await conn.write(RawConnection.head('POST', path(idp.idp.urls.slo), { 'content-type': FORM, 'content-length': 100_000 }));
    await conn.write(`SAMLRequest=${'A'.repeat(5000)}`);
    conn.destroy();
    await until(() => lines.some((l) => l.level === 'error' || (l.level === 'debug' && /client went away/.test(l.msg ?? ''))));
    expect(lines.filter((l) => l.level === 'error')).to.deep.equal([]);
  });

  it('a body trickling past bodyTimeout is refused REQUEST_TIMEOUT (408) and its connection closed', async function () {
    this.timeout(6000);
    await start({ bodyTimeout: 0.5 });
    const conns = await Promise.all([1, 2, 3].map(() => RawConnection.open(idp.local, opened)));
    for (const conn of conns) await conn.write(RawConnection.head('POST', path(idp.idp.urls.sso), { 'content-type': FORM, 'content-length': 1000 }));
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

  describe('plain http to an https baseUrl', () => {
    const plain = (url: string) => fetch(`${idp.local}${new URL(url).pathname}${new URL(url).search}`, { redirect: 'manual', headers: { accept: 'application/json' } });

    it('sso/ is refused with TRANSPORT_INSECURE (400), not a 500, and the operator is told once', async () => {
      await start();
      for (let i = 0; i < 3; i++) {
        const response = await plain(sp.redirectRequest(idp.idp.urls.sso).url);
        expect(response.status).to.equal(400);
        expect(((await response.json()) as { error: string }).error).to.equal('TRANSPORT_INSECURE');
      }
      expect(lines.filter((l) => l.level === 'warn' && 'appProxy' in l.obj)).to.have.length(1);
      expect(lines.filter((l) => l.level === 'error')).to.deep.equal([]);
    });

    it('metadata/ is still served (public, no cookie)', async () => {
      await start();
      expect((await plain(idp.idp.urls.metadata)).status).to.equal(200);
    });
  });
});
