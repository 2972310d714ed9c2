import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { testKeyPair } from '../../../test/helpers/keys.js';
import { requireXmlsec } from '../../../test/helpers/xmlsec.js';
import { createApp } from '../../../docs/examples/getting-started.js';
import { TestSp, idpMetadata, navigate } from './harness.js';

describe('docs/getting-started.md', () => {
  before(requireXmlsec);

  it('its example app logs a user in and greets them with the mapped e-mail', async () => {
    const { app, mellon } = createApp({
      baseUrl: 'https://app.example.test/accounts/mellon',
      identityProviders: [{ metadata: idpMetadata() }],
      privateKey: testKeyPair('sp').keyPath,
      publicKeys: [testKeyPair('sp').certPath],
    });
    const sp = await TestSp.serve(app, mellon);
    try {
      expect((await navigate(`${sp.origin}/`)).headers.location).to.equal(`${mellon.urls.login}?next=%2F`);
      expect((await sp.request(`${sp.origin}/`)).status).to.equal(401); // fetch from a script: an API call
      const { requestId, relayState } = await sp.startLogin('?next=/');
      const done = await sp.post(mellon.urls.login, { SAMLResponse: sp.response({ inResponseTo: requestId }), RelayState: relayState });
      expect(done.headers.get('location')).to.equal('/');
      expect(await (await sp.request(`${sp.origin}/`)).text()).to.equal('Hello alice-1234@saml (alice@example.test)');
    } finally {
      await sp.stop();
    }
  });

  it('shows the example file the test runs', () => {
    expect(readFileSync(new URL('../../../docs/getting-started.md', import.meta.url), 'utf8')).to.include('examples/getting-started.ts');
  });
});
