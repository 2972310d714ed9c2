// Issue #14: the IdP's flows in OpenTelemetry, as the SP's (FlowTrace gives every role the same
// spans and counters): a login and a single logout between @koa-mellon/idp and koa-mellon, seen
// through the SDK's in-memory exporters.
import { expect } from 'chai';
import { TELEMETRY_METRICS } from '@koa-mellon/web';
import { requireXmlsec } from '../../../test/helpers/xmlsec.js';
import { installInMemoryTelemetry, type InMemoryTelemetry } from '../../../test/helpers/telemetry.js';
import { nextOf } from './helpers/saml.js';
import { startWorld, type SpServer, type World } from './helpers/world.js';

describe('@koa-mellon/idp telemetry: spans and counters of its logins and logouts', () => {
  let telemetry: InMemoryTelemetry;
  let world: World | undefined;
  before(requireXmlsec);
  beforeEach(() => {
    telemetry = installInMemoryTelemetry();
  });
  afterEach(async () => {
    await world?.stop();
    world = undefined;
    await telemetry.close();
  });

  it('a login and a single logout are counted once each, for the IdP and for the SP, with spans of role idp', async () => {
    world = await startWorld({ sps: [{ idpSettings: { attributes: { mail: 'email' } } }] });
    const { browser, idp } = world;
    const sp = world.sps[0] as SpServer;
    const atLogin = await browser.go(`${sp.mellon.urls.login}?next=/a`);
    await browser.go(idp.url(`/login/as?user=alice&next=${encodeURIComponent(nextOf(atLogin.url))}`));
    expect((await sp.whoami()).user).to.not.equal(null);
    const out = await browser.go(`${sp.mellon.urls.logout}?next=/bye`);
    expect(out.url).to.equal('https://sp.example.test/bye');
    expect((await sp.whoami()).user).to.equal(null);

    const ok = (role: string) => [{ attributes: { 'koa_mellon.role': role, 'koa_mellon.outcome': 'ok' }, value: 1 }];
    const byRole = (points: { attributes: Record<string, unknown> }[], role: string) => points.filter((p) => p.attributes['koa_mellon.role'] === role);
    const logins = await telemetry.points(TELEMETRY_METRICS.logins);
    const logouts = await telemetry.points(TELEMETRY_METRICS.logouts);
    expect(byRole(logins, 'idp')).to.deep.equal(ok('idp'));
    expect(byRole(logins, 'sp')).to.deep.equal(ok('sp'));
    expect(byRole(logouts, 'idp')).to.deep.equal(ok('idp'));
    expect(byRole(logouts, 'sp')).to.deep.equal(ok('sp'));

    const spans = telemetry.spans();
    const idpLogin = spans.filter((s) => s.name === 'koa-mellon idp login');
    expect(idpLogin.length).to.be.greaterThan(0);
    for (const span of idpLogin) expect(span.attributes).to.include({ 'koa_mellon.role': 'idp', 'koa_mellon.flow': 'login', 'koa_mellon.peer': sp.mellon.urls.entityId });
    expect(spans.some((s) => s.name === 'koa-mellon idp logout')).to.equal(true);
    // Nothing personal in any attribute: not the user's e-mail, not a NameID.
    const values = spans.flatMap((s) => Object.values(s.attributes).map(String));
    expect(values.join(' ')).to.not.include('alice');
  });

  it('a refused request counts a refused login with its code, and its span is an error', async () => {
    world = await startWorld({ sps: [{}] });
    const stop = await world.browser.go(`${world.idp.idp.urls.sso}?SAMLRequest=not-a-request`);
    expect(stop.status).to.equal(400);
    const refused = (await telemetry.points(TELEMETRY_METRICS.logins)).filter((p) => p.attributes['koa_mellon.role'] === 'idp');
    expect(refused).to.deep.equal([{ attributes: { 'koa_mellon.role': 'idp', 'koa_mellon.outcome': 'refused', 'error.type': 'BASE64_INVALID' }, value: 1 }]);
    const span = telemetry.spans().find((s) => s.name === 'koa-mellon idp login');
    expect(span?.status).to.deep.include({ code: 2, message: 'BASE64_INVALID' });
  });
});
