import { expect } from 'chai';
import { requireXmlsec } from '../../../../test/helpers/xmlsec.js';
import { TestSp } from '../harness.js';

type ErrorBody = { error: string };

// Login CSRF: the attacker starts a login, gets a genuine response for their own account, and makes
// the victim's browser post it. The response is valid, but the login must not finish in a browser
// that did not start it.
describe('browser binding of SP-initiated logins', () => {
  let attacker: TestSp;
  before(requireXmlsec);
  beforeEach(async () => {
    attacker = await TestSp.start('/accounts/mellon');
  });
  afterEach(() => attacker.stop());

  it('the ACS answers with a 303 to login/finish/, a same-site GET', async () => {
    const { requestId, relayState } = await attacker.startLogin('?next=/x');
    const response = await attacker.postOnly(attacker.mellon.urls.login, { SAMLResponse: attacker.response({ inResponseTo: requestId }), RelayState: relayState });
    expect(response.status).to.equal(303);
    expect(response.headers.get('location')).to.match(new RegExp(`^${attacker.mellon.urls.login}finish/\\?k=[0-9a-f]{32}$`));
  });

  it('refuses to finish in a browser without the binding cookie (the victim’s)', async () => {
    const { requestId, relayState } = await attacker.startLogin();
    const stash = await attacker.postOnly(attacker.mellon.urls.login, { SAMLResponse: attacker.response({ inResponseTo: requestId }), RelayState: relayState });
    attacker.cookies.clear(); // the victim's browser: no cookie from the attacker's login start
    const finish = await attacker.request(stash.headers.get('location') ?? '', { headers: { accept: 'application/json' } });
    expect(((await finish.json()) as ErrorBody).error).to.equal('LOGIN_BROWSER_MISMATCH');
    expect((await attacker.whoami()).user).to.equal(null);
  });

  it('a finish link works once', async () => {
    const { requestId, relayState } = await attacker.startLogin();
    const stash = await attacker.postOnly(attacker.mellon.urls.login, { SAMLResponse: attacker.response({ inResponseTo: requestId }), RelayState: relayState });
    const location = stash.headers.get('location') ?? '';
    expect((await attacker.request(location)).status).to.equal(303);
    const again = await attacker.request(location, { headers: { accept: 'application/json' } });
    expect(((await again.json()) as ErrorBody).error).to.equal('IN_RESPONSE_TO_MISMATCH');
  });
});
