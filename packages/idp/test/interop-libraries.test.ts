import { expect } from 'chai';
import { SAML, ValidateInResponseTo } from '@node-saml/node-saml';
import * as samlify from 'samlify';
import { NAMEID_FORMAT } from '@koa-mellon/saml';
import { testKeyPair } from '../../../test/helpers/keys.js';
import { requireXmlsec } from '../../../test/helpers/xmlsec.js';
import { Browser } from './helpers/browser.js';
import { nextOf } from './helpers/saml.js';
import { IdpServer } from './helpers/world.js';

/**
 * Our IdP against SPs we did not write: @node-saml/node-saml (passport-saml's core) and samlify.
 * They run as libraries: the test browser stops at their ACS / SLO URLs and hands them what it
 * would have posted or loaded.
 */
const RELEASE = { mail: 'email', displayName: 'name', 'urn:oid:2.5.4.42': { field: 'name', friendlyName: 'givenName' } } as const;

async function logIn(browser: Browser, idp: IdpServer, url: string) {
  const atLogin = await browser.go(url);
  expect(atLogin.url.startsWith(idp.url('/login?next='))).to.equal(true);
  return browser.go(idp.url(`/login/as?user=alice&next=${encodeURIComponent(nextOf(atLogin.url))}`));
}

describe('interop: @node-saml/node-saml as the SP of our IdP', () => {
  const keys = testKeyPair('node-saml-sp');
  const origin = 'https://nodesaml.example.test';
  let browser: Browser;
  let idp: IdpServer;
  before(requireXmlsec);
  afterEach(() => idp.stop());

  function nodeSaml(overrides: Partial<ConstructorParameters<typeof SAML>[0]> = {}): SAML {
    return new SAML({
      callbackUrl: `${origin}/acs`,
      logoutCallbackUrl: `${origin}/slo`,
      entryPoint: 'https://idp.example.test/idp/sso/',
      logoutUrl: 'https://idp.example.test/idp/slo/',
      issuer: `${origin}/metadata`,
      audience: `${origin}/metadata`,
      idpCert: testKeyPair('idp').certPem,
      privateKey: keys.keyPem,
      signatureAlgorithm: 'sha256',
      decryptionPvk: keys.keyPem,
      wantAssertionsSigned: true,
      wantAuthnResponseSigned: true,
      validateInResponseTo: ValidateInResponseTo.always,
      ...overrides,
    });
  }

  async function start(saml: SAML, spOptions: object): Promise<void> {
    browser = new Browser();
    const metadata = saml.generateServiceProviderMetadata(keys.certPem, keys.certPem);
    idp = await IdpServer.start(browser, [{ metadata, attributes: RELEASE, ...spOptions }], { settings: { wantAuthnRequestsSigned: true } });
  }

  it('accepts our signed, encrypted response to its signed Redirect request (emailAddress NameID, its default)', async () => {
    const saml = nodeSaml();
    await start(saml, { nameIdFormat: 'emailAddress' });
    const url = await saml.getAuthorizeUrlAsync('relay-1', undefined, {});
    const atAcs = await logIn(browser, idp, url);
    expect(atAcs.url).to.equal(`${origin}/acs`);
    const posted = Object.fromEntries(atAcs.form ?? []);
    expect(Buffer.from(posted['SAMLResponse'] ?? '', 'base64').toString()).to.include('EncryptedAssertion');
    const { profile } = await saml.validatePostResponseAsync(posted);
    expect(profile?.nameID).to.equal('alice@example.test');
    expect(profile?.nameIDFormat).to.equal(NAMEID_FORMAT.emailAddress);
    expect(profile?.['mail']).to.equal('alice@example.test');
    expect(profile?.['urn:oid:2.5.4.42']).to.equal('Alice Liddell');
    expect(posted['RelayState']).to.equal('relay-1');
  });

  it('accepts an unencrypted response with a persistent pairwise NameID', async () => {
    const saml = nodeSaml({ identifierFormat: NAMEID_FORMAT.persistent });
    await start(saml, { encryptAssertions: false });
    const atAcs = await logIn(browser, idp, await saml.getAuthorizeUrlAsync('', undefined, {}));
    const { profile } = await saml.validatePostResponseAsync(Object.fromEntries(atAcs.form ?? []));
    expect(profile?.nameID).to.match(/^[A-Za-z0-9_-]{43}$/);
    expect(profile?.nameIDFormat).to.equal(NAMEID_FORMAT.persistent);
  });

  it('single logout started at node-saml: its signed LogoutRequest is verified, our LogoutResponse accepted', async () => {
    // node-saml reads InResponseTo of POSTed Responses only; with 'always' it refuses any POSTed
    // LogoutResponse (its limitation), so this SP checks it when present.
    const saml = nodeSaml({ identifierFormat: NAMEID_FORMAT.persistent, validateInResponseTo: ValidateInResponseTo.ifPresent });
    await start(saml, {});
    const atAcs = await logIn(browser, idp, await saml.getAuthorizeUrlAsync('', undefined, {}));
    const { profile } = await saml.validatePostResponseAsync(Object.fromEntries(atAcs.form ?? []));
    if (!profile) throw new Error('no profile');
    const atSlo = await browser.go(await saml.getLogoutUrlAsync(profile, 'bye', {}));
    // node-saml's metadata lists its SingleLogoutService for HTTP-POST only: the answer is posted.
    expect(atSlo.url).to.equal(`${origin}/slo`);
    expect(atSlo.form?.get('RelayState')).to.equal('bye');
    const result = await saml.validatePostResponseAsync(Object.fromEntries(atSlo.form ?? []));
    expect(result.loggedOut).to.equal(true);
    // The IdP session is over: the next login needs the login page again.
    expect((await browser.go(await saml.getAuthorizeUrlAsync('', undefined, {}))).url.startsWith(idp.url('/login'))).to.equal(true);
  });
});

