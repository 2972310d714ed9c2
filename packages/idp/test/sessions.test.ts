import { expect } from 'chai';
import type { Context } from 'koa';
import { Keyv } from 'keyv';
import { NAMEID_FORMAT } from '@koa-mellon/saml';
import { createRedisStore } from 'koa-mellon';
import { TestRedis } from '../../../test/helpers/redis.js';
import { createIdpStores } from '../src/state/store.js';
import { IdpSessions, MAX_VISITS, type IdpSessionRecord, type VisitedSp } from '../src/state/sessions.js';

const COOKIE = { name: 'idp.sid', path: '/', secure: false, sameSite: 'lax' } as const;

/** `start` sets the session cookie; nothing else of the context is used here. */
function contextWithCookies(): Context {
  const jar = new Map<string, string | null>();
  return { cookies: { get: (name: string) => jar.get(name) ?? undefined, set: (name: string, value: string | null) => jar.set(name, value) } } as unknown as Context;
}

function visit(entityId: string, value = `nid-${entityId}`): VisitedSp {
  return { entityId, nameId: { value, format: NAMEID_FORMAT.transient } };
}

function sessionsOn(store: Keyv): IdpSessions {
  const stores = createIdpStores(store);
  return new IdpSessions(stores.sessions, stores.atomic, COOKIE, Date.now);
}

