import { MellonError } from '@koa-mellon/saml';
import { createMemoryStore, MAX_TTL_MS, type StateNamespace, type StateStore } from '@koa-mellon/web';
import { expect, use } from 'chai';
import chaiAsPromised from 'chai-as-promised';
import { UsernameTakenError } from '../../src/users/errors.js';
import { createStateUserStore } from '../../src/users/state-user-store.js';
import { SHARED_BACKENDS, type SharedStateServer } from '../../../../test/helpers/shared-state.js';
import { describeUserStore } from './user-store-suite.js';

use(chaiAsPromised);

let namespaces = 0;
let current: StateNamespace;

describeUserStore('createStateUserStore (memory)', () => ({
  fresh: async () => createStateUserStore((current = createMemoryStore().namespace('sp-users'))),
  corrupt: async (id) => {
    await current.set(`user:${id}`, { id, username: 42 }, MAX_TTL_MS);
  },
}));

for (const backend of SHARED_BACKENDS) {
  describe(`createStateUserStore on ${backend.name}`, () => {
    let server: SharedStateServer;
    const stores: StateStore[] = [];
    const connect = async () => {
      const store = await server.connect();
      stores.push(store);
      return store;
    };
    before(async function () {
      this.timeout(30_000);
      server = await backend.start();
    });
    after(async () => {
      for (const store of stores) await store.close();
      await server?.stop();
    });

    describeUserStore(`createStateUserStore (${backend.name})`, () => ({
      // Each test on a namespace of its own: a fresh, empty user store on the same server.
      fresh: async () => createStateUserStore((current = (await connect()).namespace(`sp-users-${++namespaces}`))),
      corrupt: async (id) => {
        await current.set(`user:${id}`, { id, username: 42 }, MAX_TTL_MS);
      },
    }));

    it('two instances creating the same username at once: exactly one gets it', async () => {
      const name = `sp-users-${++namespaces}`;
      const [one, two] = [createStateUserStore((await connect()).namespace(name)), createStateUserStore((await connect()).namespace(name))];
      const results = await Promise.allSettled(Array.from({ length: 20 }, (_, n) => (n % 2 ? two : one).create('jdoe')));
      expect(results.filter((r) => r.status === 'fulfilled')).to.have.length(1);
      for (const r of results) if (r.status === 'rejected') expect(r.reason).to.be.instanceOf(UsernameTakenError);
      const winner = results.find((r) => r.status === 'fulfilled');
      expect((await two.findByUsername('jdoe'))?.id).to.equal(winner?.status === 'fulfilled' ? winner.value.id : undefined);
    });

    it('index updates from two instances at once are all kept', async () => {
      const name = `sp-users-${++namespaces}`;
      const [one, two] = [createStateUserStore((await connect()).namespace(name)), createStateUserStore((await connect()).namespace(name))];
      const created = await Promise.all(Array.from({ length: 10 }, (_, n) => (n % 2 ? one : two).create(`user${n}`)));
      await Promise.all(created.map((user, n) => (n % 2 ? two : one).save({ ...user, fields: { department: 'sales' } })));
      expect((await one.findByField('department', 'sales')).map((u) => u.id).sort()).to.deep.equal(created.map((u) => u.id).sort());
    });

    it('fails closed with STORE_UNAVAILABLE while the server is down', async () => {
      const users = createStateUserStore((await connect()).namespace(`sp-users-${++namespaces}`));
      await server.kill();
      try {
        await expect(users.findByFederation('idp', 'abc')).to.be.rejectedWith(MellonError).and.eventually.have.property('code', 'STORE_UNAVAILABLE');
      } finally {
        await server.restart();
      }
    });
  });
}
