import { randomUUID } from 'node:crypto';
import { MellonError } from '@koa-mellon/saml';
import { MAX_TTL_MS, type StateNamespace } from '@koa-mellon/web';
import type { User, UserStore } from '../adapters/types.js';
import { UsernameTakenError } from './errors.js';
import { createSerialQueue } from './serial-queue.js';
import { foldCase, fromRecord, indexedValues, toRecord, type UserRecord } from './user-record.js';

/*
 * Keys, all in one namespace of the state store. Composite keys are JSON arrays, so no issuer,
 * NameID or value can forge a separator:
 *   user:<id>                        → UserRecord
 *   username:<username>              → id            (claimed with setIfAbsent: unique on every instance)
 *   federation:["issuer","nameId"]   → id
 *   field:["field","value"]          → index of ids  (findByField)
 *   ifield:["field","folded value"]  → index of ids  (findByField with ignoreCase)
 *   group:<name>                     → true
 */
const userKey = (id: string) => `user:${id}`;
const usernameKey = (username: string) => `username:${username}`;
const federationKey = (issuer: string, nameId: string) => `federation:${JSON.stringify([issuer, nameId])}`;
const fieldKey = (field: string, value: string) => `field:${JSON.stringify([field, value])}`;
const foldedKey = (field: string, value: string) => `ifield:${JSON.stringify([field, foldCase(value)])}`;
const groupKey = (name: string) => `group:${name}`;

/** Users are data, not cache: kept for the store's longest TTL (about 31 years), i.e. until deleted. */
const KEEP = MAX_TTL_MS;

/**
 * The default `UserStore`, on one namespace of a state store (memory, Redis or PostgreSQL).
 * Usernames are claimed atomically (two instances creating `jdoe` at once: one gets
 * UsernameTakenError) and the field indexes are append-only sets, so no instance's update is
 * lost; a user's record and its index entries are still separate writes (docs/state.md#users).
 * Every store failure is `STORE_UNAVAILABLE`.
 * @example
 * const users = createStateUserStore(createMemoryStore().namespace('sp-users'));
 */
export function createStateUserStore(state: StateNamespace): UserStore {
  const writes = createSerialQueue();
  const exclusive = <T>(task: () => Promise<T>) => writes.run(task);
  // Public reads first let earlier writes of this process finish: a login racing the one that
  // just created and linked the same identity then finds that user (DefaultAdapter.createUser).
  // Helpers below never wait, since they also run inside writes.
  const settled = () => writes.settled();

  const loadRecord = async (id: string): Promise<UserRecord | undefined> => {
    const data = await state.get(userKey(id));
    return data === undefined ? undefined : toRecord(fromRecord(data, id));
  };
  const loadUser = async (id: string): Promise<User | undefined> => {
    const data = await state.get(userKey(id));
    return data === undefined ? undefined : fromRecord(data, id);
  };
  const idAt = async (key: string): Promise<string | undefined> => {
    const id = await state.get(key);
    return typeof id === 'string' ? id : undefined;
  };

  /** Moves the user's id from the index entries of `before` to those of `after`. */
  const reindex = async (id: string, before: UserRecord | undefined, after: UserRecord): Promise<void> => {
    const keysOf = (record: UserRecord | undefined) =>
      new Set(record === undefined ? [] : indexedValues(record).flatMap(([field, value]) => [fieldKey(field, value), foldedKey(field, value)]));
    const old = keysOf(before);
    const now = keysOf(after);
    for (const key of old) if (!now.has(key)) await state.indexRemove(key, id);
    for (const key of now) if (!old.has(key)) await state.indexAdd(key, id, KEEP);
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
      const ids = await state.indexMembers(ignoreCase ? foldedKey(field, value) : fieldKey(field, value));
      const wanted = ignoreCase ? foldCase(value) : value;
      const users: User[] = [];
      for (const id of ids.sort()) {
        const user = await loadUser(id);
        // The index may lag behind a record (another instance mid-save, a crash): trust the record.
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
        const id = randomUUID();
        if (!(await state.setIfAbsent(usernameKey(username), id, KEEP))) throw new UsernameTakenError();
        const record: UserRecord = { id, username, isActive: true, isSuperuser: false, isStaff: false, groups: [], fields: {} };
        await state.set(userKey(id), record, KEEP);
        await reindex(id, undefined, record);
        return fromRecord(record, id);
      }),

    save: (user) =>
      exclusive(async () => {
        const before = await loadRecord(user.id);
        if (before === undefined) throw new MellonError('STORE_UNAVAILABLE', 'user store: save() of a user that was never created');
        const after = toRecord(user);
        if (after.username !== before.username) {
          const claimed = await state.setIfAbsent(usernameKey(after.username), user.id, KEEP);
          if (!claimed && (await idAt(usernameKey(after.username))) !== user.id) throw new UsernameTakenError();
          await state.delete(usernameKey(before.username));
        }
        await state.set(userKey(user.id), after, KEEP);
        await reindex(user.id, before, after);
      }),

    /** Links (or re-links) the identity to the user: a later `findByFederation` returns it. */
    linkFederation: (user, issuer, nameId) => exclusive(() => state.set(federationKey(issuer, nameId), user.id, KEEP)),

    async groupExists(name) {
      await settled();
      return (await state.get(groupKey(name))) === true;
    },

    createGroup: (name) => exclusive(() => state.set(groupKey(name), true, KEEP)),
  };
}
