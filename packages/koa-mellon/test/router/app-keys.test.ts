import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import Koa from 'koa';
import { createMellon } from 'koa-mellon';
import { testKeyPair } from '../../../../test/helpers/keys.js';
import { idpMetadata } from '../harness.js';

// The README's quick start without COOKIE_SECRET: Koa refused to sign the cookie, a 500 that
// logged nothing. Now the first request says what to set, and the pages say CONFIG_INVALID.
describe('an app without app.keys', () => {
  it('answers CONFIG_INVALID (not a bare 500) and logs once, at error level, what to set', async () => {
    const lines: Array<{ level: string; fields: object; message: string }> = [];
    const at = (level: string) => (fields: object, message: string) => lines.push({ level, fields, message });
    const mellon = createMellon({
      baseUrl: 'http://127.0.0.1/accounts/mellon',
      identityProviders: [{ metadata: idpMetadata() }],
      privateKey: testKeyPair('sp').keyPem,
      publicKeys: [testKeyPair('sp').certPem],
      logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') },
    });
    const app = new Koa();
    app.use(mellon.middleware());
    app.use(mellon.routes());
    app.use((ctx) => {
      ctx.body = { anonymous: ctx.state.user === undefined };
    });
    const server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      for (let i = 0; i < 2; i++) {
        const login = await fetch(`${origin}/accounts/mellon/login/?next=/x`, { headers: { accept: 'application/json' }, redirect: 'manual' });
        expect(login.status).to.equal(500);
        expect(((await login.json()) as { error: string }).error).to.equal('CONFIG_INVALID');
      }
      // The rest of the app keeps serving, anonymously.
      expect(await (await fetch(`${origin}/home`)).json()).to.deep.equal({ anonymous: true });
      const told = lines.filter((line) => line.level === 'error' && line.message.includes('app.keys'));
      expect(told).to.have.length(1);
      expect(told[0]?.message).to.include('app.keys = [');
    } finally {
      mellon.close();
      server.close();
    }
  });
});
