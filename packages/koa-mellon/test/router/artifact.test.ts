import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import {
  buildArtifactResponse,
  buildSoapEnvelope,
  createArtifact,
  generateIdpMetadata,
  parseArtifactResolve,
  parseSoapEnvelope,
  parseXml,
  serializeXml,
  signElement,
} from '@koa-mellon/saml';
import { testKeyPair } from '../../../../test/helpers/keys.js';
import { requireXmlsec } from '../../../../test/helpers/xmlsec.js';
import { IDP_ENTITY_ID } from '../../../../test/helpers/response-fixture.js';
import { IDP_SLO, IDP_SSO, TestSp } from '../harness.js';

type ErrorBody = { error: string };

/** The IdP's ArtifactResolutionService on 127.0.0.1: answers each artifact once, signed. */
class ArtifactService {
  readonly messages = new Map<string, string>();
  readonly requests: string[] = [];
  private constructor(private readonly server: Server, readonly url: string) {}
  static async start(): Promise<ArtifactService> {
    let service: ArtifactService | undefined;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const { message } = parseSoapEnvelope(Buffer.concat(chunks).toString());
        const resolve = parseArtifactResolve(message);
        service?.requests.push(resolve.artifact);
        const xml = service?.messages.get(resolve.artifact);
        service?.messages.delete(resolve.artifact);
        const { document } = buildArtifactResponse({ issuer: IDP_ENTITY_ID, inResponseTo: resolve.id, message: xml ? parseXml(xml).root : undefined });
        signElement(document.documentElement, { privateKey: testKeyPair('idp').privateKey });
        res.setHeader('content-type', 'text/xml');
        res.end(serializeXml(buildSoapEnvelope(document.documentElement)));
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    service = new ArtifactService(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}/ars`);
    return service;
  }
  async stop(): Promise<void> {
    this.server.close();
    await once(this.server, 'close');
  }
}

describe('HTTP-Artifact ACS (GET login/?SAMLart=)', () => {
  let sp: TestSp;
  let ars: ArtifactService;
  let metadata: string;
  before(requireXmlsec);
  beforeEach(async () => {
    ars = await ArtifactService.start();
    metadata = generateIdpMetadata({ entityId: IDP_ENTITY_ID, singleSignOnServiceUrl: IDP_SSO, singleLogoutServiceUrl: IDP_SLO, artifactResolutionServiceUrl: ars.url, certificates: [testKeyPair('idp').certPem] });
    sp = await TestSp.start('/accounts/mellon', { identityProviders: [{ metadata }], defaultAssertionConsumerBinding: 'artifact' });
  });
  afterEach(async () => {
    await sp.stop();
    await ars.stop();
  });

  it('asks for the Artifact binding and resolves the artifact over SOAP to log the user in', async () => {
    const { requestId, relayState, location } = await sp.startLogin('?next=/a');
    expect(location).to.not.equal('');
    const { artifact } = createArtifact(IDP_ENTITY_ID);
    ars.messages.set(artifact, Buffer.from(sp.response({ inResponseTo: requestId }), 'base64').toString());
    const stash = await sp.request(`${sp.mellon.urls.login}?SAMLart=${encodeURIComponent(artifact)}&RelayState=${relayState}`);
    const response = await sp.request(stash.headers.get('location') ?? '');
    expect(response.status).to.equal(303);
    expect(response.headers.get('location')).to.equal('/a');
    expect(ars.requests).to.deep.equal([artifact]);
    expect((await sp.whoami()).user?.username).to.equal('alice-1234@saml');
  });

  it('refuses an artifact the IdP cannot resolve', async () => {
    const { relayState } = await sp.startLogin();
    const { artifact } = createArtifact(IDP_ENTITY_ID);
    const response = await sp.request(`${sp.mellon.urls.login}?SAMLart=${encodeURIComponent(artifact)}&RelayState=${relayState}`, { headers: { accept: 'application/json' } });
    expect(((await response.json()) as ErrorBody).error).to.equal('ARTIFACT_RESOLUTION_FAILED');
  });

  it('an unsolicited artifact that fails: the error page links to that IdP’s errorUrl', async () => {
    const helped = await TestSp.start('/accounts/mellon', { identityProviders: [{ metadata, errorUrl: '/sso-help' }], defaultAssertionConsumerBinding: 'artifact' });
    try {
      const { artifact } = createArtifact(IDP_ENTITY_ID);
      const response = await helped.request(`${helped.mellon.urls.login}?SAMLart=${encodeURIComponent(artifact)}`, { headers: { accept: 'application/json' } });
      expect(await response.json()).to.deep.include({ error: 'ARTIFACT_RESOLUTION_FAILED', continue: '/sso-help' });
    } finally {
      await helped.stop();
    }
  });

  it('refuses an artifact from an IdP that is not configured', async () => {
    const { artifact } = createArtifact('https://other-idp.test');
    const response = await sp.request(`${sp.mellon.urls.login}?SAMLart=${encodeURIComponent(artifact)}`, { headers: { accept: 'application/json' } });
    expect(((await response.json()) as ErrorBody).error).to.equal('ENTITY_NOT_FOUND');
  });

  it('refuses a malformed artifact', async () => {
    const response = await sp.request(`${sp.mellon.urls.login}?SAMLart=AAAA`, { headers: { accept: 'application/json' } });
    expect(((await response.json()) as ErrorBody).error).to.equal('BINDING_INVALID');
  });
});
