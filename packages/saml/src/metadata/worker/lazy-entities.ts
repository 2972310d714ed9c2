import { performance } from 'node:perf_hooks';
import type { EntityDescriptor } from '../types.js';

/** Longest run of background building before the event loop gets a turn. */
const WARM_SLICE_MS = 4;

/**
 * The entities of a document parsed in the worker: a ReadonlyMap by entityID, in document order,
 * whose values are built on first access (`read`) and then kept, so that receiving a document
 * costs the event loop nothing. Meanwhile the rest are built in the background, a few
 * milliseconds per turn of the event loop (`warmed` settles when all are): a full iteration (a
 * discovery list) soon costs what it costs on a plain Map, instead of building thousands of
 * entities at once (~0.05 ms each). `get` and `has` are O(1) throughout.
 */
export class LazyEntityMap implements ReadonlyMap<string, EntityDescriptor> {
  readonly #index = new Map<string, number>();
  readonly #built: Array<EntityDescriptor | undefined>;
  /** Dropped once every entity is built: with it go the bytes the worker sent. */
  #read: ((index: number) => EntityDescriptor) | undefined;
  #unbuilt: number;
  /** Settles once every entity is built (or one could not be: it then fails on access instead). */
  readonly warmed: Promise<void>;

  constructor(ids: readonly string[], read: (index: number) => EntityDescriptor, options: { warm?: boolean } = {}) {
    ids.forEach((id, index) => this.#index.set(id, index));
    this.#built = new Array<EntityDescriptor | undefined>(ids.length);
    this.#read = read;
    this.#unbuilt = ids.length;
    this.warmed = options.warm === false ? Promise.resolve() : this.#warm();
  }

  get size(): number {
    return this.#index.size;
  }

  has(entityId: string): boolean {
    return this.#index.has(entityId);
  }

  get(entityId: string): EntityDescriptor | undefined {
    const index = this.#index.get(entityId);
    return index === undefined ? undefined : this.#at(index);
  }

  keys(): MapIterator<string> {
    return this.#index.keys();
  }

  *values(): MapIterator<EntityDescriptor> {
    for (const index of this.#index.values()) yield this.#at(index);
  }

  *entries(): MapIterator<[string, EntityDescriptor]> {
    for (const [id, index] of this.#index) yield [id, this.#at(index)];
  }

  [Symbol.iterator](): MapIterator<[string, EntityDescriptor]> {
    return this.entries();
  }

  forEach(callback: (value: EntityDescriptor, key: string, map: ReadonlyMap<string, EntityDescriptor>) => void, thisArg?: unknown): void {
    for (const [id, entity] of this.entries()) callback.call(thisArg, entity, id, this);
  }

  /** Builds the entities not built yet, a slice per turn; the timers never keep the process alive. */
  async #warm(): Promise<void> {
    let next = 0;
    while (next < this.#built.length) {
      await new Promise<void>((resolve) => setImmediate(resolve).unref());
      const start = performance.now();
      try {
        for (; next < this.#built.length && performance.now() - start < WARM_SLICE_MS; next++) this.#at(next);
      } catch {
        // An entity that cannot be built fails when it is looked up, with its own error.
        next++;
      }
    }
  }

  #at(index: number): EntityDescriptor {
    let entity = this.#built[index];
    if (!entity) {
      // Every entity is built before the reader is dropped, so an unbuilt one still has it.
      entity = (this.#read as (index: number) => EntityDescriptor)(index);
      this.#built[index] = entity;
      if (--this.#unbuilt === 0) this.#read = undefined;
    }
    return entity;
  }
}
