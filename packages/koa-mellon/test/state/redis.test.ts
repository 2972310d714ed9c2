import { expect } from 'chai';
import { createRedisStore } from 'koa-mellon';
import { requireXmlsec } from '../../../../test/helpers/xmlsec.js';
import { TestRedis } from '../../../../test/helpers/redis.js';
import { TestSp } from '../harness.js';

type ErrorBody = { error: string };

// Two instances behind a load balancer share a real redis-server: either can finish what the
// other started, and neither can accept what the other already accepted.
describe('two koa-mellon instances sharing Redis', () => {
  let redis: TestRedis;
  let a: TestSp;
  let b: TestSp;
  before(requireXmlsec);
  beforeEach(async () => {
    redis = await TestRedis.start();
    a = await TestSp.start('/accounts/mellon', { store: createRedisStore(redis.url), allowIdpInitiated: true });
    b = await TestSp.start('/accounts/mellon', { store: createRedisStore(redis.url), allowIdpInitiated: true });
  });
  afterEach(async () => {
    await a.stop();
    await b.stop();
    await redis.stop();
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

  it('fails closed with STORE_UNAVAILABLE when Redis is down, quickly and without a 500', async () => {
    const { requestId, relayState } = await a.startLogin();
    await redis.stop();
    const started = Date.now();
    const response = await b.post(b.mellon.urls.login, { SAMLResponse: b.response({ inResponseTo: requestId }), RelayState: relayState });
    expect(response.status).to.equal(503);
    expect(((await response.json()) as ErrorBody).error).to.equal('STORE_UNAVAILABLE');
    expect(Date.now() - started).to.be.below(5000);
  });
});

describe('two different apps sharing one Redis', () => {
  it('keep their users apart when each has its own namespace', async () => {
    const redis = await TestRedis.start();
    const one = await TestSp.start('/one', { store: createRedisStore(redis.url, { namespace: 'app-one' }) });
    const two = await TestSp.start('/two', { store: createRedisStore(redis.url, { namespace: 'app-two' }) });
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
