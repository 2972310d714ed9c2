import { MellonError, NAMEID_FORMAT } from '@koa-mellon/saml';
import { expect, use } from 'chai';
import chaiAsPromised from 'chai-as-promised';
import { createAdapterChain, runAdapterChain } from '../../src/adapters/chain.js';
import { DefaultAdapter, USERNAME_MAX_LENGTH } from '../../src/adapters/default-adapter.js';
import { NO_ACCOUNT_MESSAGE, USERNAME_TAKEN_MESSAGE } from '../../src/adapters/messages.js';
import { PermissionDenied, type IdpContext, type MellonAttributes } from '../../src/adapters/types.js';
import { CLASS_MFA, CLASS_PASSWORD, ISSUER, idpContext, memoryUsers, samlAttributes } from './helpers.js';

use(chaiAsPromised);

const login = (idp: IdpContext, attributes: MellonAttributes) => runAdapterChain(createAdapterChain([DefaultAdapter]), idp, attributes);
const refusedWith = (idp: IdpContext, attributes: MellonAttributes, message: string) =>
  expect(login(idp, attributes)).to.be.rejectedWith(PermissionDenied).and.eventually.have.property('publicMessage', message);
/** No key to link an account by: its own code, not PermissionDenied (the chain checks it when nobody was found). */
const refusedWithoutUid = (idp: IdpContext, attributes: MellonAttributes) =>
  expect(login(idp, attributes)).to.be.rejectedWith(MellonError).and.eventually.have.property('code', 'UID_MISSING');

describe('DefaultAdapter.authorize (MELLON_AUTHN_CLASSREF)', () => {
  const adapter = new DefaultAdapter();

  it('accepts any class, or none, when authnClassRef is empty', () => {
    expect(adapter.authorize(idpContext(), samlAttributes())).to.equal(true);
    expect(adapter.authorize(idpContext(), samlAttributes({}, { authn_context_class_ref: undefined }))).to.equal(true);
  });

  it('accepts a listed class', () => {
    expect(adapter.authorize(idpContext({ authnClassRef: [CLASS_MFA, CLASS_PASSWORD] }), samlAttributes())).to.equal(true);
  });

  it('refuses a class that is not listed, or none at all', () => {
    const idp = idpContext({ authnClassRef: [CLASS_MFA] });
    expect(adapter.authorize(idp, samlAttributes())).to.equal(false);
    expect(adapter.authorize(idp, samlAttributes({}, { authn_context_class_ref: undefined }))).to.equal(false);
  });

  it('makes the chain refuse with the default PermissionDenied', async () => {
    await refusedWith(idpContext({ authnClassRef: [CLASS_MFA] }), samlAttributes(), new PermissionDenied().publicMessage);
  });
});

