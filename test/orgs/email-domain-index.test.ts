import { expect } from 'chai';
import { createMemoryStore, createOrganizationRegistry, type OrganizationSettings, type StateStore } from 'koa-mellon';
import { MAX_TTL_MS, type StateNamespace } from '@koa-mellon/web';
import { IdpServer } from '../../packages/idp/test/helpers/world.js';
import { SHARED_BACKENDS, type SharedStateServer } from '../helpers/shared-state.js';

const METADATA = IdpServer.metadataFor('https://idp-a.example.test');
const org = (slug: string, emailDomains: string[], extra: Partial<OrganizationSettings> = {}): OrganizationSettings => ({ slug, name: slug, metadata: METADATA, emailDomains, ...extra });
const slugsOf = (orgs: readonly OrganizationSettings[]) => orgs.map((o) => o.slug);

/** The registry's e-mail domain index, written on one instance and read on another. */
function indexSuite(connect: () => Promise<StateStore>, stores: StateStore[]): void {
  const connectOne = async () => {
    const store = await connect();
    stores.push(store);
    return store;
  };
  const open = async () => createOrganizationRegistry(await connectOne());

  it('finds organizations by domain, written on A, read on B; sorted by slug, only exact domains', async () => {
    const [a, b] = [await open(), await open()];
    await a.create(org('zeta', ['shared.example']));
    await a.create(org('acme', ['acme.example', 'shared.example']));
    await a.create(org('other', ['other.example']));
    expect(slugsOf(await b.findByEmailDomain('shared.example'))).to.deep.equal(['acme', 'zeta']);
    expect(slugsOf(await b.findByEmailDomain('acme.example'))).to.deep.equal(['acme']);
    expect(await b.findByEmailDomain('sub.acme.example')).to.deep.equal([]);
    expect(await b.findByEmailDomain('example')).to.deep.equal([]);
  });

  it('keeps the index right on update (domains moved) and delete', async () => {
    const [a, b] = [await open(), await open()];
    await a.create(org('acme', ['acme.example', 'old.example']));
    expect(await b.update(org('acme', ['acme.example', 'new.example']))).to.equal(true);
    expect(await a.findByEmailDomain('old.example')).to.deep.equal([]);
    expect(slugsOf(await a.findByEmailDomain('new.example'))).to.deep.equal(['acme']);
    await b.update(org('acme', []));
    expect(await a.findByEmailDomain('acme.example')).to.deep.equal([]);
    await b.update(org('acme', ['acme.example']));
    await a.delete('acme');
    expect(await b.findByEmailDomain('acme.example')).to.deep.equal([]);
    // The same slug created again is found again.
    await b.create(org('acme', ['acme.example']));
    expect(slugsOf(await a.findByEmailDomain('acme.example'))).to.deep.equal(['acme']);
  });

  it('returns disabled organizations marked as such (the page leaves them out)', async () => {
    const [a, b] = [await open(), await open()];
    await a.create(org('acme', ['acme.example']));
    await b.disable('acme');
    expect((await a.findByEmailDomain('acme.example')).map((o) => o.enabled)).to.deep.equal([false]);
  });

  it('reindex() indexes organizations stored before the index existed, so another instance finds them', async () => {
    const [a, b] = [await open(), await open()];
    // What the registry wrote before it kept the index (e497586^): the organization and the slug list only.
    const legacy = (await connectOne()).namespace('organizations');
    for (const o of [org('old-acme', ['acme.example', 'shared.example']), org('old-zeta', ['shared.example']), org('old-none', [])]) {
      await legacy.setIfAbsent(`org:${o.slug}`, o, MAX_TTL_MS);
      await legacy.indexAdd('slugs', o.slug, MAX_TTL_MS);
    }
    await a.create(org('new', ['new.example']));
    expect(await b.findByEmailDomain('acme.example')).to.deep.equal([]);
    expect(await a.reindex()).to.deep.equal({ organizations: 4, domains: 4 });
    expect(slugsOf(await b.findByEmailDomain('shared.example'))).to.deep.equal(['old-acme', 'old-zeta']);
    expect(slugsOf(await b.findByEmailDomain('acme.example'))).to.deep.equal(['old-acme']);
    expect(slugsOf(await b.findByEmailDomain('new.example'))).to.deep.equal(['new']);
    // Running it again (or on two instances) changes nothing.
    expect(await b.reindex()).to.deep.equal({ organizations: 4, domains: 4 });
    expect(slugsOf(await a.findByEmailDomain('shared.example'))).to.deep.equal(['old-acme', 'old-zeta']);
  });

  it('reindex() racing updates and deletes never serves a domain an organization no longer has', async () => {
    const [a, b] = [await open(), await open()];
    for (let i = 0; i < 20; i++) await a.create(org(`org-${i}`, [`d${i}.example`, 'moving.example']));
    await Promise.all([
      b.reindex(),
      (async () => {
        for (let i = 0; i < 20; i += 2) await a.update(org(`org-${i}`, [`d${i}.example`]));
        for (let i = 1; i < 20; i += 4) await a.delete(`org-${i}`);
      })(),
    ]);
    const expected = Array.from({ length: 20 }, (_, i) => i).filter((i) => i % 2 === 1 && i % 4 !== 1).map((i) => `org-${i}`).sort();
    expect(slugsOf(await b.findByEmailDomain('moving.example'))).to.deep.equal(expected);
    expect(await b.findByEmailDomain('d1.example')).to.deep.equal([]);
    expect(slugsOf(await b.findByEmailDomain('d2.example'))).to.deep.equal(['org-2']);
  });

  it('concurrent updates of one organization on two instances leave every domain it has findable', async () => {
    const [a, b] = [await open(), await open()];
    for (let round = 0; round < 10; round++) {
      await a.create(org('acme', ['x.example']));
      // Both read {x}; one keeps x, the other moves to y: whichever lands last, its domains are found.
      // Which starts first alternates: when the mover starts first, the keeper's write lands last
      // while the mover's removal of x comes after the keeper's add (the case the re-check is for).
      const keep = () => a.update(org('acme', ['x.example']));
      const move = () => b.update(org('acme', ['y.example']));
      await Promise.all(round % 2 === 0 ? [keep(), move()] : [move(), keep()]);
      const now = (await a.get('acme'))?.emailDomains ?? [];
      for (const domain of now) expect(slugsOf(await b.findByEmailDomain(domain)), `round ${round}: ${domain}`).to.deep.equal(['acme']);
      for (const domain of ['x.example', 'y.example'].filter((d) => !now.includes(d))) expect(await b.findByEmailDomain(domain)).to.deep.equal([]);
      await a.delete('acme');
    }
  });
}

