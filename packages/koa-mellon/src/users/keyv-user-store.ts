import { randomUUID } from 'node:crypto';
import { MellonError } from '@koa-mellon/saml';
import type { Keyv } from 'keyv';
import type { User, UserStore } from '../adapters/types.js';
import { UsernameTakenError } from './errors.js';
import { createSerialQueue } from './serial-queue.js';
import { foldCase, fromRecord, indexedValues, toRecord, type UserRecord } from './user-record.js';
import { storeCall } from '@koa-mellon/web';

/*
 * Keys, all in the caller's Keyv (its namespace keeps them apart from other state). Composite
 * keys are JSON arrays, so no issuer, NameID or value can forge a separator:
 *   user:<id>                        → UserRecord
 *   username:<username>              → id            (unique, case-sensitive, like Django's)
 *   federation:["issuer","nameId"]   → id
 *   field:["field","value"]          → id[]          (findByField)
 *   ifield:["field","folded value"]  → id[]          (findByField with ignoreCase)
 *   group:<name>                     → true
 */
const userKey = (id: string) => `user:${id}`;
const usernameKey = (username: string) => `username:${username}`;
const federationKey = (issuer: string, nameId: string) => `federation:${JSON.stringify([issuer, nameId])}`;
const fieldKey = (field: string, value: string) => `field:${JSON.stringify([field, value])}`;
const foldedKey = (field: string, value: string) => `ifield:${JSON.stringify([field, foldCase(value)])}`;
const groupKey = (name: string) => `group:${name}`;

/**
 * The default `UserStore`, on one Keyv (in memory, or Redis through `@keyv/redis`). Writes are
 * serialised within the process; across processes the indexes are not transactional
 * (docs/adapters.md#the-keyv-user-store). Every store failure is `STORE_UNAVAILABLE`.
 * @example
 * const users = createKeyvUserStore(new Keyv({ namespace: 'users', throwOnErrors: true }));
 */
export function createKeyvUserStore(keyv: Keyv): UserStore {
  const writes = createSerialQueue();
  const exclusive = <T>(task: () => Promise<T>) => writes.run(task);
  // Public reads first let earlier writes of this process finish: a login racing the one that
  // just created and linked the same identity then finds that user (DefaultAdapter.createUser).
  // Helpers below never wait, since they also run inside writes.
  const settled = () => writes.settled();
  const get = (key: string) => storeCall(() => keyv.get<unknown>(key));
  const set = (key: string, value: unknown) => storeCall(() => keyv.set(key, value));
  const del = (key: string) => storeCall(() => keyv.delete(key));

  const loadRecord = async (id: string): Promise<UserRecord | undefined> => {
    const data = await get(userKey(id));
    return data === undefined ? undefined : toRecord(fromRecord(data, id));
  };
  const loadUser = async (id: string): Promise<User | undefined> => {
    const data = await get(userKey(id));
    return data === undefined ? undefined : fromRecord(data, id);
  };
  const idAt = async (key: string): Promise<string | undefined> => {
    const id = await get(key);
    return typeof id === 'string' ? id : undefined;
  };
  const idsAt = async (key: string): Promise<string[]> => {
    const ids = await get(key);
    return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === 'string') : [];
  };

  /** Moves the user's id from the index entries of `before` to those of `after`. */
  const reindex = async (id: string, before: UserRecord | undefined, after: UserRecord): Promise<void> => {
    const keysOf = (record: UserRecord | undefined) =>
      new Set(record === undefined ? [] : indexedValues(record).flatMap(([field, value]) => [fieldKey(field, value), foldedKey(field, value)]));
    const old = keysOf(before);
    const now = keysOf(after);
    for (const key of old) {
      if (now.has(key)) continue;
      const ids = (await idsAt(key)).filter((other) => other !== id);
      await (ids.length === 0 ? del(key) : set(key, ids));
    }
    for (const key of now) {
      if (old.has(key)) continue;
      const ids = await idsAt(key);
      if (!ids.includes(id)) await set(key, [...ids, id]);
    }
  };

  return {
    async findById(id) {
      await settled();
      return loadUser(id);
    },

    async findByUsername(username) {
      await settled();
      const id = await idAt(usernameKey(username));
      return id === undefined ? undefined : loadUser(id);
    },

    async findByField(field, value, options = {}) {
      await settled();
      const ignoreCase = options.ignoreCase ?? false;
      const ids = await idsAt(ignoreCase ? foldedKey(field, value) : fieldKey(field, value));
      const wanted = ignoreCase ? foldCase(value) : value;
      const users: User[] = [];
      for (const id of ids) {
        const user = await loadUser(id);
        // The index may lag behind a record (another process, a crash): trust the record.
        const actual = user === undefined ? undefined : field === 'username' ? user.username : Object.hasOwn(user.fields, field) ? user.fields[field] : undefined;
        if (user !== undefined && actual !== undefined && (ignoreCase ? foldCase(actual) : actual) === wanted) users.push(user);
      }
      return users;
    },

    async findByFederation(issuer, nameId) {
      await settled();
      const id = await idAt(federationKey(issuer, nameId));
      return id === undefined ? undefined : loadUser(id);
    },

    create: (username) =>
      exclusive(async () => {
        if ((await idAt(usernameKey(username))) !== undefined) throw new UsernameTakenError();
        const id = randomUUID();
        const record: UserRecord = { id, username, isActive: true, isSuperuser: false, isStaff: false, groups: [], fields: {} };
        await set(userKey(id), record);
        await set(usernameKey(username), id);
        await reindex(id, undefined, record);
        return fromRecord(record, id);
      }),

    save: (user) =>
      exclusive(async () => {
        const before = await loadRecord(user.id);
        if (before === undefined) throw new MellonError('STORE_UNAVAILABLE', 'user store: save() of a user that was never created');
        const after = toRecord(user);
        if (after.username !== before.username) {
          const owner = await idAt(usernameKey(after.username));
          if (owner !== undefined && owner !== user.id) throw new UsernameTakenError();
          await set(usernameKey(after.username), user.id);
          await del(usernameKey(before.username));
        }
        await set(userKey(user.id), after);
        await reindex(user.id, before, after);
      }),

    /** Links (or re-links) the identity to the user: a later `findByFederation` returns it. */
    linkFederation: (user, issuer, nameId) => exclusive(() => set(federationKey(issuer, nameId), user.id).then(() => undefined)),

    async groupExists(name) {
      await settled();
      return (await get(groupKey(name))) === true;
    },

    createGroup: (name) => exclusive(() => set(groupKey(name), true).then(() => undefined)),
  };
}
