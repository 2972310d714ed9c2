import { expect } from 'chai';
import type { Context } from 'koa';
import { NAMEID_FORMAT } from '@koa-mellon/saml';
import { createMemoryStore, type StateStore } from '@koa-mellon/web';
import { SHARED_BACKENDS, type SharedStateServer } from '../../../test/helpers/shared-state.js';
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

function sessionsOn(store: StateStore): IdpSessions {
  return new IdpSessions(createIdpStores(store).sessions, COOKIE, Date.now);
}

describe('IdP sessions: the SPs a session visited', () => {
  describe('in memory', () => {
    let sessions: IdpSessions;
    let record: IdpSessionRecord;
    beforeEach(async () => {
      sessions = sessionsOn(createMemoryStore());
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

  for (const backend of SHARED_BACKENDS) describe(`two instances on one ${backend.name} server`, () => {
    let server: SharedStateServer;
    let stores: StateStore[];
    beforeEach(async () => {
      server = await backend.start();
      stores = [await server.connect(), await server.connect()];
    });
    afterEach(async () => {
      await Promise.all(stores.map((store) => store.close()));
      await server.stop();
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

  it('lives under idp-* namespaces of the state store (docs/state.md)', () => {
    const stores = createIdpStores(createMemoryStore());
    expect([stores.sessions.name, stores.requests.name, stores.replay.name, stores.consents.name]).to.deep.equal(['idp-sessions', 'idp-requests', 'idp-replay', 'idp-consents']);
  });
});
