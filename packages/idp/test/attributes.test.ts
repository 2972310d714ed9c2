import { expect } from 'chai';
import { ATTRNAME_FORMAT } from '@koa-mellon/saml';
import { releaseAttributes } from '../src/attributes.js';
import type { ServiceProviderInfo } from '@koa-mellon/idp';

class User {
  readonly id = 'u-1';
  readonly email = 'alice@example.test';
  readonly groups = ['staff', 'admins'];
  readonly age = 42;
  readonly admin = false;
  readonly phone = null;
  get fullName(): string {
    return 'Alice Liddell';
  }
}

const sp = { index: 0, entityId: 'https://sp.example.test/metadata' } as ServiceProviderInfo; // the descriptor is not read here

describe('releaseAttributes', () => {
  it('releases nothing by default', async () => {
    expect(await releaseAttributes(undefined, new User(), sp)).to.deep.equal([]);
  });

  it('maps SAML names to user fields; a field may go out under several names', async () => {
    const released = await releaseAttributes({ mail: 'email', 'urn:oid:0.9.2342.19200300.100.1.3': { field: 'email', friendlyName: 'mail' } }, new User(), sp);
    expect(released).to.deep.equal([
      { name: 'mail', nameFormat: ATTRNAME_FORMAT.basic, friendlyName: undefined, values: ['alice@example.test'] },
      { name: 'urn:oid:0.9.2342.19200300.100.1.3', nameFormat: ATTRNAME_FORMAT.uri, friendlyName: 'mail', values: ['alice@example.test'] },
    ]);
  });

  it('gives arrays as several values, numbers and booleans as text, reads getters', async () => {
    const released = await releaseAttributes({ groups: 'groups', age: 'age', admin: 'admin', cn: 'fullName' }, new User(), sp);
    expect(released.map((a) => [a.name, a.values])).to.deep.equal([
      ['groups', ['staff', 'admins']],
      ['age', ['42']],
      ['admin', ['false']],
      ['cn', ['Alice Liddell']],
    ]);
  });

  it('computes values with `value`, given the user and the SP', async () => {
    const released = await releaseAttributes({ eduPersonScopedAffiliation: { value: async (user, info) => user.groups.map((g) => `${g}@${new URL(info.entityId).hostname}`) } }, new User(), sp);
    expect(released[0]?.values).to.deep.equal(['staff@sp.example.test', 'admins@sp.example.test']);
  });

  it('leaves out what the user lacks (missing, null, empty) rather than sending it empty', async () => {
    const released = await releaseAttributes({ phone: 'phone', fax: 'fax', none: { value: () => [] }, alsoNone: { value: () => undefined } }, new User(), sp);
    expect(released).to.deep.equal([]);
  });

  it('honours an explicit NameFormat', async () => {
    const released = await releaseAttributes({ mail: { field: 'email', nameFormat: ATTRNAME_FORMAT.unspecified } }, new User(), sp);
    expect(released[0]?.nameFormat).to.equal(ATTRNAME_FORMAT.unspecified);
  });
});