describe('organization registry e-mail domain index, memory', () => {
  const stores: StateStore[] = [];
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
  });
  // One memory store seen through two registries: as two instances of one process.
  let shared: StateStore | undefined;
  beforeEach(() => {
    shared = createMemoryStore();
    stores.push(shared);
  });
  indexSuite(async () => ({ namespace: (name) => (shared as StateStore).namespace(name), close: async () => undefined }), stores);

  it('a lookup reads the index and the matches only, not every organization (10,000 in the registry)', async function () {
    this.timeout(60_000);
    const counted = new Map<string, number>();
    const counting = (ns: StateNamespace): StateNamespace =>
      new Proxy(ns, {
        get(target, prop, receiver) {
          const value: unknown = Reflect.get(target, prop, receiver);
          if (typeof value !== 'function') return value;
          return (...args: unknown[]) => {
            counted.set(String(prop), (counted.get(String(prop)) ?? 0) + 1);
            return (value as (...a: unknown[]) => unknown).apply(target, args);
          };
        },
      });
    const store = shared as StateStore;
    const registry = createOrganizationRegistry({ namespace: (name) => counting(store.namespace(name)), close: async () => undefined });
    for (let i = 0; i < 10_000; i++) await registry.create(org(`org-${i}`, [`d${i}.example`, ...(i % 1000 === 0 ? ['shared.example'] : [])]));
    counted.clear();
    expect(slugsOf(await registry.findByEmailDomain('d4242.example'))).to.deep.equal(['org-4242']);
    expect(Object.fromEntries(counted)).to.deep.equal({ indexMembers: 1, get: 1 });
    counted.clear();
    expect(await registry.findByEmailDomain('shared.example')).to.have.length(10);
    expect(Object.fromEntries(counted)).to.deep.equal({ indexMembers: 1, get: 10 });
  });
});

for (const backend of SHARED_BACKENDS) {
  describe(`organization registry e-mail domain index on ${backend.name}, two instances`, () => {
    let server: SharedStateServer;
    const stores: StateStore[] = [];
    before(async function () {
      this.timeout(30_000);
      server = await backend.start();
    });
    beforeEach(async () => {
      // Each test on fresh organizations: the store's data survives from test to test.
      const cleaner = await server.connect();
      const registry = createOrganizationRegistry(cleaner);
      for (const o of await registry.list()) await registry.delete(o.slug);
      await cleaner.close();
    });
    afterEach(async () => {
      for (const store of stores.splice(0)) await store.close();
    });
    after(async () => server?.stop());
    indexSuite(() => server.connect(), stores);
  });
}
