// Two koa-mellon instances behind one public URL, sharing a real redis-server through
// createRedisStore: the login starts on instance 1 and SimpleSAMLphp's Response is posted to
// instance 2, as happens behind a load balancer without sticky sessions.
import { once } from 'node:events';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { createRedisStore, type StateStore } from 'koa-mellon';
import { TestRedis } from '../../helpers/redis.js';
import { MELLON_PATH, type SpApp } from './sp-app.js';
import { expectPrivatePage, recordSaml, submitIdpForm, useWorld, whoami } from './world.js';

/** A forwarding proxy on 127.0.0.1: `route(req)` picks the upstream for each request. */
class SplitProxy {
  private constructor(
    private readonly server: Server,
    readonly origin: string,
  ) {}

  static async start(): Promise<SplitProxy> {
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return new SplitProxy(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  }

  /** Sends GET login/ (the AuthnRequest) to `first`, everything else (the ACS, login/finish/, pages) to `second`. */
  route(first: SpApp, second: SpApp): void {
    const login = `${MELLON_PATH}/login/`;
    this.server.on('request', (req: IncomingMessage, res) => {
      const isStart = req.method === 'GET' && (req.url ?? '').split('?')[0] === login;
      const upstream = new URL(isStart ? first.localOrigin : second.localOrigin);
      const forward = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      forward.on('error', () => res.writeHead(502).end());
      req.pipe(forward);
    });
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    this.server.close();
    await once(this.server, 'close');
  }
}

describe('interop: SimpleSAMLphp — two instances sharing Redis', function () {
  this.timeout(60_000);
  const world = useWorld();
  let redis: TestRedis | undefined;

  before(async () => {
    redis = await TestRedis.start();
  });
  after(async () => {
    await redis?.stop();
  });

  async function pair(shared: boolean): Promise<{ proxy: SplitProxy; one: SpApp; two: SpApp }> {
    const proxy = world.track(await SplitProxy.start());
    const baseUrl = `${proxy.origin}${MELLON_PATH}`;
    const store = async (): Promise<{ store: StateStore } | Record<string, never>> => (shared ? { store: await createRedisStore((redis as TestRedis).url) } : {});
    const one = await world.startSp({ name: 'instance-1', baseUrl, settings: await store(), register: false });
    const two = await world.startSp({ name: 'instance-2', baseUrl, settings: await store() });
    proxy.route(one, two);
    return { proxy, one, two };
  }

  const loginPath = `${MELLON_PATH}/login/`;

  it('the login started on instance 1 completes on instance 2', async () => {
    const { one, two } = await pair(true);
    const page = await world.page();
    const saml = recordSaml(page, one);
    await page.goto(two.url('/private'));
    await submitIdpForm(page, 'employee');
    await expectPrivatePage(page, two, 'employee');
    expect(await page.textContent('#served-by')).to.equal('instance-2');
    expect(saml.responses).to.have.length(1);

    // Instance 1 sent the AuthnRequest and never saw the Response; instance 2 ran the ACS, then
    // login/finish/ (the browser-binding check, with the cookie instance 1 set).
    expect(one.handled.map((r) => `${r.method} ${r.path.split('?')[0]} ${r.status}`)).to.deep.equal([`GET ${loginPath} 302`]);
    const acs = two.handled.filter((r) => r.path.startsWith(loginPath)).map((r) => `${r.method} ${r.path.split('?')[0]} ${r.status}`);
    expect(acs).to.deep.equal([`POST ${loginPath} 303`, `GET ${loginPath}finish/ 303`]);
    expect(one.refusals().concat(two.refusals())).to.deep.equal([]);
    // The session lives in Redis: instance 2 serves it (every non-login request goes there).
    expect((await whoami(page, two)).user?.username).to.equal('employee@saml');
  });

  it('control: with each instance on its own in-memory store, instance 2 refuses the Response', async () => {
    const { one, two } = await pair(false);
    const page = await world.page();
    await page.goto(two.url('/private'));
    const acsAnswer = page.waitForResponse((r) => r.url() === two.urls.login && r.request().method() === 'POST');
    await submitIdpForm(page, 'employee');
    expect((await acsAnswer).status()).to.equal(400);
    expect(one.handled.map((r) => `${r.method} ${r.path.split('?')[0]}`)).to.deep.equal([`GET ${loginPath}`]);
    // Instance 2 never sent this AuthnRequest: the InResponseTo is not one of its own.
    expect(two.refusals()).to.deep.equal(['IN_RESPONSE_TO_MISMATCH']);
    expect((await whoami(page, two)).user).to.equal(null);
  });
});
