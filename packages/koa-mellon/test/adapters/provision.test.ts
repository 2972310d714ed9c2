import { expect } from 'chai';
import { createAdapterChain, runAdapterChain } from '../../src/adapters/chain.js';
import { DefaultAdapter } from '../../src/adapters/default-adapter.js';
import type { IdpContext, MellonAttributes, UserStore } from '../../src/adapters/types.js';
import { countingSaves, idpContext, memoryUsers, samlAttributes } from './helpers.js';

const login = (idp: IdpContext, attributes: MellonAttributes) => runAdapterChain(createAdapterChain([DefaultAdapter]), idp, attributes);
/** The user as stored, not the object the chain returned. */
const stored = async (users: UserStore, id: string) => users.findById(id);

describe('DefaultAdapter.provision: MELLON_ATTRIBUTE_MAPPING', () => {
  it('fills fields from templates and saves them', async () => {
    const users = memoryUsers();
    const idp = idpContext({ attributeMapping: { email: '{attributes[mail][0]}', name: '{attributes[givenName][0]} {attributes[sn][0]}' } }, users);
    const user = await login(idp, samlAttributes({ mail: ['jdoe@example.com'], givenName: ['John'], sn: ['Doe'] }));
    expect((await stored(users, user.id))?.fields).to.deep.equal({ email: 'jdoe@example.com', name: 'John Doe' });
  });

  it('tries a list of templates in order and keeps the first that can be filled', async () => {
    const idp = idpContext({ attributeMapping: { email: ['{attributes[mail][0]}', '{attributes[name_id_content]}@example.com'] } });
    expect((await login(idp, samlAttributes({ mail: ['jdoe@example.com'] }))).fields['email']).to.equal('jdoe@example.com');
    const other = idpContext({ attributeMapping: { email: ['{attributes[mail][0]}', '{attributes[name_id_content]}@example.com'] } });
    expect((await login(other, samlAttributes())).fields['email']).to.equal('abc@example.com');
  });

  it('leaves a field as it is when no template can be filled', async () => {
    const users = memoryUsers();
    const idp = idpContext({ attributeMapping: { email: '{attributes[mail][0]}' } }, users);
    const user = await login(idp, samlAttributes({ mail: ['jdoe@example.com'] }));
    await login(idp, samlAttributes());
    expect((await stored(users, user.id))?.fields['email']).to.equal('jdoe@example.com');
  });

  it('updates a field the IdP changed', async () => {
    const users = memoryUsers();
    const idp = idpContext({ attributeMapping: { email: '{attributes[mail][0]}' } }, users);
    const user = await login(idp, samlAttributes({ mail: ['old@example.com'] }));
    await login(idp, samlAttributes({ mail: ['new@example.com'] }));
    expect((await stored(users, user.id))?.fields['email']).to.equal('new@example.com');
  });

  it('does not save when nothing changed', async () => {
    const { users, saves } = countingSaves(memoryUsers());
    const idp = idpContext({ attributeMapping: { email: '{attributes[mail][0]}' } }, users);
    await login(idp, samlAttributes({ mail: ['jdoe@example.com'] }));
    expect(saves()).to.equal(1);
    await login(idp, samlAttributes({ mail: ['jdoe@example.com'] }));
    expect(saves()).to.equal(1);
  });

  it('keeps a field named __proto__ a plain field', async () => {
    const idp = idpContext({ attributeMapping: JSON.parse('{"__proto__": "{attributes[mail][0]}"}') });
    const user = await login(idp, samlAttributes({ mail: ['x'] }));
    expect(Object.getPrototypeOf(user.fields)).to.equal(Object.prototype);
    expect(Object.hasOwn(user.fields, '__proto__')).to.equal(true);
  });
});

