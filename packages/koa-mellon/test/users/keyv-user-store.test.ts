import { MellonError } from '@koa-mellon/saml';
import { expect, use } from 'chai';
import chaiAsPromised from 'chai-as-promised';
import { Keyv } from 'keyv';
import { createKeyvUserStore } from '../../src/users/keyv-user-store.js';
import { describeUserStore } from './user-store-suite.js';

use(chaiAsPromised);

let keyv = new Keyv();
describeUserStore('createKeyvUserStore', () => ({
  fresh: async () => createKeyvUserStore((keyv = new Keyv())),
  corrupt: async (id) => {
    await keyv.set(`user:${id}`, { id, username: 42 });
  },
}));

describe('createKeyvUserStore', () => {
  describe('failures', () => {
    it('fails closed with STORE_UNAVAILABLE when the Keyv store throws', async () => {
      class DownStore extends Map<string, unknown> {
        override get(): never {
          throw new Error('ECONNREFUSED');
        }
      }
      const keyv = new Keyv({ store: new DownStore(), throwOnErrors: true });
      keyv.on('error', () => undefined);
      const users = createKeyvUserStore(keyv);
      await expect(users.findByFederation('idp', 'abc')).to.be.rejectedWith(MellonError).and.eventually.have.property('code', 'STORE_UNAVAILABLE');
    });

    it('works in a namespace shared with other state', async () => {
      const keyv = new Keyv({ namespace: 'mellon-users' });
      const users = createKeyvUserStore(keyv);
      const user = await users.create('jdoe');
      expect((await users.findByUsername('jdoe'))?.id).to.equal(user.id);
    });
  });
});
