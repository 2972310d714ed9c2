import { expect } from 'chai';
import { NAMEID_FORMAT } from '@koa-mellon/saml';
import { ConfigError, createMellon, type MellonSettings } from 'koa-mellon';
import {
  DEFAULT_ATTRIBUTE_CLAIMS,
  DEFAULT_ATTRIBUTE_MAPPING,
  DEFAULT_GROUP_ATTRIBUTES,
  mappingWithDefaults,
} from '../../src/adapters/attribute-mapping-defaults.js';
import { createAdapterChain, runAdapterChain } from '../../src/adapters/chain.js';
import { DefaultAdapter } from '../../src/adapters/default-adapter.js';
import type { IdpContext, MellonAttributes } from '../../src/adapters/types.js';
import { parseTemplate } from '../../src/adapters/username-template.js';
import { testKeyPair } from '../../../../test/helpers/keys.js';
import { idpMetadata } from '../harness.js';
import { idpContext, samlAttributes } from './helpers.js';

const login = (idp: IdpContext, attributes: MellonAttributes) => runAdapterChain(createAdapterChain([DefaultAdapter]), idp, attributes);
const MS = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims';
const OID_MAIL = 'urn:oid:0.9.2342.19200300.100.1.3';
const ENTRA_GROUPS = 'http://schemas.microsoft.com/ws/2008/06/identity/claims/groups';
const ENTRA_ROLE = 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role';
const withDefaults = (overrides: Partial<IdpContext> = {}) => idpContext({ attributeMappingDefaults: true, ...overrides });

describe('DEFAULT_ATTRIBUTE_MAPPING', () => {
  it('is one `{attributes[claim][0]}` template per claim of the table, in the table’s order, each parseable', () => {
    for (const [field, claims] of Object.entries(DEFAULT_ATTRIBUTE_CLAIMS)) {
      const templates = DEFAULT_ATTRIBUTE_MAPPING[field] ?? [];
      expect(templates).to.deep.equal(claims.map((claim) => `{attributes[${claim}][0]}`));
      for (const template of templates) expect(() => parseTemplate(template)).not.to.throw();
    }
  });

  it('names no claim twice, within a field or across fields', () => {
    const all = Object.values(DEFAULT_ATTRIBUTE_CLAIMS).flat();
    expect(new Set(all).size).to.equal(all.length);
    expect(new Set(DEFAULT_GROUP_ATTRIBUTES).size).to.equal(DEFAULT_GROUP_ATTRIBUTES.length);
  });

  it('has no groups row: groups are only ever taken from groupAttribute', () => {
    expect(DEFAULT_ATTRIBUTE_MAPPING).not.to.have.property('groups');
    for (const claim of DEFAULT_GROUP_ATTRIBUTES) expect(Object.values(DEFAULT_ATTRIBUTE_CLAIMS).flat()).not.to.include(claim);
  });
});

describe('mappingWithDefaults', () => {
  it('puts the table under the explicit mapping, an explicit field replacing its whole row', () => {
    const mapping = mappingWithDefaults({ email: '{attributes[work_mail][0]}', department: '{attributes[dept][0]}' }, true);
    expect(mapping['email']).to.equal('{attributes[work_mail][0]}');
    expect(mapping['department']).to.equal('{attributes[dept][0]}');
    expect(mapping['firstName']).to.deep.equal(DEFAULT_ATTRIBUTE_MAPPING['firstName']);
  });

  it('returns the explicit mapping itself when off', () => {
    const explicit = { email: '{attributes[mail][0]}' };
    expect(mappingWithDefaults(explicit, false)).to.equal(explicit);
  });
});

describe('DefaultAdapter.provision: attributeMappingDefaults', () => {
  it('fills the profile fields from Entra ID’s claim URIs with no attributeMapping at all', async () => {
    const user = await login(withDefaults(), samlAttributes({
      [`${MS}/emailaddress`]: ['alice@contoso.example'],
      [`${MS}/givenname`]: ['Alice'],
      [`${MS}/surname`]: ['Liddell'],
      [`${MS}/name`]: ['alice@contoso.onmicrosoft.example'],
      'http://schemas.microsoft.com/identity/claims/displayname': ['Alice Liddell'],
    }));
    expect(user.fields).to.deep.equal({
      email: 'alice@contoso.example',
      firstName: 'Alice',
      lastName: 'Liddell',
      displayName: 'Alice Liddell',
      preferredUsername: 'alice@contoso.onmicrosoft.example',
    });
  });

  it('takes the first claim present in the table’s order (the OID before the Microsoft URI before `email`)', async () => {
    const user = await login(withDefaults(), samlAttributes({ email: ['c@example.test'], [`${MS}/emailaddress`]: ['b@example.test'], [OID_MAIL]: ['a@example.test'] }));
    expect(user.fields['email']).to.equal('a@example.test');
  });

  it('keeps the first value of a claim with several, never joining values or claims', async () => {
    const user = await login(withDefaults(), samlAttributes({ mail: ['first@example.test', 'second@example.test'], email: ['third@example.test'] }));
    expect(user.fields['email']).to.equal('first@example.test');
  });

  it('lets an explicit attributeMapping win field by field: no fallback to the table for that field', async () => {
    const idp = withDefaults({ attributeMapping: { email: '{attributes[corporateMail][0]}' } });
    const user = await login(idp, samlAttributes({ mail: ['from-table@example.test'], givenName: ['Alice'] }));
    expect(user.fields).to.deep.equal({ firstName: 'Alice' });
  });

  it('fills nothing beyond attributeMapping when off (django-mellon’s behaviour)', async () => {
    const user = await login(idpContext({ attributeMappingDefaults: false, attributeMapping: { email: '{attributes[mail][0]}' } }), samlAttributes({ mail: ['a@example.test'], givenName: ['Alice'], sn: ['Liddell'] }));
    expect(user.fields).to.deep.equal({ email: 'a@example.test' });
  });

  it('never sets groups', async () => {
    const user = await login(withDefaults(), samlAttributes({ groups: ['admins'], [ENTRA_GROUPS]: ['0000-admins'] }));
    expect(user.groups).to.deep.equal([]);
    expect(user.fields).to.deep.equal({});
  });
});

