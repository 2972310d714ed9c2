import { MellonError } from '@koa-mellon/saml';
import { expect, use } from 'chai';
import chaiAsPromised from 'chai-as-promised';
import type { UserStore } from '../../src/adapters/types.js';
import { UsernameTakenError } from '../../src/users/errors.js';

use(chaiAsPromised);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** What a store's test file gives the shared suite. */
export interface UserStoreHarness {
  /** An empty store (each test starts from nothing). */
  fresh(): Promise<UserStore>;
  /** Damages the stored record of user `id` the way a foreign writer or a bad migration could. */
  corrupt(id: string): Promise<void>;
}

/**
 * The behaviour every UserStore of koa-mellon shares (docs/adapters.md#users-the-userstore), run
 * against each one: keyv-user-store.test.ts, postgres-user-store.test.ts.
 */
export function describeUserStore(title: string, harness: () => UserStoreHarness): void {
  describe(`${title} (UserStore behaviour)`, () => {
    const fresh = () => harness().fresh();

    describe('create', () => {
      it('creates an active, unprivileged user with a random UUID', async () => {
        const users = await fresh();
        const a = await users.create('jdoe');
        const b = await users.create('jane');
        expect(a).to.deep.include({ username: 'jdoe', isActive: true, isSuperuser: false, isStaff: false, groups: [], fields: {} });
        expect(a.id).to.match(UUID);
        expect(b.id).to.not.equal(a.id);
      });

      it('refuses a username that exists with UsernameTakenError', async () => {
        const users = await fresh();
        await users.create('jdoe');
        await expect(users.create('jdoe')).to.be.rejectedWith(UsernameTakenError).and.eventually.have.property('code', 'PERMISSION_DENIED');
      });

      it('refuses one of two concurrent creates of the same username', async () => {
        const users = await fresh();
        const results = await Promise.allSettled([users.create('jdoe'), users.create('jdoe')]);
        expect(results.map((r) => r.status)).to.have.members(['fulfilled', 'rejected']);
      });

      it('treats usernames case-sensitively, like Django', async () => {
        const users = await fresh();
        await users.create('jdoe');
        expect((await users.create('JDoe')).username).to.equal('JDoe');
      });
    });

    describe('findById / findByUsername', () => {
      it('returns a copy: changes stay out of the store until save', async () => {
        const users = await fresh();
        const created = await users.create('jdoe');
        const copy = await users.findById(created.id);
        if (copy === undefined) throw new Error('not found');
        copy.fields['email'] = 'x@example.com';
        copy.groups.push('staff');
        expect(await users.findByUsername('jdoe')).to.deep.include({ fields: {}, groups: [] });
        await users.save(copy);
        expect(await users.findByUsername('jdoe')).to.deep.include({ fields: { email: 'x@example.com' }, groups: ['staff'] });
      });

      it('returns undefined for unknown ids and usernames', async () => {
        const users = await fresh();
        expect(await users.findById('nope')).to.equal(undefined);
        expect(await users.findByUsername('nope')).to.equal(undefined);
      });
    });

    describe('save', () => {
      it('stores flags, groups and fields', async () => {
        const users = await fresh();
        const user = await users.create('jdoe');
        Object.assign(user, { isActive: false, isSuperuser: true, isStaff: true, groups: ['a', 'b'], fields: { email: 'j@example.com' } });
        await users.save(user);
        expect(await users.findById(user.id)).to.deep.equal(user);
      });

      it('moves the username index on rename, and refuses a taken one', async () => {
        const users = await fresh();
        const user = await users.create('jdoe');
        await users.create('jane');
        user.username = 'john';
        await users.save(user);
        expect((await users.findByUsername('john'))?.id).to.equal(user.id);
        expect(await users.findByUsername('jdoe')).to.equal(undefined);
        user.username = 'jane';
        await expect(users.save(user)).to.be.rejectedWith(UsernameTakenError);
      });

      it('refuses a user that was never created', async () => {
        const users = await fresh();
        const ghost = { id: 'ghost', username: 'ghost', isActive: true, isSuperuser: false, isStaff: false, groups: [], fields: {} };
        await expect(users.save(ghost)).to.be.rejectedWith(MellonError).and.eventually.have.property('code', 'STORE_UNAVAILABLE');
      });
    });

    describe('findByField', () => {
      async function withEmail(users: UserStore, username: string, email: string) {
        const user = await users.create(username);
        user.fields['email'] = email;
        await users.save(user);
        return user;
      }

      it('finds users by a field, exactly', async () => {
        const users = await fresh();
        const jdoe = await withEmail(users, 'jdoe', 'JDoe@example.com');
        expect((await users.findByField('email', 'JDoe@example.com')).map((u) => u.id)).to.deep.equal([jdoe.id]);
        expect(await users.findByField('email', 'jdoe@example.com')).to.deep.equal([]);
      });

      it('finds users by a field ignoring case', async () => {
        const users = await fresh();
        const jdoe = await withEmail(users, 'jdoe', 'JDoe@example.com');
        const jane = await withEmail(users, 'jane', 'jdoe@EXAMPLE.com');
        const found = await users.findByField('email', 'jdoe@example.com', { ignoreCase: true });
        expect(found.map((u) => u.id)).to.have.members([jdoe.id, jane.id]);
      });

      it('finds users by username', async () => {
        const users = await fresh();
        const jdoe = await users.create('JDoe');
        expect((await users.findByField('username', 'JDoe')).map((u) => u.id)).to.deep.equal([jdoe.id]);
        expect((await users.findByField('username', 'jdoe', { ignoreCase: true })).map((u) => u.id)).to.deep.equal([jdoe.id]);
      });

      it('forgets the old value after a change', async () => {
        const users = await fresh();
        const jdoe = await withEmail(users, 'jdoe', 'old@example.com');
        jdoe.fields['email'] = 'new@example.com';
        await users.save(jdoe);
        expect(await users.findByField('email', 'old@example.com')).to.deep.equal([]);
        expect(await users.findByField('email', 'OLD@example.com', { ignoreCase: true })).to.deep.equal([]);
        expect(await users.findByField('email', 'new@example.com')).to.have.length(1);
      });

      it('keeps every entry when many users with one value are saved at once', async () => {
        const users = await fresh();
        const created = await Promise.all(Array.from({ length: 20 }, (_, i) => users.create(`user${i}`)));
        await Promise.all(
          created.map((user) => {
            user.fields['org'] = 'acme';
            return users.save(user);
          }),
        );
        expect(await users.findByField('org', 'acme')).to.have.length(20);
      });

      it('keeps a field named __proto__ a plain field through the store', async () => {
        const users = await fresh();
        const user = await users.create('jdoe');
        Object.defineProperty(user.fields, '__proto__', { value: 'x', enumerable: true, writable: true, configurable: true });
        await users.save(user);
        const [found] = await users.findByField('__proto__', 'x');
        expect(found?.id).to.equal(user.id);
        expect(Object.getPrototypeOf(found?.fields)).to.equal(Object.prototype);
        expect(Object.hasOwn(found?.fields ?? {}, '__proto__')).to.equal(true);
      });
    });

    describe('federation links', () => {
      it('finds a user by issuer and NameID once linked', async () => {
        const users = await fresh();
        const user = await users.create('jdoe');
        expect(await users.findByFederation('https://idp.example.com', 'abc')).to.equal(undefined);
        await users.linkFederation(user, 'https://idp.example.com', 'abc');
        expect((await users.findByFederation('https://idp.example.com', 'abc'))?.id).to.equal(user.id);
        expect(await users.findByFederation('https://idp.example.com', 'ABC')).to.equal(undefined);
        expect(await users.findByFederation('https://other.example.com', 'abc')).to.equal(undefined);
      });

      it('cannot be confused by separators in the issuer or the NameID', async () => {
        const users = await fresh();
        const a = await users.create('a');
        await users.linkFederation(a, 'x","y', 'z');
        await users.linkFederation(a, 'x:y', 'z');
        expect(await users.findByFederation('x', 'y","z')).to.equal(undefined);
        expect(await users.findByFederation('x', 'y:z')).to.equal(undefined);
      });

      it('re-links an identity to another user', async () => {
        const users = await fresh();
        const a = await users.create('a');
        const b = await users.create('b');
        await users.linkFederation(a, 'idp', 'abc');
        await users.linkFederation(b, 'idp', 'abc');
        expect((await users.findByFederation('idp', 'abc'))?.id).to.equal(b.id);
      });
    });

    describe('groups', () => {
      it('knows the groups it created', async () => {
        const users = await fresh();
        expect(await users.groupExists('staff')).to.equal(false);
        await users.createGroup('staff');
        expect(await users.groupExists('staff')).to.equal(true);
        expect(await users.groupExists('Staff')).to.equal(false);
      });
    });

    describe('damaged data', () => {
      it('refuses a malformed record with STORE_UNAVAILABLE', async () => {
        const users = await fresh();
        const user = await users.create('jdoe');
        await harness().corrupt(user.id);
        await expect(users.findById(user.id)).to.be.rejectedWith(MellonError).and.eventually.have.property('code', 'STORE_UNAVAILABLE');
      });
    });
  });
}
