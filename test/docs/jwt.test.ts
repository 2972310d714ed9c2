import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { createMemoryStore } from '@koa-mellon/web';
import { generateJwtKey } from '@koa-mellon/jwt';
import { createJwtApp } from '../../docs/examples/jwt-app.js';
import { idpMetadata } from '../../packages/koa-mellon/test/harness.js';
import { testKeyPair } from '../helpers/keys.js';

describe('docs/jwt.md', () => {
  it('its example app serves the JWKS, sends a sign-in to the SAML login, and guards the API with Bearer', async () => {
    const { app, bridge, mellon } = await createJwtApp({
      origin: 'https://app.example.test',
      sp: { identityProviders: [{ metadata: idpMetadata() }], privateKey: testKeyPair('sp').keyPem, publicKeys: [testKeyPair('sp').certPem] },
      jwtKeys: [{ kid: 'k1', alg: 'EdDSA', privateKey: generateJwtKey('EdDSA').privateKey, use: 'sign' }],
      store: createMemoryStore(),
      secret: 'docs-example-secret-docs-example-secret',
    });
    const server = createServer(app.callback()).listen(0, '127.0.0.1');
    try {
      await once(server, 'listening');
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const jwks = (await (await fetch(`${base}/jwt/jwks`)).json()) as { keys: { kid: string }[] };
      expect(jwks.keys.map((k) => k.kid)).to.deep.equal(['k1']);
      const api = await fetch(`${base}/api/me`, { headers: { 'x-forwarded-proto': 'https' } });
      expect(api.status).to.equal(401);
      expect(api.headers.get('www-authenticate')).to.match(/^Bearer realm=/);
      const challenge = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';
      const authorize = await fetch(`${base}/jwt/authorize?response_type=code&client_id=spa&redirect_uri=${encodeURIComponent('https://spa.example.com/callback')}&code_challenge=${challenge}&code_challenge_method=S256`, { redirect: 'manual' });
      expect(authorize.headers.get('location')).to.match(/^https:\/\/app\.example\.test\/saml\/login\/\?next=/);
    } finally {
      server.close();
      mellon.close();
      await bridge.close();
    }
  });

  it('names the example file and the choices it documents', () => {
    const text = readFileSync(new URL('../../docs/jwt.md', import.meta.url), 'utf8');
    expect(text).to.include('examples/jwt-app.ts').and.include('node-oidc-provider').and.include('RFC 9700').and.include('RFC 8725').and.include('RFC 9068');
  });
});
