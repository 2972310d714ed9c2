import { expect, use } from 'chai';
import chaiAsPromised from 'chai-as-promised';
import { ConfigError } from '@koa-mellon/saml';
import { createMemoryStore } from '@koa-mellon/web';
import { createJwtBridge, type JwtBridgeSettings } from '../src/index.js';
import { baseSettings } from './helpers/bridge.js';

use(chaiAsPromised);

describe('createJwtBridge settings', () => {
  const refusals: [string, Partial<JwtBridgeSettings>, string][] = [
    ['an http issuer that is not loopback', { issuer: 'http://app.example.test' }, 'issuer'],
    ['a short CSRF secret', { secret: 'too-short' }, 'secret'],
    ['an empty audience', { audience: '' }, 'audience'],
    ['a client redirect URI over http', { clients: [{ clientId: 'spa', redirectUris: ['http://spa.example.test/cb'] }] }, 'clients[0].redirectUris[0]'],
    ['a client named like cookie mode', { clients: [{ clientId: 'cookie', redirectUris: ['https://spa.example.test/cb'] }] }, 'clients[0].clientId'],
    ['a zero access-token lifetime', { accessTokenLifetime: 0 }, 'accessTokenLifetime'],
  ];
  for (const [what, overrides, path] of refusals) {
    it(`refuses ${what} (CONFIG_INVALID at ${path})`, async () => {
      await expect(createJwtBridge(baseSettings(createMemoryStore(), overrides))).to.be.rejectedWith(ConfigError).and.eventually.include({ code: 'CONFIG_INVALID', path });
    });
  }

  it('accepts http on localhost for development, and publishes its route URLs under basePath', async () => {
    const bridge = await createJwtBridge(baseSettings(createMemoryStore(), { issuer: 'http://localhost:3000', basePath: '/auth' }));
    expect(bridge.urls.jwks).to.equal('http://localhost:3000/auth/jwks');
    await bridge.close();
  });
});
