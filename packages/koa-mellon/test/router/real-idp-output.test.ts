// What koa-mellon does with genuine IdP output the core now accepts (test/vectors/real-idp-output):
// an assertion without NameID (ADFS with no NameID claim rule), a NameID with white space, and the
// log line an operator reads when an IdP still signs with SHA-1.
import { expect } from 'chai';
import { requireXmlsec } from '../../../../test/helpers/xmlsec.js';
import { NS_URI, tamper } from '../../../../test/helpers/tamper.js';
import { DefaultAdapter, type IdpContext, type MellonAttributes } from 'koa-mellon';
import { TestSp, idpMetadata } from '../harness.js';

const UPN = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn';
const withoutNameId = (xml: string) => tamper(xml, (_doc, p) => p.nameId.parentNode?.removeChild(p.nameId));
type Logged = { level: string; fields: Record<string, unknown>; message: string };

function recordingLogger(lines: Logged[]) {
  const at = (level: string) => (fields: Record<string, unknown>, message: string) => lines.push({ level, fields, message });
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

describe('koa-mellon with real IdP output', () => {
  let sp: TestSp;
  const lines: Logged[] = [];
  before(requireXmlsec);
  afterEach(async () => {
    lines.length = 0;
    await sp.stop();
  });

  describe('an assertion without NameID (ADFS without a NameID claim rule)', () => {
    it('logs in with transientFederationAttribute naming the identifying attribute, and links that value', async () => {
      sp = await TestSp.start('', { transientFederationAttribute: UPN, usernameTemplate: '{attributes[' + UPN + '][0]}' });
      const response = await sp.login({ attributes: { [UPN]: ['alice@corp.example'] }, beforeSigning: withoutNameId });
      expect(response.status).to.equal(303);
      const me = await sp.whoami();
      expect(me.user?.username).to.equal('alice@corp.example');
      expect(me.mellon).to.not.have.property('nameIdContent');

      // The next login of the same user finds the same account through the federation link.
      const userId = (me.user as unknown as { id: string }).id;
      await sp.login({ attributes: { [UPN]: ['alice@corp.example'] }, beforeSigning: withoutNameId });
      expect(((await sp.whoami()).user as unknown as { id: string }).id).to.equal(userId);
    });

    it('ends only the local session at logout/ (a LogoutRequest needs a NameID, saml-core §3.7.1)', async () => {
      sp = await TestSp.start('', { transientFederationAttribute: UPN, usernameTemplate: '{attributes[' + UPN + '][0]}' });
      await sp.login({ attributes: { [UPN]: ['alice@corp.example'] }, beforeSigning: withoutNameId });
      const out = await sp.request(`${sp.mellon.urls.logout}?next=/bye`);
      expect(out.status).to.equal(302);
      expect(out.headers.get('location')).to.equal('/bye');
      expect((await sp.whoami()).user).to.equal(null);
    });

    it('is refused with NAMEID_MISSING otherwise, and the log names the IdP and the setting', async () => {
      sp = await TestSp.start('', { logger: recordingLogger(lines) });
      const response = await sp.login({ attributes: { [UPN]: ['alice@corp.example'] }, beforeSigning: withoutNameId });
      expect(((await response.json()) as { error: string }).error).to.equal('NAMEID_MISSING');
      expect((await sp.whoami()).user).to.equal(null);
      const refusal = lines.find((line) => line.fields['code'] === 'NAMEID_MISSING');
      expect(JSON.stringify(refusal?.fields)).to.include('identityProviders[0].transientFederationAttribute').and.include('https://idp.example.test/metadata');
    });
  });

  describe('a login without a uid: UID_MISSING', () => {
    const TRANSIENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient';

    it('a transient NameID without transientFederationAttribute (SimpleSAMLphp\'s default): the log says why and names both fixes', async () => {
      sp = await TestSp.start('', { logger: recordingLogger(lines) });
      const response = await sp.login({ nameIdFormat: TRANSIENT, nameId: '_5f2a9c' });
      expect(response.status).to.equal(403);
      expect(((await response.json()) as { error: string }).error).to.equal('UID_MISSING');
      expect((await sp.whoami()).user).to.equal(null);
      const refusal = lines.find((line) => line.fields['code'] === 'UID_MISSING');
      expect(String(refusal?.fields['reason'])).to.include('transient').and.include('transientFederationAttribute is not set').and.include('nameIdFormats');
    });

    it('a transient NameID whose configured uid attribute is missing: the log names the attribute', async () => {
      sp = await TestSp.start('', { logger: recordingLogger(lines), transientFederationAttribute: UPN });
      const response = await sp.login({ nameIdFormat: TRANSIENT, nameId: '_5f2a9c', attributes: { mail: ['alice@corp.example'] } });
      expect(((await response.json()) as { error: string }).error).to.equal('UID_MISSING');
      const refusal = lines.find((line) => line.fields['code'] === 'UID_MISSING');
      expect(String(refusal?.fields['reason'])).to.include(`transientFederationAttribute ${UPN} has 0 values`);
    });

    it('two values of the uid attribute are no uid either (which one is stable would be a guess)', async () => {
      sp = await TestSp.start('', { transientFederationAttribute: UPN });
      const response = await sp.login({ nameIdFormat: TRANSIENT, nameId: '_5f2a9c', attributes: { [UPN]: ['alice@corp.example', 'bob@corp.example'] } });
      expect(((await response.json()) as { error: string }).error).to.equal('UID_MISSING');
    });

    it('a persistent NameID that finds nobody (provision: false) stays PERMISSION_DENIED, not blamed on the uid', async () => {
      sp = await TestSp.start('', { logger: recordingLogger(lines), provision: false });
      const response = await sp.login();
      expect(((await response.json()) as { error: string }).error).to.equal('PERMISSION_DENIED');
      expect(lines.some((line) => line.fields['code'] === 'UID_MISSING')).to.equal(false);
    });

    it('an adapter that finds the user another way still logs in without a uid', async () => {
      let seen = 0;
      const byMail = { lookupUser: async (idp: IdpContext, attributes: MellonAttributes) => (seen++, (await idp.users.findByUsername(String(attributes['mail']?.[0]))) ?? idp.users.create(String(attributes['mail']?.[0]))) };
      sp = await TestSp.start('', { adapters: [byMail, DefaultAdapter] });
      const response = await sp.login({ nameIdFormat: TRANSIENT, nameId: '_5f2a9c', attributes: { mail: ['alice@corp.example'] } });
      expect(response.status).to.equal(303);
      expect(seen).to.equal(1);
      expect((await sp.whoami()).user?.username).to.equal('alice@corp.example');
    });
  });

  describe('NameID white space', () => {
    it('"alice-1234 " and "alice-1234", two signed identities, are two accounts', async () => {
      sp = await TestSp.start('', { usernameTemplate: '{attributes[mail][0]}' });
      await sp.login({ nameId: 'alice-1234', attributes: { mail: ['alice@example.test'] } });
      const first = await sp.whoami();
      expect(first.mellon?.nameIdContent).to.equal('alice-1234');
      // Same username template value: the second identity must not take over the first account.
      const second = await sp.login({ nameId: 'alice-1234 ', attributes: { mail: ['alice@example.test'] } });
      expect(((await second.json()) as { error: string }).error).to.equal('PERMISSION_DENIED');
    });

    it('the NameID is kept exactly as signed in the session', async () => {
      sp = await TestSp.start('');
      await sp.login({ nameId: 'alice-1234 ' });
      const me = await sp.whoami();
      expect(me.mellon?.nameIdContent).to.equal('alice-1234 ');
      expect(me.user?.username).to.equal('alice-1234 @saml');
    });
  });

  describe('an IdP that signs with SHA-1', () => {
    const SHA1 = { signatureAlgorithm: 'http://www.w3.org/2000/09/xmldsig#rsa-sha1', digestAlgorithm: 'http://www.w3.org/2000/09/xmldsig#sha1' };

    it('is refused by default, and the log line names the IdP and identityProviders[0].allowSha1', async () => {
      sp = await TestSp.start('', { logger: recordingLogger(lines) });
      const response = await sp.login(SHA1);
      expect(((await response.json()) as { error: string }).error).to.equal('SIGNATURE_ALGORITHM_FORBIDDEN');
      const refusal = lines.find((line) => line.fields['code'] === 'SIGNATURE_ALGORITHM_FORBIDDEN');
      expect(refusal?.level).to.equal('warn');
      expect(JSON.stringify(refusal?.fields)).to.include('identityProviders[0].allowSha1').and.include('https://idp.example.test/metadata');
    });

    it('is accepted with allowSha1 on that IdP only', async () => {
      sp = await TestSp.start('', { identityProviders: [{ metadata: idpMetadata(), allowSha1: true }] });
      const response = await sp.login(SHA1);
      expect(response.status, await response.clone().text()).to.equal(303);
    });
  });

  it('a Response signed as its last child (Auth0) logs in', async () => {
    sp = await TestSp.start('');
    const last = (xml: string) =>
      tamper(xml, (_doc, p) => {
        const signature = Array.from(p.response.childNodes).find((n) => (n as Element).namespaceURI === NS_URI.DS) as Element;
        p.response.appendChild(signature);
      });
    expect((await sp.login({ signAssertion: false, signResponse: true, beforeSigning: last })).status).to.equal(303);
  });
});
