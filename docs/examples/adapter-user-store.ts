import { randomUUID } from 'node:crypto';
import { UsernameTakenError, type User, type UserStore } from 'koa-mellon';

/** Your ORM's account row: here `email` is a column and `admin` is the superuser flag. */
export interface Account {
  id: string;
  username: string;
  email: string;
  active: boolean;
  admin: boolean;
  staff: boolean;
  groups: string[];
}

/** The few queries the store needs; each is one call in Prisma, TypeORM, Drizzle or plain SQL. */
export interface AccountsDb {
  findAccount(where: { id: string } | { username: string }): Promise<Account | null>;
  findAccountsByEmail(email: string, options: { ignoreCase: boolean }): Promise<Account[]>;
  /** Must reject with `{ code: 'UNIQUE_VIOLATION' }` when the username exists (a unique index). */
  insertAccount(account: Account): Promise<void>;
  updateAccount(account: Account): Promise<void>;
  /** A table of (issuer, nameId) → account id, unique on (issuer, nameId). */
  findIdentity(issuer: string, nameId: string): Promise<string | null>;
  upsertIdentity(issuer: string, nameId: string, accountId: string): Promise<void>;
  groupExists(name: string): Promise<boolean>;
  insertGroup(name: string): Promise<void>;
}

const toUser = (a: Account): User => ({
  id: a.id,
  username: a.username,
  isActive: a.active,
  isSuperuser: a.admin,
  isStaff: a.staff,
  groups: [...a.groups],
  fields: { email: a.email },
});

const toAccount = (u: User): Account => ({
  id: u.id,
  username: u.username,
  email: u.fields['email'] ?? '',
  active: u.isActive,
  admin: u.isSuperuser,
  staff: u.isStaff,
  groups: [...u.groups],
});

/** koa-mellon's users in your own tables: pass it as `userStore` to createMellon. */
export function createAccountsUserStore(db: AccountsDb): UserStore {
  const one = async (where: { id: string } | { username: string }) => {
    const account = await db.findAccount(where);
    return account === null ? undefined : toUser(account);
  };
  return {
    findById: (id) => one({ id }),
    findByUsername: (username) => one({ username }),
    async findByField(field, value, options) {
      // Only the columns your lookupByAttributes rules name: never build a query from `field`.
      if (field === 'username') {
        const user = await one({ username: value });
        return user === undefined ? [] : [user];
      }
      if (field !== 'email') return [];
      return (await db.findAccountsByEmail(value, { ignoreCase: options?.ignoreCase ?? false })).map(toUser);
    },
    async findByFederation(issuer, nameId) {
      const id = await db.findIdentity(issuer, nameId);
      return id === null ? undefined : one({ id });
    },
    async create(username) {
      const account: Account = { id: randomUUID(), username, email: '', active: true, admin: false, staff: false, groups: [] };
      try {
        await db.insertAccount(account);
      } catch (error) {
        // DefaultAdapter turns this into a refusal instead of handing over someone's account.
        const unique = typeof error === 'object' && error !== null && 'code' in error && error.code === 'UNIQUE_VIOLATION';
        if (unique) throw new UsernameTakenError();
        throw error;
      }
      return toUser(account);
    },
    save: (user) => db.updateAccount(toAccount(user)),
    linkFederation: (user, issuer, nameId) => db.upsertIdentity(issuer, nameId, user.id),
    groupExists: (name) => db.groupExists(name),
    createGroup: (name) => db.insertGroup(name),
  };
}
