import { expect } from 'chai';
import type { EntityDescriptor } from '../../src/metadata/types.js';
import { LazyEntityMap } from '../../src/metadata/worker/lazy-entities.js';

describe('LazyEntityMap (the entities of a document parsed in the worker)', () => {
  const ids = ['https://a.example.org', 'https://b.example.org', 'https://c.example.org'];
  const open = (): { map: LazyEntityMap; built: number[] } => {
    const built: number[] = [];
    const map = new LazyEntityMap(
      ids,
      (index) => {
        built.push(index);
        return { entityId: ids[index] ?? '', contacts: [], scopes: [] } satisfies EntityDescriptor;
      },
      { warm: false },
    );
    return { map, built };
  };

  it('answers size, has and keys without building any entity', () => {
    const { map, built } = open();
    expect(map.size).to.equal(3);
    expect(map.has('https://b.example.org')).to.equal(true);
    expect(map.has('https://z.example.org')).to.equal(false);
    expect([...map.keys()]).to.deep.equal(ids);
    expect(built).to.deep.equal([]);
  });

  it('builds an entity on first get, once, and gives undefined for an unknown entityID', () => {
    const { map, built } = open();
    const first = map.get('https://b.example.org');
    expect(first?.entityId).to.equal('https://b.example.org');
    expect(map.get('https://b.example.org')).to.equal(first);
    expect(map.get('https://z.example.org')).to.equal(undefined);
    expect(built).to.deep.equal([1]);
  });

  it('iterates in document order like a Map', () => {
    const { map } = open();
    expect([...map].map(([id, entity]) => [id, entity.entityId])).to.deep.equal(ids.map((id) => [id, id]));
    expect([...map.values()].map((entity) => entity.entityId)).to.deep.equal(ids);
    const seen: string[] = [];
    map.forEach((entity, id, self) => {
      expect(self).to.equal(map);
      seen.push(`${id}=${entity.entityId}`);
    });
    expect(seen).to.deep.equal(ids.map((id) => `${id}=${id}`));
  });

  it('builds the rest in the background, each once', async () => {
    const built: number[] = [];
    const map = new LazyEntityMap(ids, (index) => {
      built.push(index);
      return { entityId: ids[index] ?? '', contacts: [], scopes: [] } satisfies EntityDescriptor;
    });
    map.get('https://c.example.org');
    await map.warmed;
    expect([...built].sort()).to.deep.equal([0, 1, 2]);
    expect([...map.values()].map((entity) => entity.entityId)).to.deep.equal(ids);
    expect(built).to.have.length(3);
  });
});
