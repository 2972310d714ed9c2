import { expect } from 'chai';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testKeyPair } from '../../../test/helpers/keys.js';
import { TestSp, idpMetadata } from './harness.js';

/**
 * issue #18: `metadataUrlGuard` and `metadataUrlAllowList` reach the IdP's metadata source. The
 * IdP's metadata is served over https by a real local server with a self-signed certificate.
 */
describe('metadataUrlGuard (SSRF guard of an IdP metadataUrl)', () => {
  let server: Server;
  let url: string;
  let requests: number;
  let cacheDir: string;
  let sp: TestSp | undefined;

  beforeEach(async () => {
    const key = testKeyPair('guard-metadata-server');
    requests = 0;
    server = createServer({ key: key.keyPem, cert: key.certPem }, (_req, res) => {
      requests++;
      res.end(idpMetadata());
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/metadata`;
    cacheDir = mkdtempSync(join(tmpdir(), 'km-guard-'));
  });
  afterEach(async () => {
    await sp?.stop();
    sp = undefined;
    server.closeAllConnections();
    server.close();
    rmSync(cacheDir, { recursive: true, force: true });
  });

  const start = (overrides: Record<string, unknown>) =>
    TestSp.start('', {
      identityProviders: [{ metadataUrl: url, verifySslCertificate: false, ...overrides }],
      metadataCacheDir: cacheDir,
      logger: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
    });

  it('refuses a loopback metadataUrl with a friendly METADATA_URL_FORBIDDEN page, without fetching it', async () => {
    sp = await start({ metadataUrlGuard: true });
    const response = await sp.request(sp.mellon.urls.login, { headers: { accept: 'application/json' } });
    expect(response.status).to.equal(500);
    expect(await response.text()).to.include('METADATA_URL_FORBIDDEN');
    expect(requests).to.equal(0);
  });

  it('fetches it when the address is in metadataUrlAllowList', async () => {
    sp = await start({ metadataUrlGuard: true, metadataUrlAllowList: ['127.0.0.1/32'] });
    const { location } = await sp.startLogin();
    expect(location).to.match(/^https?:\/\//);
    expect(requests).to.equal(1);
  });

  it('leaves static settings unguarded by default', async () => {
    sp = await start({});
    await sp.startLogin();
    expect(requests).to.equal(1);
  });
});