describe('interop: samlify as the SP of our IdP', () => {
  const keys = testKeyPair('samlify-sp');
  const origin = 'https://samlify.example.test';
  const binding = samlify.Constants.namespace.binding;
  const algorithms = samlify.Constants.algorithms;
  let browser: Browser;
  let idp: IdpServer;
  before(() => {
    requireXmlsec();
    // samlify's own XSD check needs a validator package; schema validity is what our tests of
    // buildResponse and xmlsec1 cover, so it is skipped here on purpose.
    samlify.setSchemaValidator({ validate: async () => 'skipped' });
  });
  afterEach(() => idp.stop());

  function entities(encrypted: boolean, idpMetadata: string) {
    const sp = samlify.ServiceProvider({
      entityID: `${origin}/metadata`,
      assertionConsumerService: [{ Binding: binding.post, Location: `${origin}/acs` }],
      singleLogoutService: [{ Binding: binding.redirect, Location: `${origin}/slo` }],
      signingCert: keys.certPem,
      privateKey: keys.keyPem,
      encryptCert: keys.certPem,
      encPrivateKey: keys.keyPem,
      authnRequestsSigned: true,
      wantAssertionsSigned: true,
      isAssertionEncrypted: encrypted,
      requestSignatureAlgorithm: algorithms.signature.RSA_SHA256,
      nameIDFormat: [NAMEID_FORMAT.persistent],
    });
    const theIdp = samlify.IdentityProvider({ metadata: idpMetadata, isAssertionEncrypted: encrypted, wantAuthnRequestsSigned: true });
    return { sp, theIdp };
  }

  for (const encrypted of [false, true]) {
    it(`accepts our signed${encrypted ? ', encrypted' : ''} response to its signed Redirect request`, async () => {
      browser = new Browser();
      const settings = { wantAuthnRequestsSigned: true };
      const { sp, theIdp } = entities(encrypted, IdpServer.metadataFor('https://idp.example.test', { settings }));
      idp = await IdpServer.start(browser, [{ metadata: sp.getMetadata(), attributes: RELEASE, encryptAssertions: encrypted }], { settings });
      const { context } = sp.createLoginRequest(theIdp, 'redirect', { relayState: 'r-42' });
      const atAcs = await logIn(browser, idp, context);
      expect(atAcs.url).to.equal(`${origin}/acs`);
      const body = Object.fromEntries(atAcs.form ?? []);
      const xml = Buffer.from(body['SAMLResponse'] ?? '', 'base64').toString();
      expect(xml.includes('EncryptedAssertion')).to.equal(encrypted);
      const { extract } = await sp.parseLoginResponse(theIdp, 'post', { body });
      expect(extract.nameID).to.match(/^[A-Za-z0-9_-]{43}$/);
      expect(extract.attributes?.['mail']).to.equal('alice@example.test');
      expect(extract.attributes?.['displayName']).to.equal('Alice Liddell');
      expect(body['RelayState']).to.equal('r-42');
    });
  }
});