describe('DefaultAdapter.provision: MELLON_SUPERUSER_MAPPING', () => {
  const mapping = { superuserMapping: { roles: ['admin', 'root'] } };

  it('makes the user superuser and staff when a listed value is asserted', async () => {
    const users = memoryUsers();
    const user = await login(idpContext(mapping, users), samlAttributes({ roles: ['user', 'root'] }));
    expect(await stored(users, user.id)).to.deep.include({ isSuperuser: true, isStaff: true });
  });

  it('removes both flags at the next login without the value', async () => {
    const users = memoryUsers();
    const user = await login(idpContext(mapping, users), samlAttributes({ roles: ['admin'] }));
    await login(idpContext(mapping, users), samlAttributes({ roles: ['user'] }));
    expect(await stored(users, user.id)).to.deep.include({ isSuperuser: false, isStaff: false });
  });

  it('leaves the flags alone when no mapping is configured', async () => {
    const users = memoryUsers();
    const user = await login(idpContext({}, users), samlAttributes());
    const admin = await stored(users, user.id);
    if (admin === undefined) throw new Error('user vanished');
    admin.isSuperuser = true;
    admin.isStaff = true;
    await users.save(admin);
    await login(idpContext({}, users), samlAttributes({ roles: ['admin'] }));
    expect(await stored(users, user.id)).to.deep.include({ isSuperuser: true, isStaff: true });
  });
});

describe('DefaultAdapter.provision: MELLON_GROUP_ATTRIBUTE and MELLON_CREATE_GROUP', () => {
  it('creates the asserted groups and puts the user in exactly those', async () => {
    const users = memoryUsers();
    const user = await login(idpContext({ groupAttribute: 'memberOf' }, users), samlAttributes({ memberOf: ['staff', 'dev', 'staff'] }));
    expect((await stored(users, user.id))?.groups).to.have.members(['staff', 'dev']).and.have.length(2);
    expect(await users.groupExists('dev')).to.equal(true);
  });

  it('removes groups no longer asserted', async () => {
    const users = memoryUsers();
    const idp = idpContext({ groupAttribute: 'memberOf' }, users);
    const user = await login(idp, samlAttributes({ memberOf: ['staff', 'dev'] }));
    await login(idp, samlAttributes({ memberOf: ['dev'] }));
    expect((await stored(users, user.id))?.groups).to.deep.equal(['dev']);
  });

  it('without createGroup, ignores unknown groups and keeps existing ones', async () => {
    const users = memoryUsers();
    await users.createGroup('staff');
    const user = await login(idpContext({ groupAttribute: 'memberOf', createGroup: false }, users), samlAttributes({ memberOf: ['staff', 'unknown'] }));
    expect((await stored(users, user.id))?.groups).to.deep.equal(['staff']);
    expect(await users.groupExists('unknown')).to.equal(false);
  });

  it('leaves the groups alone when the assertion lacks the attribute', async () => {
    const users = memoryUsers();
    const idp = idpContext({ groupAttribute: 'memberOf' }, users);
    const user = await login(idp, samlAttributes({ memberOf: ['staff'] }));
    await login(idp, samlAttributes());
    expect((await stored(users, user.id))?.groups).to.deep.equal(['staff']);
  });

  it('empties the groups when the attribute is asserted without values', async () => {
    const users = memoryUsers();
    const idp = idpContext({ groupAttribute: 'memberOf' }, users);
    const user = await login(idp, samlAttributes({ memberOf: ['staff'] }));
    await login(idp, samlAttributes({ memberOf: [] }));
    expect((await stored(users, user.id))?.groups).to.deep.equal([]);
  });
});

describe('DefaultAdapter.provision', () => {
  it('saves once when attributes, flags and groups all change', async () => {
    const { users, saves } = countingSaves(memoryUsers());
    const idp = idpContext({ attributeMapping: { email: '{attributes[mail][0]}' }, superuserMapping: { roles: ['admin'] }, groupAttribute: 'memberOf' }, users);
    await login(idp, samlAttributes({ mail: ['a@example.com'], roles: ['admin'], memberOf: ['staff'] }));
    expect(saves()).to.equal(1);
  });
});