describe('IdP sessions: the SPs a session visited', () => {
  describe('in memory', () => {
    let sessions: IdpSessions;
    let record: IdpSessionRecord;
    beforeEach(async () => {
      sessions = sessionsOn(new Keyv());
      record = await sessions.start(contextWithCookies(), 'u-1', 3600);
    });

    it('keeps every SP of logins that finish at the same time', async () => {
      const sps = ['https://a.test', 'https://b.test', 'https://c.test', 'https://d.test'];
      const recorded = await Promise.all(sps.map((sp) => sessions.recordVisit(record, visit(sp))));
      expect(recorded).to.deep.equal(['recorded', 'recorded', 'recorded', 'recorded']);
      expect((await sessions.visits(record)).map((v) => v.entityId).sort()).to.deep.equal(sps);
    });

    it('keeps one entry per SP, with the NameID it was given last', async () => {
      await sessions.recordVisit(record, visit('https://a.test', 'first'));
      await sessions.recordVisit(record, visit('https://b.test'));
      await sessions.recordVisit(record, visit('https://a.test', 'first'));
      await sessions.recordVisit(record, visit('https://a.test', 'second'));
      const visits = await sessions.visits(record);
      expect(visits.map((v) => [v.entityId, v.nameId.value])).to.deep.equal([
        ['https://a.test', 'second'],
        ['https://b.test', 'nid-https://b.test'],
      ]);
    });

    it('a NameID given again after another one is the last one again', async () => {
      await sessions.recordVisit(record, visit('https://a.test', 'first'));
      await sessions.recordVisit(record, visit('https://a.test', 'second'));
      await sessions.recordVisit(record, visit('https://a.test', 'first'), await sessions.visits(record));
      expect((await sessions.visits(record)).map((v) => v.nameId.value)).to.deep.equal(['first']);
    });

    it('finds the session by (SP, NameID) until it ends; then neither it nor its visits remain', async () => {
      await sessions.recordVisit(record, visit('https://a.test'));
      expect((await sessions.findByNameId('https://a.test', 'nid-https://a.test'))?.id).to.equal(record.id);
      await sessions.end(record);
      expect(await sessions.findByNameId('https://a.test', 'nid-https://a.test')).to.equal(undefined);
      expect(await sessions.visits(record)).to.deep.equal([]);
    });

    it('two sessions of one user at one SP (same NameID): each is found by its SessionIndex, and ending one keeps the other findable', async () => {
      const other = await sessions.start(contextWithCookies(), 'u-1', 3600);
      await sessions.recordVisit(record, visit('https://a.test', 'same'));
      await sessions.recordVisit(other, visit('https://a.test', 'same'));
      expect((await sessions.findBySessionIndex(record.sessionIndex))?.id).to.equal(record.id);
      expect((await sessions.findBySessionIndex(other.sessionIndex))?.id).to.equal(other.id);
      await sessions.end(record);
      expect(await sessions.findBySessionIndex(record.sessionIndex)).to.equal(undefined);
      expect((await sessions.findByNameId('https://a.test', 'same'))?.id).to.equal(other.id);
    });

    it('says so when the session ended meanwhile (a logout in another tab): nothing may be sent then', async () => {
      await sessions.end(record);
      expect(await sessions.recordVisit(record, visit('https://late.test'))).to.equal('ended');
    });

    it('keeps the visits when the user authenticates again', async () => {
      await sessions.recordVisit(record, visit('https://a.test'));
      const renewed = await sessions.reauthenticated(record, 7200);
      expect(renewed.expiresAt).to.be.greaterThan(record.expiresAt);
      expect((await sessions.visits(renewed)).map((v) => v.entityId)).to.deep.equal(['https://a.test']);
    });

    it(`records at most ${MAX_VISITS} visits, and says so`, async () => {
      for (let n = 0; n < MAX_VISITS; n++) expect(await sessions.recordVisit(record, visit(`https://sp${n}.test`))).to.equal('recorded');
      expect(await sessions.recordVisit(record, visit('https://one-too-many.test'))).to.equal('full');
      expect(await sessions.findByNameId('https://one-too-many.test', 'nid-https://one-too-many.test')).to.equal(undefined);
      expect(await sessions.visits(record)).to.have.length(MAX_VISITS);
    });
  });

  describe('two instances on one redis-server', () => {
    let redis: TestRedis;
    let stores: Keyv[];
    beforeEach(async () => {
      redis = await TestRedis.start();
      stores = [createRedisStore(redis.url), createRedisStore(redis.url)];
    });
    afterEach(async () => {
      await Promise.all(stores.map((store) => store.disconnect()));
      await redis.stop();
    });

    it('an SP and an IdP on one Redis store find each other’s keys whatever order their views were made in', async () => {
      const [one, two] = stores as [Keyv, Keyv];
      // What koa-mellon's createStores does on the same store: views of the same adapter.
      const spView = (base: Keyv) => new Keyv({ store: base.store, namespace: 'mellon-users' });
      const idpFirst = createIdpStores(one);
      spView(one);
      spView(two);
      const idpLast = createIdpStores(two);
      await idpFirst.sessions.set('s:shared', { ok: true });
      expect(await idpLast.sessions.get('s:shared')).to.deep.equal({ ok: true });
    });

    it('both keep the SP of a login each finishes at the same time, right after start-up (no lost update)', async () => {
      const [one, two] = stores.map(sessionsOn) as [IdpSessions, IdpSessions];
      const record = await one.start(contextWithCookies(), 'u-1', 3600);
      const sps = Array.from({ length: 6 }, (_, n) => `https://sp${n}.test`);
      await Promise.all(sps.map((sp, n) => (n % 2 ? two : one).recordVisit(record, visit(sp))));
      expect((await two.visits(record)).map((v) => v.entityId).sort()).to.deep.equal(sps);
      for (const sp of sps) expect((await one.findByNameId(sp, `nid-${sp}`))?.id).to.equal(record.id);
    });
  });

  it('lives under idp-* namespaces, prefixed by the base store’s own namespace (apps sharing one Redis)', async () => {
    expect(createIdpStores(new Keyv()).sessions.namespace).to.equal('idp-sessions');
    const shared = new Keyv({ namespace: 'acme' });
    const stores = createIdpStores(shared);
    expect(stores.sessions.namespace).to.equal('acme-idp-sessions');
    await stores.atomic.setIfAbsent('k', 1, 1000);
    expect(await createIdpStores(new Keyv({ store: shared.store, namespace: 'other' })).atomic.get('k')).to.equal(undefined);
    expect(await createIdpStores(new Keyv({ store: shared.store, namespace: 'acme' })).atomic.get('k')).to.equal(1);
  });
});
