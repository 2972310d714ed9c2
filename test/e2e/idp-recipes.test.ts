// The settings docs/idps/*.md give for each IdP vendor, run end to end over HTTP: a Koa app built
// from the page's example file (docs/idps/examples/*.ts), and a Response shaped like that vendor's
// (its attribute names, NameID format, what it signs and encrypts), signed and encrypted by xmlsec1.
// The vendors themselves are not here; what is checked is that the documented settings accept
// what the page says the vendor sends, and that each documented quirk behaves as the page says.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflateRawSync } from 'node:zlib';
import { expect } from 'chai';
import { NAMEID_FORMAT, generateIdpMetadata } from '@koa-mellon/saml';
import type { IdentityProviderSettings } from 'koa-mellon';
import { adfs } from '../../docs/idps/examples/adfs.js';
import { entraId } from '../../docs/idps/examples/entra-id.js';
import { googleWorkspace } from '../../docs/idps/examples/google-workspace.js';
import { keycloak } from '../../docs/idps/examples/keycloak.js';
import { okta } from '../../docs/idps/examples/okta.js';
import { oid, shibboleth } from '../../docs/idps/examples/shibboleth.js';
import { testKeyPair } from '../helpers/keys.js';
import { xmlsecResponse, type ResponseFixture } from '../helpers/response-fixture.js';
import { requireXmlsec } from '../helpers/xmlsec.js';
import { SpApp } from '../interop/simplesamlphp/sp-app.js';

const DOCS = fileURLToPath(new URL('../../docs/idps/', import.meta.url));
const CLAIMS = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims';

interface WhoAmI {
  user: { username: string; groups: string[]; fields: Record<string, string> } | null;
}

/** An app with one IdP: the documented entry, its metadata source replaced by inline metadata. */
async function appFor(entry: IdentityProviderSettings, idp: { entityId: string; slo?: boolean }, overrides: Partial<IdentityProviderSettings> = {}): Promise<SpApp> {
  const { metadataUrl: _url, metadataPath: _path, ...settings } = entry;
  const metadata = generateIdpMetadata({
    entityId: idp.entityId,
    singleSignOnServiceUrl: new URL('/sso', idp.entityId).href,
    ...(idp.slo === false ? {} : { singleLogoutServiceUrl: new URL('/slo', idp.entityId).href }),
    certificates: [testKeyPair('idp').certPem],
  });
  return SpApp.start({ settings: { identityProviders: [{ ...settings, ...overrides, metadata }] } });
}

/** A browser's worth of HTTP: a cookie jar, no redirects followed. */
class Client {
  private readonly jar = new Map<string, string>();
  async request(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.jar.size > 0) headers.set('cookie', [...this.jar].map(([k, v]) => `${k}=${v}`).join('; '));
    const response = await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      const [name, value] = [pair.slice(0, eq), pair.slice(eq + 1)];
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line)) this.jar.delete(name);
      else this.jar.set(name, value);
    }
    return response;
  }
  async whoami(sp: SpApp): Promise<WhoAmI> {
    return (await (await this.request(sp.url('/whoami'))).json()) as WhoAmI;
  }
}

/**
 * SP-initiated login answered by `fixture` (the vendor-shaped Response). Returns the last answer:
 * the ACS's refusal, or, once the ACS sent the browser to login/finish/, that step's 303 to next.
 */
async function login(sp: SpApp, client: Client, issuer: string, fixture: ResponseFixture): Promise<Response> {
  const start = await client.request(`${sp.urls.login}?next=/private`);
  const location = new URL(start.headers.get('location') ?? '');
  const request = inflateRawSync(Buffer.from(location.searchParams.get('SAMLRequest') ?? '', 'base64')).toString('utf8');
  const requestId = /\sID="([^"]+)"/.exec(request)?.[1];
  const acs = sp.urls.login;
  const xml = xmlsecResponse({ issuer, destination: acs, recipient: acs, audience: sp.urls.entityId, inResponseTo: requestId ?? null, ...fixture });
  const answer = await client.request(acs, {
    method: 'POST',
    body: new URLSearchParams({ SAMLResponse: Buffer.from(xml).toString('base64'), RelayState: location.searchParams.get('RelayState') ?? '' }),
  });
  const finish = answer.headers.get('location') ?? '';
  if (answer.status !== 303 || !finish.startsWith(`${acs}finish/?`)) return answer;
  const done = await client.request(finish);
  if (done.status === 303) expect(done.headers.get('location')).to.equal('/private');
  return done;
}

