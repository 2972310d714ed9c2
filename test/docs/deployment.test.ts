import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import Koa from 'koa';
import { createMellon } from 'koa-mellon';
import { SERVER_TIMEOUTS, serve } from '../../docs/examples/deployment-server.js';
import { idpMetadata } from '../../packages/koa-mellon/test/harness.js';
import { testKeyPair } from '../helpers/keys.js';

describe('docs/deployment.md', () => {
  it('its serve() sets the server timeouts and trusts the proxy headers that make an https baseUrl work', async () => {
    const mellon = createMellon({
      baseUrl: 'https://app.example.test/sso',
      identityProviders: [{ metadata: idpMetadata() }],
      privateKey: testKeyPair('sp').keyPem,
      publicKeys: [testKeyPair('sp').certPem],
    });
    const app = new Koa();
    app.keys = ['k'];
    app.use(mellon.middleware());
    app.use(mellon.routes());
    const server = serve(app, { port: 0, behindProxy: true });
    try {
      await once(server, 'listening');
      expect(server.headersTimeout).to.equal(SERVER_TIMEOUTS.headersTimeout);
      expect(server.requestTimeout).to.equal(SERVER_TIMEOUTS.requestTimeout);
      expect(server.keepAliveTimeout).to.equal(SERVER_TIMEOUTS.keepAliveTimeout);
      const login = `http://127.0.0.1:${(server.address() as AddressInfo).port}/sso/login/`;
      // As the TLS proxy forwards it: a login starts (Secure cookies can be set).
      expect((await fetch(login, { redirect: 'manual', headers: { 'x-forwarded-proto': 'https' } })).status).to.equal(302);
      // Without the header: the refusal the page explains.
      const plain = await fetch(login, { redirect: 'manual', headers: { accept: 'application/json' } });
      expect(((await plain.json()) as { error: string }).error).to.equal('TRANSPORT_INSECURE');
    } finally {
      mellon.close();
      server.close();
    }
  });

  it('shows the example file the test runs', () => {
    expect(readFileSync(new URL('../../docs/deployment.md', import.meta.url), 'utf8')).to.include('examples/deployment-server.ts');
  });
});