describe('DefaultAdapter.lookupUser: provisioning (MELLON_PROVISION, MELLON_USERNAME_TEMPLATE, MELLON_REALM)', () => {
  it('creates an active user named by the default template and links the identity', async () => {
    const idp = idpContext();
    const user = await login(idp, samlAttributes());
    expect(user).to.deep.include({ username: 'abc@saml', isActive: true, isSuperuser: false, isStaff: false });
    expect((await idp.users.findByFederation(ISSUER, 'abc'))?.id).to.equal(user.id);
  });

  it('finds the same user at the next login', async () => {
    const idp = idpContext();
    const first = await login(idp, samlAttributes());
    const second = await login(idp, samlAttributes());
    expect(second.id).to.equal(first.id);
  });

  it('puts the realm in the username', async () => {
    expect((await login(idpContext({ realm: 'corp' }), samlAttributes())).username).to.equal('abc@corp');
  });

  it('uses a custom template', async () => {
    const idp = idpContext({ usernameTemplate: '{attributes[uid][0]}.{idp[entityId]}' });
    expect((await login(idp, samlAttributes({ uid: ['jdoe'] }))).username).to.equal(`jdoe.${ISSUER}`);
  });

  it('keeps finding the user through its federation link after the template changes', async () => {
    const users = memoryUsers();
    const first = await login(idpContext({}, users), samlAttributes({ uid: ['jdoe'] }));
    const second = await login(idpContext({ usernameTemplate: '{attributes[uid][0]}' }, users), samlAttributes({ uid: ['jdoe'] }));
    expect(second.id).to.equal(first.id);
    expect(second.username).to.equal('abc@saml');
    expect(await users.findByUsername('jdoe')).to.equal(undefined);
  });

  it('refuses (creates nobody) when the template cannot be filled', async () => {
    const idp = idpContext({ usernameTemplate: '{attributes[uid][0]}' });
    await refusedWith(idp, samlAttributes(), NO_ACCOUNT_MESSAGE);
    expect(await idp.users.findByFederation(ISSUER, 'abc')).to.equal(undefined);
  });

  it('truncates the username to Django’s 150 characters, by code point', async () => {
    const user = await login(idpContext(), samlAttributes({}, { name_id_content: '😀'.repeat(200) }));
    expect(Array.from(user.username)).to.have.length(USERNAME_MAX_LENGTH);
  });

  it('refuses to take over an existing, unlinked user with the same username', async () => {
    const idp = idpContext();
    const existing = await idp.users.create('abc@saml');
    await refusedWith(idp, samlAttributes(), USERNAME_TAKEN_MESSAGE);
    expect(await idp.users.findByFederation(ISSUER, 'abc')).to.equal(undefined);
    expect((await idp.users.findByUsername('abc@saml'))?.id).to.equal(existing.id);
  });

  it('ends concurrent first logins of one identity on one user (within a process)', async () => {
    const idp = idpContext();
    const chain = createAdapterChain([DefaultAdapter]);
    const users = await Promise.all([1, 2, 3].map(() => runAdapterChain(chain, idp, samlAttributes())));
    expect(new Set(users.map((u) => u.id)).size).to.equal(1);
  });

  it('refuses unknown identities when provision is off', async () => {
    const idp = idpContext({ provision: false });
    await refusedWith(idp, samlAttributes(), NO_ACCOUNT_MESSAGE);
    expect(await idp.users.findByUsername('abc@saml')).to.equal(undefined);
  });

  it('still finds linked users when provision is off', async () => {
    const users = memoryUsers();
    const known = await users.create('someone');
    await users.linkFederation(known, ISSUER, 'abc');
    expect((await login(idpContext({ provision: false }, users), samlAttributes())).id).to.equal(known.id);
  });

  it('keys the link by issuer and NameID: the same NameID from another IdP is another user', async () => {
    const users = memoryUsers();
    const here = await login(idpContext({}, users), samlAttributes());
    const other = 'https://other-idp.example.org/metadata';
    const there = await login(idpContext({ entityId: other, realm: 'other' }, users), samlAttributes({}, { issuer: other }));
    expect(there.id).to.not.equal(here.id);
  });

  it('refuses a login without an issuer or a NameID (UID_MISSING)', async () => {
    await refusedWithoutUid(idpContext(), samlAttributes({}, { name_id_content: undefined }));
    await refusedWithoutUid(idpContext(), samlAttributes({}, { issuer: undefined }));
  });
});

describe('DefaultAdapter.lookupUser: transient NameIDs (MELLON_TRANSIENT_FEDERATION_ATTRIBUTE)', () => {
  const transient = (nameId: string, attributes: Readonly<Record<string, readonly string[]>> = {}) =>
    samlAttributes(attributes, { name_id_format: NAMEID_FORMAT.transient, name_id_content: nameId });

  it('refuses a transient NameID when no federation attribute is set, even with provision on (UID_MISSING)', async () => {
    const idp = idpContext();
    await refusedWithoutUid(idp, transient('_t1', { uid: ['jdoe'] }));
    expect(await idp.users.findByUsername('_t1@saml')).to.equal(undefined);
  });

  it('federates on the attribute’s value, so changing transient NameIDs find the same user', async () => {
    const idp = idpContext({ transientFederationAttribute: 'uid', usernameTemplate: '{attributes[uid][0]}@{realm}' });
    const first = await login(idp, transient('_t1', { uid: ['jdoe'] }));
    const second = await login(idp, transient('_t2', { uid: ['jdoe'] }));
    expect(second.id).to.equal(first.id);
    expect((await idp.users.findByFederation(ISSUER, 'jdoe'))?.id).to.equal(first.id);
    expect(await idp.users.findByFederation(ISSUER, '_t1')).to.equal(undefined);
  });

  it('refuses when the federation attribute is absent (UID_MISSING)', async () => {
    await refusedWithoutUid(idpContext({ transientFederationAttribute: 'uid' }), transient('_t1'));
  });

  it('refuses when the federation attribute has several values (as django-mellon; UID_MISSING)', async () => {
    await refusedWithoutUid(idpContext({ transientFederationAttribute: 'uid' }), transient('_t1', { uid: ['a', 'b'] }));
  });
});
