import { expect } from 'chai';
import { createRedisStore } from 'koa-mellon';
import { requireXmlsec } from '../../../../test/helpers/xmlsec.js';
import { TestRedis } from '../../../../test/helpers/redis.js';
import { SHARED_BACKENDS, type SharedStateServer } from '../../../../test/helpers/shared-state.js';
import { TestSp } from '../harness.js';

type ErrorBody = { error: string };

// Two instances behind a load balancer share a real server: either can finish what the other
// started, and neither can accept what the other already accepted.
for (const backend of SHARED_BACKENDS) describe(`two koa-mellon instances sharing ${backend.name}`, () => {
  let server: SharedStateServer;
  let a: TestSp;
  let b: TestSp;
  before(requireXmlsec);
  beforeEach(async () => {
    server = await backend.start();
    a = await TestSp.start('/accounts/mellon', { store: await server.connect(), allowIdpInitiated: true });
    b = await TestSp.start('/accounts/mellon', { store: await server.connect(), allowIdpInitiated: true });
  });
  afterEach(async () => {
    await a.stop();
    await b.stop();
    await server.stop();
  });

  it('a login started on one instance is finished on the other, and the session is seen by both', async () => {
    const { requestId, relayState } = await a.startLogin('?next=/reports');
    b.cookies = new Map(a.cookies); // one browser behind a load balancer
    const response = await b.post(b.mellon.urls.login, { SAMLResponse: b.response({ inResponseTo: requestId }), RelayState: relayState });
    expect(response.status).to.equal(303);
    expect(response.headers.get('location')).to.equal('/reports');
    a.cookies = new Map(b.cookies);
    expect((await a.whoami()).user?.username).to.equal('alice-1234@saml');
  });

  it('an assertion accepted by one instance is refused by the other (replay)', async () => {
    const SAMLResponse = a.response({ inResponseTo: null });
    expect((await a.post(a.mellon.urls.login, { SAMLResponse })).status).to.equal(303);
    const replay = await b.post(b.mellon.urls.login, { SAMLResponse });
    expect(((await replay.json()) as ErrorBody).error).to.equal('REPLAYED_ASSERTION');
  });

  it('a request ID answered on one instance cannot be answered again on the other', async () => {
    const { requestId, relayState } = await a.startLogin();
    expect((await a.post(a.mellon.urls.login, { SAMLResponse: a.response({ inResponseTo: requestId }), RelayState: relayState })).status).to.equal(303);
    const again = await b.post(b.mellon.urls.login, { SAMLResponse: b.response({ inResponseTo: requestId }) });
    expect(((await again.json()) as ErrorBody).error).to.equal('IN_RESPONSE_TO_MISMATCH');
  });

  it('IdP-initiated logout received by one instance ends the session created on the other', async () => {
    expect((await a.login()).status).to.equal(303);
    const response = await b.request(b.idpLogoutRequest('alice-1234'));
    expect(response.status).to.equal(302);
    expect((await a.whoami()).user).to.equal(null);
  });

  it('fails closed with STORE_UNAVAILABLE when the server is down, quickly and without a 500', async () => {
    const { requestId, relayState } = await a.startLogin();
    await server.kill();
    const started = Date.now();
    const response = await b.post(b.mellon.urls.login, { SAMLResponse: b.response({ inResponseTo: requestId }), RelayState: relayState });
    expect(response.status).to.equal(503);
    expect(((await response.json()) as ErrorBody).error).to.equal('STORE_UNAVAILABLE');
    expect(Date.now() - started).to.be.below(5000);
  });

  it('recovers by itself once the server is back, with no restart of the app', async () => {
    await server.kill();
    expect((await a.request(a.mellon.urls.login)).status).to.equal(503);
    await server.restart();
    // Connections are made again in the background: the first requests after the restart may still fail.
    let status = 0;
    for (let attempt = 0; attempt < 100 && status !== 302; attempt++) {
      status = (await a.request(a.mellon.urls.login)).status;
      if (status !== 302) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(status).to.equal(302);
    expect((await a.login()).status).to.equal(303);
  });

  it('the same new user logging in on both instances at once gets one account, never two', async () => {
    const nameId = 'carol-5678';
    const [one, two] = await Promise.all([a.login({ nameId }), b.login({ nameId })]);
    const accounts = new Set<string>();
    for (const [sp, response] of [[a, one], [b, two]] as const) {
      if (response.status !== 303) continue;
      const user = (await sp.whoami()).user as { id?: string } | null;
      if (user?.id) accounts.add(user.id);
    }
    // The username is claimed atomically: the loser of the race finds the winner's account, or is refused.
    expect(accounts.size).to.equal(1);
    a.cookies = new Map();
    expect((await a.login({ nameId })).status).to.equal(303);
    expect(((await a.whoami()).user as { id?: string } | null)?.id).to.equal([...accounts][0]);
  });
});

describe('two different apps sharing one Redis', () => {
  it('keep their users apart when each has its own namespace', async () => {
    const redis = await TestRedis.start();
    const one = await TestSp.start('/one', { store: await createRedisStore({ url: redis.url, prefix: 'app-one' }) });
    const two = await TestSp.start('/two', { store: await createRedisStore({ url: redis.url, prefix: 'app-two' }) });
    try {
      expect((await one.login()).status).to.equal(303);
      // The same NameID makes the same username in both apps: no "username taken" across apps.
      expect((await two.login()).status).to.equal(303);
      expect((await two.whoami()).user?.username).to.equal('alice-1234@saml');
    } finally {
      await one.stop();
      await two.stop();
      await redis.stop();
    }
  });
});