describe('DefaultAdapter.provision: useNameIdForEmail', () => {
  const emailNameId = { name_id_content: 'bob@example.test', name_id_format: NAMEID_FORMAT.emailAddress };

  it('fills email with an emailAddress NameID when no e-mail attribute came', async () => {
    const user = await login(withDefaults({ useNameIdForEmail: true }), samlAttributes({ firstName: ['Bob'] }, emailNameId));
    expect(user.fields).to.deep.equal({ email: 'bob@example.test', firstName: 'Bob' });
  });

  it('prefers an e-mail attribute to the NameID', async () => {
    const user = await login(withDefaults({ useNameIdForEmail: true }), samlAttributes({ mail: ['robert@example.test'] }, emailNameId));
    expect(user.fields['email']).to.equal('robert@example.test');
  });

  it('comes after an explicit email template too, defaults off', async () => {
    const idp = idpContext({ useNameIdForEmail: true, attributeMapping: { email: '{attributes[corporateMail][0]}' } });
    expect((await login(idp, samlAttributes({}, emailNameId))).fields).to.deep.equal({ email: 'bob@example.test' });
    expect((await login(idp, samlAttributes({ corporateMail: ['b@corp.example'] }, { ...emailNameId, name_id_content: 'bob2@example.test' }))).fields).to.deep.equal({ email: 'b@corp.example' });
  });

  it('ignores a NameID of another format', async () => {
    const user = await login(withDefaults({ useNameIdForEmail: true }), samlAttributes({}, { name_id_content: 'bob@example.test', name_id_format: NAMEID_FORMAT.persistent }));
    expect(user.fields).to.deep.equal({});
  });

  it('is off by default', async () => {
    const user = await login(withDefaults(), samlAttributes({}, emailNameId));
    expect(user.fields).to.deep.equal({});
  });
});

describe('DefaultAdapter.provision: groupAttribute as a list', () => {
  it('uses the first attribute present, alone (Entra ID’s groups, not also its roles)', async () => {
    const user = await login(idpContext({ groupAttribute: DEFAULT_GROUP_ATTRIBUTES }), samlAttributes({ [ENTRA_ROLE]: ['Approver'], [ENTRA_GROUPS]: ['0000-staff'] }));
    expect(user.groups).to.deep.equal(['0000-staff']);
  });

  it('falls through to a later name (Okta’s `groups`)', async () => {
    const user = await login(idpContext({ groupAttribute: DEFAULT_GROUP_ATTRIBUTES }), samlAttributes({ groups: ['Everyone', 'Engineering'] }));
    expect(user.groups).to.have.members(['Everyone', 'Engineering']);
  });

  it('leaves the groups alone when none is present', async () => {
    const users = idpContext().users;
    const idp = idpContext({ groupAttribute: ['groups', 'memberOf'] }, users);
    const user = await login(idp, samlAttributes({ groups: ['staff'] }));
    await login(idp, samlAttributes({ Role: ['admin'] }));
    expect((await users.findById(user.id))?.groups).to.deep.equal(['staff']);
  });
});

describe('settings: attributeMappingDefaults, useNameIdForEmail, groupAttribute', () => {
  const base = (): MellonSettings => ({
    baseUrl: 'https://app.example.test/accounts/mellon',
    identityProviders: [{ metadata: idpMetadata() }],
    privateKey: testKeyPair('sp').keyPem,
    publicKeys: [testKeyPair('sp').certPem],
  });
  const refused = (settings: unknown, path: string) => expect(() => createMellon(settings as MellonSettings)).to.throw(ConfigError).with.property('path', path);

  it('refuses a non-boolean, naming the key, globally and per IdP', () => {
    refused({ ...base(), attributeMappingDefaults: 'yes' }, 'attributeMappingDefaults');
    refused({ ...base(), identityProviders: [{ metadata: idpMetadata(), useNameIdForEmail: 1 }] }, 'identityProviders[0].useNameIdForEmail');
  });

  it('refuses an empty list or a non-string as groupAttribute', () => {
    refused({ ...base(), groupAttribute: [] }, 'groupAttribute');
    refused({ ...base(), identityProviders: [{ metadata: idpMetadata(), groupAttribute: ['groups', 7] }] }, 'identityProviders[0].groupAttribute');
  });

  it('accepts a name or a list of names as groupAttribute', () => {
    createMellon({ ...base(), groupAttribute: 'groups' }).close();
    createMellon({ ...base(), groupAttribute: DEFAULT_GROUP_ATTRIBUTES }).close();
  });
});
