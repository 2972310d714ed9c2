import { expect } from 'chai';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateIdpMetadata } from '@koa-mellon/saml';
import { testKeyPair } from '../../../test/helpers/keys.js';
import { requireXmlsec } from '../../../test/helpers/xmlsec.js';
import { IDP_SSO, TestSp, idpMetadata } from './harness.js';

/**
 * issue #12.2: an IdP configured by `metadataUrl` alone (no `entityId`). When the URL starts
 * serving the metadata of another entity, the copy in use stays, and logins keep being verified
 * with the IdP's keys.
 */
describe('an IdP by metadataUrl without entityId, whose URL starts serving another entity', () => {
  let server: Server;
  let url: string;
  let served: string;
  let cacheDir: string;
  let sp: TestSp;
  const logged: Array<Record<string, unknown>> = [];
  const keep = (fields: object): void => {
    logged.push({ ...fields });
  };

  before(requireXmlsec);
  beforeEach(async () => {
    served = idpMetadata();
    server = createServer((_req, res) => res.end(served));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metadata`;
    cacheDir = mkdtempSync(join(tmpdir(), 'km-pin-'));
    logged.length = 0;
    sp = await TestSp.start('', {
      identityProviders: [{ metadataUrl: url }],
      metadataCacheDir: cacheDir,
      // One second: the next login after it starts a background refresh.
      metadataCacheTime: 1,
      logger: { debug: keep, info: keep, warn: keep, error: keep },
    });
  });
  afterEach(async () => {
    await sp.stop();
    server.close();
    rmSync(cacheDir, { recursive: true, force: true });
  });

  /** Waits (a real second: the cache time) for a refresh to run, and returns what it logged. */
  const refresh = async (): Promise<Record<string, unknown>> => {
    await new Promise((resolve) => setTimeout(resolve, 1100));
    for (let tries = 0; tries < 100; tries++) {
      // A login start reads the metadata, which starts the due refresh in the background.
      await sp.startLogin();
      const found = logged.find((fields) => fields.event !== 'loaded' && typeof fields.event === 'string');
      if (found) return found;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('no refresh logged');
  };

  it('keeps logging users in with the IdP’s keys, and logs the refused copy as METADATA_ENTITY_CHANGED', async () => {
    expect((await sp.login()).status).to.equal(303);
    served = generateIdpMetadata({
      entityId: 'https://other-idp.example.net/metadata',
      singleSignOnServiceUrl: IDP_SSO,
      certificates: [testKeyPair('other-idp').certPem],
    });
    const line = await refresh();
    sp.cookies.clear();
    const again = await sp.login();
    expect(again.status).to.equal(303);
    expect((await sp.whoami()).mellon?.nameIdContent).to.equal('alice-1234');
    expect(line).to.deep.include({ idp: 0, event: 'entity-changed', code: 'METADATA_ENTITY_CHANGED', received: ['https://other-idp.example.net/metadata'] });
  });
});
