import { createPrivateKey } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { createArtifact, decodeRedirect, generateIdpMetadata, parseAuthnRequest, parseXml } from '@koa-mellon/saml';
import { ConfigError, createMellon, type MellonSettings } from 'koa-mellon';
import { testKeyPair } from '../../../../test/helpers/keys.js';
import { requireXmlsec } from '../../../../test/helpers/xmlsec.js';
import { IDP_ENTITY_ID } from '../../../../test/helpers/response-fixture.js';
import { IDP_SLO, IDP_SSO, idpMetadata, TestSp } from '../harness.js';

// The django-mellon settings that had no test of their own (#13): each one changes what it says.

const json = { headers: { accept: 'application/json' } };
const errorOf = async (response: Response) => ((await response.json()) as { error: string }).error;

describe('django-mellon parity: settings each with their own test', () => {
  let sp: TestSp | undefined;
  before(requireXmlsec);
  afterEach(async () => {
    await sp?.stop();
    sp = undefined;
  });

  describe('privateKeyPassword (PRIVATE_KEY_PASSWORD)', () => {
    const encrypted = () => createPrivateKey(testKeyPair('sp').keyPem).export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'open sesame' }).toString();

    it('opens an encrypted private key: requests are signed and encrypted assertions read with it', async () => {
      sp = await TestSp.start('/sp', { privateKey: encrypted(), privateKeyPassword: 'open sesame' });
      const { location } = await sp.startLogin();
      expect(new URL(location).searchParams.has('Signature')).to.equal(true);
      const { requestId, relayState } = await sp.startLogin('?next=/in');
      const done = await sp.post(sp.mellon.urls.login, { SAMLResponse: sp.response({ inResponseTo: requestId, encrypt: 'aes256-gcm' }), RelayState: relayState });
      expect(done.headers.get('location')).to.equal('/in');
      expect((await sp.whoami()).user?.username).to.equal('alice-1234@saml');
    });

    it('a missing or wrong password is a ConfigError naming privateKey at start-up', () => {
      const settings = (extra: Partial<MellonSettings>): MellonSettings => ({ baseUrl: 'https://sp.example.test/sp', identityProviders: [{ metadata: idpMetadata() }], privateKey: encrypted(), publicKeys: [testKeyPair('sp').certPem], ...extra });
      expect(() => createMellon(settings({}))).to.throw(ConfigError).with.property('path', 'privateKey');
      expect(() => createMellon(settings({ privateKeyPassword: 'guess' }))).to.throw(ConfigError).with.property('path', 'privateKey');
    });
  });

  describe('privateKeys (PRIVATE_KEYS): key rollover', () => {
    const rolled = (privateKeys: string[]): Partial<MellonSettings> => ({ privateKey: testKeyPair('sp-next').keyPem, publicKeys: [testKeyPair('sp-next').certPem], privateKeys });

    it('an assertion still encrypted to the previous key is read while that key is listed', async () => {
      sp = await TestSp.start('/sp', rolled([testKeyPair('sp').keyPem]));
      // The fixture encrypts to the `sp` certificate: the IdP has not fetched the new metadata yet.
      expect((await sp.login({ encrypt: 'aes256-gcm' })).status).to.equal(303);
      expect((await sp.whoami()).user?.username).to.equal('alice-1234@saml');
    });

    it('once the previous key is dropped, the same assertion is refused', async () => {
      sp = await TestSp.start('/sp', rolled([]));
      const { requestId, relayState } = await sp.startLogin();
      const refused = await sp.post(sp.mellon.urls.login, { SAMLResponse: sp.response({ inResponseTo: requestId, encrypt: 'aes256-gcm' }), RelayState: relayState });
      expect(refused.status).to.equal(400);
      expect(await errorOf(refused)).to.equal('DECRYPTION_FAILED');
      expect((await sp.whoami()).user).to.equal(null);
    });
  });

  describe('nameIdPolicyAllowCreate (NAME_ID_POLICY_ALLOW_CREATE)', () => {
    const allowCreate = async (overrides: Partial<MellonSettings>) => {
      sp = await TestSp.start('/sp', overrides);
      const { location } = await sp.startLogin();
      await sp.stop();
      sp = undefined;
      return parseAuthnRequest(parseXml(decodeRedirect(location.slice(location.indexOf('?') + 1)).xml).root).nameIdPolicy?.allowCreate;
    };
    it('AllowCreate="true" by default, "false" when set false (per IdP too)', async () => {
      expect(await allowCreate({})).to.equal(true);
      expect(await allowCreate({ nameIdPolicyAllowCreate: false })).to.equal(false);
      expect(await allowCreate({ identityProviders: [{ metadata: idpMetadata(), nameIdPolicyAllowCreate: false }] })).to.equal(false);
    });
  });

  describe('assertionConsumerBindings (ASSERTION_CONSUMER_BINDINGS)', () => {
    it('["post"]: metadata publishes only the HTTP-POST ACS, and an artifact is refused', async () => {
      sp = await TestSp.start('/sp', { assertionConsumerBindings: ['post'] });
      const metadata = await (await sp.request(sp.mellon.urls.metadata)).text();
      expect(metadata.match(/<md:AssertionConsumerService [^>]*>/g)).to.have.length(1);
      expect(metadata).to.include('Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"').and.not.include('bindings:HTTP-Artifact"');
      const { artifact } = createArtifact(IDP_ENTITY_ID);
      expect(await errorOf(await sp.request(`${sp.mellon.urls.login}?SAMLart=${encodeURIComponent(artifact)}`, json))).to.equal('BINDING_INVALID');
    });

    it('["artifact"]: a posted SAMLResponse is refused', async () => {
      sp = await TestSp.start('/sp', { assertionConsumerBindings: ['artifact'] });
      expect(await (await sp.request(sp.mellon.urls.metadata)).text()).to.include('bindings:HTTP-Artifact"').and.not.include('Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://sp.example.test/sp/login/"');
      const { requestId, relayState } = await sp.startLogin();
      expect(await errorOf(await sp.postOnly(sp.mellon.urls.login, { SAMLResponse: sp.response({ inResponseTo: requestId }), RelayState: relayState }))).to.equal('BINDING_INVALID');
    });
  });

  describe('artifactResolveTimeout (ARTIFACT_RESOLVE_TIMEOUT)', () => {
    let silent: Server;
    let resolves = 0;
    beforeEach(async () => {
      resolves = 0;
      // An ArtifactResolutionService that reads the request and never answers.
      silent = createServer((req) => {
        resolves++;
        req.resume();
      });
      silent.listen(0, '127.0.0.1');
      await once(silent, 'listening');
    });
    afterEach(() => {
      silent.closeAllConnections();
      silent.close();
    });

    it('gives up on an IdP that does not answer: ARTIFACT_RESOLUTION_FAILED, not a hung request', async () => {
      const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/ars`;
      const metadata = generateIdpMetadata({ entityId: IDP_ENTITY_ID, singleSignOnServiceUrl: IDP_SSO, singleLogoutServiceUrl: IDP_SLO, artifactResolutionServiceUrl: url, certificates: [testKeyPair('idp').certPem] });
      sp = await TestSp.start('/sp', { identityProviders: [{ metadata }], artifactResolveTimeout: 1 });
      const { relayState } = await sp.startLogin();
      const { artifact } = createArtifact(IDP_ENTITY_ID);
      const response = await sp.request(`${sp.mellon.urls.login}?SAMLart=${encodeURIComponent(artifact)}&RelayState=${relayState}`, json);
      expect(response.status).to.equal(502);
      expect(await errorOf(response)).to.equal('ARTIFACT_RESOLUTION_FAILED');
      expect(resolves).to.equal(1);
    });
  });

  describe('discoveryServiceUrl (DISCOVERY_SERVICE_URL)', () => {
    it('with several IdPs and none chosen, sends the user to the discovery service (saml-idp-discovery §2.4.1)', async () => {
      const second = generateIdpMetadata({ entityId: 'https://idp2.example.test/metadata', singleSignOnServiceUrl: 'https://idp2.example.test/sso', certificates: [testKeyPair('idp').certPem] });
      sp = await TestSp.start('/sp', { identityProviders: [{ metadata: idpMetadata() }, { metadata: second }], discoveryServiceUrl: 'https://wayf.example.test/ds?lang=en' });
      const response = await sp.request(`${sp.mellon.urls.login}?next=${encodeURIComponent('/reports?y=2026')}`);
      expect(response.status).to.equal(302);
      const location = new URL(response.headers.get('location') ?? '');
      expect(location.origin + location.pathname).to.equal('https://wayf.example.test/ds');
      expect(Object.fromEntries(location.searchParams)).to.deep.equal({
        lang: 'en',
        entityID: sp.mellon.urls.entityId,
        return: `${sp.mellon.urls.login}?next=${encodeURIComponent('/reports?y=2026')}`,
        returnIDParam: 'entityID',
      });
      // The discovery service's answer: back to `return` with the chosen IdP.
      const back = await sp.request(`${location.searchParams.get('return')}&entityID=${encodeURIComponent('https://idp2.example.test/metadata')}`);
      expect(back.headers.get('location')).to.match(/^https:\/\/idp2\.example\.test\/sso\?SAMLRequest=/);
    });
  });

  describe('the session ends at the assertion’s SessionNotOnOrAfter', () => {
    it('even when sessionCookie.maxAge (8 hours by default) would keep it longer', async () => {
      let now = Date.now();
      sp = await TestSp.start('/sp', { clock: () => now });
      expect((await sp.login({ now, sessionNotOnOrAfter: now + 120_000 })).status).to.equal(303);
      now += 119_000;
      expect((await sp.whoami()).user?.username).to.equal('alice-1234@saml');
      now += 2_000;
      expect((await sp.whoami()).user).to.equal(null);
    });
  });
});