describe('e2e: docs/idps recipes with vendor-shaped responses', function () {
  this.timeout(30_000);
  let apps: SpApp[] = [];
  const start = async (...args: Parameters<typeof appFor>): Promise<SpApp> => {
    const app = await appFor(...args);
    apps.push(app);
    return app;
  };

  before(requireXmlsec);
  afterEach(async function () {
    if (this.currentTest?.state === 'failed') for (const app of apps) console.log(app.describe());
    for (const app of apps) await app.stop();
    apps = [];
  });

  it('each page shows its example file verbatim', () => {
    for (const name of ['simplesamlphp', 'entra-id', 'adfs', 'okta', 'keycloak', 'google-workspace', 'shibboleth']) {
      const page = readFileSync(join(DOCS, `${name}.md`), 'utf8');
      const example = readFileSync(join(DOCS, 'examples', `${name}.ts`), 'utf8');
      expect(page.includes(`\`\`\`ts\n// docs/idps/examples/${name}.ts\n${example}\`\`\``), `${name}.md shows examples/${name}.ts`).to.equal(true);
    }
  });

  describe('Entra ID', () => {
    const issuer = entraId.entityId;
    const entra: ResponseFixture = {
      issuer,
      nameIdFormat: NAMEID_FORMAT.emailAddress,
      nameId: 'alice@contoso.example',
      attributes: {
        [`${CLAIMS}/emailaddress`]: ['alice@contoso.example'],
        [`${CLAIMS}/givenname`]: ['Alice'],
        [`${CLAIMS}/surname`]: ['Liddell'],
        [`${CLAIMS}/name`]: ['alice@contoso.example'],
        'http://schemas.microsoft.com/identity/claims/objectidentifier': ['7f0c1b9e-0000-4000-8000-000000000001'],
        'http://schemas.microsoft.com/ws/2008/06/identity/claims/groups': ['5e1d2c3b-0000-4000-8000-00000000000a'],
      },
    };

    it('default signing ("Sign SAML assertion": the assertion only) and claim URIs', async () => {
      const sp = await start(entraId, { entityId: issuer });
      const client = new Client();
      const answer = await login(sp, client, issuer, { ...entra, signAssertion: true, signResponse: false });
      expect(answer.status).to.equal(303);
      const { user } = await client.whoami(sp);
      expect(user?.username).to.equal('alice@contoso.example');
      expect(user?.fields).to.include({ email: 'alice@contoso.example', firstName: 'Alice', lastName: 'Liddell' });
      expect(user?.groups).to.deep.equal(['5e1d2c3b-0000-4000-8000-00000000000a']);
    });

    it('"Sign SAML response" alone is accepted too (the Response signature covers the assertion), and refused with wantAssertionsSigned: true', async () => {
      const sp = await start(entraId, { entityId: issuer });
      const client = new Client();
      const answer = await login(sp, client, issuer, { ...entra, signAssertion: false, signResponse: true });
      expect(answer.status).to.equal(303);
      expect((await client.whoami(sp)).user?.username).to.equal('alice@contoso.example');
      const strict = await start(entraId, { entityId: issuer }, { wantAssertionsSigned: true });
      const refused = await login(strict, new Client(), issuer, { ...entra, signAssertion: false, signResponse: true });
      expect(refused.status).to.equal(400);
      expect(strict.refusals()).to.deep.equal(['SIGNATURE_MISSING']);
    });
  });

  describe('AD FS', () => {
    const issuer = 'http://adfs.example.com/adfs/services/trust';
    const adfsResponse: ResponseFixture = {
      issuer,
      // The claim rule on docs/idps/adfs.md: the UPN as an unspecified NameID.
      nameIdFormat: NAMEID_FORMAT.unspecified,
      nameId: 'bob@corp.example',
      attributes: {
        [`${CLAIMS}/upn`]: ['bob@corp.example'],
        [`${CLAIMS}/emailaddress`]: ['bob@corp.example'],
        [`${CLAIMS}/givenname`]: ['Bob'],
        [`${CLAIMS}/surname`]: ['Builder'],
        'http://schemas.xmlsoap.org/claims/Group': ['Domain Users', 'Sales'],
      },
      // AD FS encrypts to the certificate in our metadata (aes256-cbc, rsa-oaep-mgf1p), assertion signed inside.
      encrypt: 'aes256-cbc',
    };

    it('encrypted assertion, claim URIs, and an AD FS clock 60 s ahead of ours', async () => {
      const sp = await start(adfs, { entityId: issuer });
      const client = new Client();
      const answer = await login(sp, client, issuer, { ...adfsResponse, now: Date.now() + 60_000, notBefore: Date.now() + 60_000 });
      expect(answer.status).to.equal(303);
      const { user } = await client.whoami(sp);
      expect(user?.username).to.equal('bob@corp.example');
      expect(user?.fields).to.include({ email: 'bob@corp.example', firstName: 'Bob' });
      expect(user?.groups).to.have.members(['Domain Users', 'Sales']);
    });

    it('the same clock difference with clockSkew: 0 is refused (ASSERTION_NOT_YET_VALID)', async () => {
      const sp = await start(adfs, { entityId: issuer }, { clockSkew: 0 });
      const answer = await login(sp, new Client(), issuer, { ...adfsResponse, now: Date.now() + 60_000, notBefore: Date.now() + 60_000 });
      expect(answer.status).to.equal(400);
      expect(sp.refusals()).to.deep.equal(['ASSERTION_NOT_YET_VALID']);
    });

    it('SHA-1 signatures (old relying party trusts) are refused: set SHA-256 on the trust', async () => {
      const sp = await start(adfs, { entityId: issuer });
      const answer = await login(sp, new Client(), issuer, {
        ...adfsResponse,
        signatureAlgorithm: 'http://www.w3.org/2000/09/xmldsig#rsa-sha1',
        digestAlgorithm: 'http://www.w3.org/2000/09/xmldsig#sha1',
      });
      expect(answer.status).to.equal(400);
      expect(sp.refusals()).to.deep.equal(['SIGNATURE_ALGORITHM_FORBIDDEN']);
    });
  });

  describe('Okta', () => {
    const issuer = 'http://www.okta.com/exk0000000000000000';
    const oktaResponse: ResponseFixture = {
      issuer,
      nameIdFormat: NAMEID_FORMAT.unspecified,
      nameId: 'carol@example.com',
      signResponse: true,
      attributes: { email: ['carol@example.com'], firstName: ['Carol'], lastName: ['Danvers'], groups: ['Everyone', 'Engineering'] },
    };

    it('NameID unspecified and the Attribute Statements', async () => {
      const sp = await start(okta, { entityId: issuer });
      const client = new Client();
      expect((await login(sp, client, issuer, oktaResponse)).status).to.equal(303);
      const { user } = await client.whoami(sp);
      expect(user?.username).to.equal('carol@example.com');
      expect(user?.fields).to.include({ email: 'carol@example.com', firstName: 'Carol', lastName: 'Danvers' });
      expect(user?.groups).to.have.members(['Everyone', 'Engineering']);
    });

    it('without Attribute Statements the login works but the mapped fields stay empty', async () => {
      const sp = await start(okta, { entityId: issuer });
      const client = new Client();
      expect((await login(sp, client, issuer, { ...oktaResponse, attributes: {} })).status).to.equal(303);
      const { user } = await client.whoami(sp);
      expect(user?.username).to.equal('carol@example.com');
      expect(user?.fields).not.to.have.property('email');
    });
  });

  describe('Keycloak', () => {
    const issuer = 'https://keycloak.example.com/realms/example';
    const keycloakResponse: ResponseFixture = {
      issuer,
      nameIdFormat: NAMEID_FORMAT.unspecified,
      nameId: 'dave',
      attributes: { email: ['dave@example.com'], firstName: ['Dave'], lastName: ['Bowman'], Role: ['offline_access', 'app-user'] },
    };

    it('"Sign documents" and "Sign assertions" both on', async () => {
      const sp = await start(keycloak, { entityId: issuer });
      const client = new Client();
      expect((await login(sp, client, issuer, { ...keycloakResponse, signResponse: true, signAssertion: true })).status).to.equal(303);
      const { user } = await client.whoami(sp);
      expect(user?.username).to.equal('dave');
      expect(user?.fields).to.include({ email: 'dave@example.com' });
      expect(user?.groups).to.have.members(['offline_access', 'app-user']);
    });

    it('Keycloak\'s default ("Sign documents" only) is accepted by default; refused with wantAssertionsSigned: true', async () => {
      const sp = await start(keycloak, { entityId: issuer });
      const client = new Client();
      expect((await login(sp, client, issuer, { ...keycloakResponse, signResponse: true, signAssertion: false })).status).to.equal(303);
      expect((await client.whoami(sp)).user?.username).to.equal('dave');
      // An unsigned Response is still refused: the Response signature must cover the assertion.
      expect((await login(sp, new Client(), issuer, { ...keycloakResponse, signResponse: false, signAssertion: false })).status).to.equal(400);
      expect(sp.refusals()).to.deep.equal(['SIGNATURE_MISSING']);
      const strict = await start(keycloak, { entityId: issuer }, { wantAssertionsSigned: true });
      expect((await login(strict, new Client(), issuer, { ...keycloakResponse, signResponse: true, signAssertion: false })).status).to.equal(400);
      expect(strict.refusals()).to.deep.equal(['SIGNATURE_MISSING']);
    });
  });

  describe('Google Workspace', () => {
    const issuer = 'https://accounts.google.com/o/saml2?idpid=C00000000';
    const googleResponse: ResponseFixture = {
      issuer,
      nameIdFormat: NAMEID_FORMAT.emailAddress,
      nameId: 'erin@example.com',
      attributes: { firstName: ['Erin'], lastName: ['Example'], groups: ['staff@example.com'] },
    };

    it('"Signed response" unchecked (assertion signed) and checked (response too)', async () => {
      const sp = await start(googleWorkspace, { entityId: issuer, slo: false });
      for (const signResponse of [false, true]) {
        const client = new Client();
        expect((await login(sp, client, issuer, { ...googleResponse, signResponse })).status).to.equal(303);
        const { user } = await client.whoami(sp);
        expect(user?.username).to.equal('erin@example.com');
        expect(user?.fields).to.include({ email: 'erin@example.com', firstName: 'Erin' });
        expect(user?.groups).to.deep.equal(['staff@example.com']);
      }
    });

    it('no Single Logout at Google: logout/ ends the local session and goes to next without visiting the IdP', async () => {
      const sp = await start(googleWorkspace, { entityId: issuer, slo: false });
      const client = new Client();
      expect((await login(sp, client, issuer, googleResponse)).status).to.equal(303);
      const out = await client.request(`${sp.urls.logout}?next=/`);
      expect(out.status).to.equal(302);
      expect(out.headers.get('location')).to.equal('/');
      expect((await client.whoami(sp)).user).to.equal(null);
    });
  });

  describe('Shibboleth', () => {
    const issuer = 'https://idp.example.org/idp/shibboleth';
    const shibResponse: ResponseFixture = {
      issuer,
      nameIdFormat: NAMEID_FORMAT.transient,
      nameId: '_2c4a7f0e9d1b3a5c7e9f1a3b5c7d9e1f',
      signResponse: true,
      // Shibboleth's default data encryption is AES-GCM (key transport rsa-oaep-mgf1p).
      encrypt: 'aes128-gcm',
      attributes: {
        [oid.eduPersonPrincipalName]: ['frank@example.org'],
        [oid.mail]: ['frank.smith@example.org'],
        [oid.displayName]: ['Frank Smith'],
        [oid.givenName]: ['Frank'],
        [oid.sn]: ['Smith'],
        [oid.eduPersonScopedAffiliation]: ['member@example.org', 'staff@example.org'],
      },
    };

    it('transient NameID keyed by eduPersonPrincipalName, urn:oid names, AES-GCM', async () => {
      const sp = await start(shibboleth, { entityId: issuer });
      const client = new Client();
      expect((await login(sp, client, issuer, shibResponse)).status).to.equal(303);
      const { user } = await client.whoami(sp);
      expect(user?.username).to.equal('frank@example.org');
      expect(user?.fields).to.include({ email: 'frank.smith@example.org', displayName: 'Frank Smith', lastName: 'Smith' });
      expect(user?.groups).to.have.members(['member@example.org', 'staff@example.org']);
      // The next login brings a new transient NameID and finds the same account.
      const again = new Client();
      expect((await login(sp, again, issuer, { ...shibResponse, nameId: '_0f1e2d3c4b5a69788796a5b4c3d2e1f0' })).status).to.equal(303);
      expect((await again.whoami(sp)).user).to.deep.include({ username: 'frank@example.org' });
    });

    it('a transient NameID without transientFederationAttribute logs nobody in (UID_MISSING)', async () => {
      const { transientFederationAttribute: _unset, ...withoutIt } = shibboleth;
      const sp = await start(withoutIt, { entityId: issuer });
      const client = new Client();
      const answer = await login(sp, client, issuer, shibResponse);
      expect(answer.status).to.equal(403);
      expect(sp.refusals()).to.deep.equal(['UID_MISSING']);
      expect((await client.whoami(sp)).user).to.equal(null);
    });
  });
});
