// attributeMappingDefaults and useNameIdForEmail through the real ACS: Responses whose claims are shaped like
// Entra ID's, Okta's and Google Workspace's (their attribute names, NameID formats and what they sign), signed
// by xmlsec1, posted to login/ with no attributeMapping configured.
import { expect } from 'chai';
import { NAMEID_FORMAT } from '@koa-mellon/saml';
import { DEFAULT_GROUP_ATTRIBUTES, type MellonSettings } from 'koa-mellon';
import type { ResponseFixture } from '../../../../test/helpers/response-fixture.js';
import { requireXmlsec } from '../../../../test/helpers/xmlsec.js';
import { TestSp, idpMetadata } from '../harness.js';

const MS = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims';
const MS_IDENTITY = 'http://schemas.microsoft.com/identity/claims';

/** An Entra ID enterprise app with its default claims and a group claim: assertion signed only. */
const ENTRA_ID: ResponseFixture = {
  nameIdFormat: NAMEID_FORMAT.emailAddress,
  nameId: 'alice@contoso.example',
  attributes: {
    [`${MS_IDENTITY}/tenantid`]: ['00000000-0000-0000-0000-000000000000'],
    [`${MS_IDENTITY}/objectidentifier`]: ['6f1b0c9e-0000-0000-0000-000000000001'],
    [`${MS_IDENTITY}/displayname`]: ['Alice Liddell'],
    [`${MS_IDENTITY}/identityprovider`]: ['https://sts.windows.net/00000000-0000-0000-0000-000000000000/'],
    'http://schemas.microsoft.com/claims/authnmethodsreferences': ['http://schemas.microsoft.com/ws/2008/06/identity/authenticationmethod/password'],
    [`${MS}/givenname`]: ['Alice'],
    [`${MS}/surname`]: ['Liddell'],
    [`${MS}/emailaddress`]: ['alice@contoso.example'],
    [`${MS}/name`]: ['alice@contoso.onmicrosoft.example'],
    'http://schemas.microsoft.com/ws/2008/06/identity/claims/groups': ['8c1f0000-0000-0000-0000-00000000aaaa', '8c1f0000-0000-0000-0000-00000000bbbb'],
    'http://schemas.microsoft.com/ws/2008/06/identity/claims/role': ['Approver'],
  },
};

/** An Okta app integration: NameID unspecified (the Okta username), Attribute Statements, Response and assertion signed. */
const OKTA: ResponseFixture = {
  nameIdFormat: NAMEID_FORMAT.unspecified,
  nameId: 'carol@example.com',
  signResponse: true,
  attributes: { email: ['carol@example.com'], firstName: ['Carol'], lastName: ['Danvers'], groups: ['Everyone', 'Engineering'] },
};

/** A Google Workspace custom SAML app: NameID the primary e-mail, two mapped attributes, only the Response signed. */
const GOOGLE: ResponseFixture = {
  nameIdFormat: NAMEID_FORMAT.emailAddress,
  nameId: 'erin@example.org',
  signResponse: true,
  signAssertion: false,
  attributes: { firstName: ['Erin'], lastName: ['Hannon'] },
};

// CONVENTIONS: router suites run mounted at the root and under a path.
for (const basePath of ['', '/accounts/mellon']) {
  describe(`attribute-mapping defaults through the ACS, mounted at "${basePath || '/'}"`, () => {
    let sp: TestSp | undefined;
    before(requireXmlsec);
    afterEach(async () => {
      await sp?.stop();
      sp = undefined;
    });

    const loginAs = async (fixture: ResponseFixture, overrides: Partial<MellonSettings> = {}) => {
      await sp?.stop();
      sp = await TestSp.start(basePath, overrides);
      const response = await sp.login(fixture);
      expect(response.status).to.equal(303);
      const { user } = await sp.whoami();
      return user as { username: string; groups: string[]; fields: Record<string, string> };
    };

    it('Entra ID: the profile fields from its claim URIs, its groups (not its roles) with groupAttribute: DEFAULT_GROUP_ATTRIBUTES', async () => {
      const user = await loginAs(ENTRA_ID, { groupAttribute: DEFAULT_GROUP_ATTRIBUTES });
      expect(user.fields).to.deep.equal({
        email: 'alice@contoso.example',
        firstName: 'Alice',
        lastName: 'Liddell',
        displayName: 'Alice Liddell',
        preferredUsername: 'alice@contoso.onmicrosoft.example',
      });
      expect(user.groups).to.have.members(['8c1f0000-0000-0000-0000-00000000aaaa', '8c1f0000-0000-0000-0000-00000000bbbb']).and.have.length(2);
    });

    it('Entra ID: no groups without groupAttribute, whatever the defaults', async () => {
      const user = await loginAs(ENTRA_ID);
      expect(user.fields['email']).to.equal('alice@contoso.example');
      expect(user.groups).to.deep.equal([]);
    });

    it('Okta: its Attribute Statement names', async () => {
      const user = await loginAs(OKTA);
      expect(user.username).to.equal('carol@example.com@saml');
      expect(user.fields).to.deep.equal({ email: 'carol@example.com', firstName: 'Carol', lastName: 'Danvers' });
    });

    it('Google Workspace: the NameID fills email with useNameIdForEmail', async () => {
      const user = await loginAs(GOOGLE, { useNameIdForEmail: true });
      expect(user.fields).to.deep.equal({ email: 'erin@example.org', firstName: 'Erin', lastName: 'Hannon' });
    });

    it('Google Workspace: no email without useNameIdForEmail (off by default)', async () => {
      const user = await loginAs(GOOGLE);
      expect(user.fields).to.deep.equal({ firstName: 'Erin', lastName: 'Hannon' });
    });

    it('an explicit attributeMapping wins field by field; the other fields still come from the table', async () => {
      const user = await loginAs(OKTA, { attributeMapping: { email: '{attributes[name_id_content]}', department: '{attributes[department][0]}' } });
      expect(user.fields).to.deep.equal({ email: 'carol@example.com', firstName: 'Carol', lastName: 'Danvers' });
      const entra = await loginAs(ENTRA_ID, { attributeMapping: { displayName: `{attributes[${MS}/givenname][0]} {attributes[${MS}/surname][0]}!` } });
      expect(entra.fields['displayName']).to.equal('Alice Liddell!');
      expect(entra.fields['email']).to.equal('alice@contoso.example');
    });

    it('attributeMappingDefaults: false on the IdP entry keeps exactly attributeMapping, over a global true', async () => {
      const user = await loginAs(ENTRA_ID, {
        attributeMappingDefaults: true,
        identityProviders: [{ metadata: idpMetadata(), attributeMappingDefaults: false, attributeMapping: { email: `{attributes[${MS}/emailaddress][0]}` } }],
      });
      expect(user.fields).to.deep.equal({ email: 'alice@contoso.example' });
    });

    it('attributeMappingDefaults: false globally fills nothing, as django-mellon', async () => {
      const user = await loginAs(OKTA, { attributeMappingDefaults: false });
      expect(user.fields).to.deep.equal({});
    });
  });
}
