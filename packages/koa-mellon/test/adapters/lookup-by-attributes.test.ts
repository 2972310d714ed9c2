import { expect, use } from 'chai';
import chaiAsPromised from 'chai-as-promised';
import { createAdapterChain, runAdapterChain } from '../../src/adapters/chain.js';
import { DefaultAdapter } from '../../src/adapters/default-adapter.js';
import { AMBIGUOUS_ACCOUNT_MESSAGE, NO_ACCOUNT_MESSAGE } from '../../src/adapters/messages.js';
import { PermissionDenied, type IdpContext, type LookupByAttributeRule, type MellonAttributes, type UserStore } from '../../src/adapters/types.js';
import { ISSUER, idpContext, memoryUsers, samlAttributes } from './helpers.js';

use(chaiAsPromised);

const login = (idp: IdpContext, attributes: MellonAttributes) => runAdapterChain(createAdapterChain([DefaultAdapter]), idp, attributes);

/** A user created outside SAML (an admin, an import), with `email` set. */
async function existing(users: UserStore, username: string, email: string) {
  const user = await users.create(username);
  user.fields['email'] = email;
  await users.save(user);
  return user;
}

const byMail: LookupByAttributeRule = { userField: 'email', samlAttribute: 'mail' };

describe('DefaultAdapter.lookupUser: MELLON_LOOKUP_BY_ATTRIBUTES', () => {
  it('finds an existing user by an attribute and links the identity to it', async () => {
    const users = memoryUsers();
    const jdoe = await existing(users, 'jdoe', 'jdoe@example.com');
    const found = await login(idpContext({ lookupByAttributes: [byMail] }, users), samlAttributes({ mail: ['jdoe@example.com'] }));
    expect(found.id).to.equal(jdoe.id);
    expect((await users.findByFederation(ISSUER, 'abc'))?.id).to.equal(jdoe.id);
  });

  it('finds the linked user at the next login even without the rule', async () => {
    const users = memoryUsers();
    const jdoe = await existing(users, 'jdoe', 'jdoe@example.com');
    await login(idpContext({ lookupByAttributes: [byMail] }, users), samlAttributes({ mail: ['jdoe@example.com'] }));
    expect((await login(idpContext({ provision: false }, users), samlAttributes())).id).to.equal(jdoe.id);
  });

  it('matches case-sensitively unless ignoreCase is set', async () => {
    const users = memoryUsers();
    const jdoe = await existing(users, 'jdoe', 'jdoe@example.com');
    const shouted = samlAttributes({ mail: ['JDoe@Example.COM'] });
    await expect(login(idpContext({ provision: false, lookupByAttributes: [byMail] }, users), shouted))
      .to.be.rejectedWith(PermissionDenied)
      .and.eventually.have.property('publicMessage', NO_ACCOUNT_MESSAGE);
    const found = await login(idpContext({ provision: false, lookupByAttributes: [{ ...byMail, ignoreCase: true }] }, users), shouted);
    expect(found.id).to.equal(jdoe.id);
  });

  it('creates a new user when nothing matches and provision is on', async () => {
    const users = memoryUsers();
    const jdoe = await existing(users, 'jdoe', 'jdoe@example.com');
    const created = await login(idpContext({ lookupByAttributes: [byMail] }, users), samlAttributes({ mail: ['other@example.com'] }));
    expect(created.id).to.not.equal(jdoe.id);
    expect(created.username).to.equal('abc@saml');
  });

  it('pools the rules (one rule OR the next)', async () => {
    const users = memoryUsers();
    const jdoe = await existing(users, 'jdoe', 'jdoe@example.com');
    const rules = [byMail, { userField: 'username', samlAttribute: 'uid' }];
    const found = await login(idpContext({ provision: false, lookupByAttributes: rules }, users), samlAttributes({ mail: ['nobody@example.com'], uid: ['jdoe'] }));
    expect(found.id).to.equal(jdoe.id);
  });

  it('tries every value of a multi-valued attribute', async () => {
    const users = memoryUsers();
    const jdoe = await existing(users, 'jdoe', 'jdoe@example.com');
    const found = await login(idpContext({ provision: false, lookupByAttributes: [byMail] }, users), samlAttributes({ mail: ['old@example.com', 'jdoe@example.com'] }));
    expect(found.id).to.equal(jdoe.id);
  });

  it('is not ambiguous when several rules find the same user', async () => {
    const users = memoryUsers();
    const jdoe = await existing(users, 'jdoe', 'jdoe@example.com');
    const rules = [byMail, { userField: 'username', samlAttribute: 'uid' }];
    const found = await login(idpContext({ lookupByAttributes: rules }, users), samlAttributes({ mail: ['jdoe@example.com'], uid: ['jdoe'] }));
    expect(found.id).to.equal(jdoe.id);
  });

  it('refuses when more than one user matches, even with provision on, and links nobody', async () => {
    const users = memoryUsers();
    await existing(users, 'jdoe', 'shared@example.com');
    await existing(users, 'jane', 'SHARED@example.com');
    const idp = idpContext({ lookupByAttributes: [{ ...byMail, ignoreCase: true }] }, users);
    await expect(login(idp, samlAttributes({ mail: ['shared@example.com'] })))
      .to.be.rejectedWith(PermissionDenied)
      .and.eventually.have.property('publicMessage', AMBIGUOUS_ACCOUNT_MESSAGE);
    expect(await users.findByFederation(ISSUER, 'abc')).to.equal(undefined);
    expect(await users.findByUsername('abc@saml')).to.equal(undefined);
  });

  it('refuses when two rules find two different users', async () => {
    const users = memoryUsers();
    await existing(users, 'jdoe', 'jdoe@example.com');
    await existing(users, 'jane', 'jane@example.com');
    const rules = [byMail, { userField: 'username', samlAttribute: 'uid' }];
    await expect(login(idpContext({ lookupByAttributes: rules }, users), samlAttributes({ mail: ['jdoe@example.com'], uid: ['jane'] })))
      .to.be.rejectedWith(PermissionDenied)
      .and.eventually.have.property('publicMessage', AMBIGUOUS_ACCOUNT_MESSAGE);
  });

  it('skips empty values, which would match every user without the field', async () => {
    const users = memoryUsers();
    await existing(users, 'jdoe', '');
    const created = await login(idpContext({ lookupByAttributes: [byMail] }, users), samlAttributes({ mail: [''] }));
    expect(created.username).to.equal('abc@saml');
  });

  it('skips a rule whose attribute the assertion lacks', async () => {
    const users = memoryUsers();
    await existing(users, 'jdoe', 'jdoe@example.com');
    const created = await login(idpContext({ lookupByAttributes: [byMail] }, users), samlAttributes());
    expect(created.username).to.equal('abc@saml');
  });
});
