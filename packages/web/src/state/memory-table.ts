import type { Logger } from '../log.js';

/** What the memory store keeps under one key: a value, a set (index) or a lease holder. */
export type Slot =
  | { readonly kind: 'value'; expiresAt: number; readonly json: string }
  | { readonly kind: 'index'; expiresAt: number; readonly members: Set<string> }
  | { readonly kind: 'lease'; expiresAt: number; readonly token: string };

/** How many entries a sweep looks at, at most: a sweep never holds the event loop for long. */
export const SWEEP_BATCH = 10_000;

/**
 * The memory store's one table, across namespaces: expired entries are dropped when read and
 * swept in the background (a bounded slice per tick, resuming where the last one stopped), and
 * the table never holds more than `maxEntries` (a set counts one plus one per member). When full
 * it evicts the entries closest to expiry: they guard the least time (a replay-cache entry lives
 * as long as its assertion, so the first evicted is the one whose assertion the time-window check
 * is about to refuse anyway).
 */
export class MemoryTable {
  private readonly slots = new Map<string, Slot>();
  private weight = 0;
  private cursor: Iterator<[string, Slot]> | undefined;
  private evicting = false;

  constructor(
    private readonly maxEntries: number,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** Entries counted against the bound. */
  get size(): number {
    return this.weight;
  }

  /** The live slot under `key`; an expired one is dropped on the way. */
  get(key: string): Slot | undefined {
    const slot = this.slots.get(key);
    if (slot === undefined) return undefined;
    if (slot.expiresAt > this.now()) return slot;
    this.delete(key);
    return undefined;
  }

  put(key: string, slot: Slot): void {
    this.delete(key);
    this.slots.set(key, slot);
    this.weight += weightOf(slot);
    if (this.weight > this.maxEntries) this.evict(key);
  }

  /** A member was added to (or removed from) the set stored under `key`: its weight changed. */
  resized(key: string, delta: number): void {
    this.weight += delta;
    if (delta > 0 && this.weight > this.maxEntries) this.evict(key);
  }

  delete(key: string): void {
    const slot = this.slots.get(key);
    if (slot === undefined) return;
    this.slots.delete(key);
    this.weight -= weightOf(slot);
  }

  /** Drops expired entries among the next SWEEP_BATCH, continuing from the last sweep. */
  sweep(): void {
    const now = this.now();
    this.cursor ??= this.slots.entries();
    for (let seen = 0; seen < SWEEP_BATCH; seen++) {
      // Map iterators stay valid while entries are deleted: the walk goes on where it was.
      const next = this.cursor.next();
      if (next.done) {
        this.cursor = undefined;
        break;
      }
      const [key, slot] = next.value;
      if (slot.expiresAt <= now) this.delete(key);
    }
    // A burst of evictions ends once the table has room again: the next one is logged anew.
    if (this.evicting && this.weight < this.maxEntries * 0.9) this.evicting = false;
  }

  clear(): void {
    this.slots.clear();
    this.weight = 0;
    this.cursor = undefined;
  }

  /** A deep copy of every entry, for `restore` (the fuzz tests replay one input on one state). */
  snapshot(): Map<string, Slot> {
    return new Map([...this.slots].map(([key, slot]) => [key, copySlot(slot)]));
  }

  /** Replaces every entry with those of a `snapshot`. */
  restore(snapshot: ReadonlyMap<string, Slot>): void {
    this.clear();
    for (const [key, slot] of snapshot) this.put(key, copySlot(slot));
  }

  /**
   * Frees 1 % of the bound beyond what is needed (one sort per hundred inserts when full, not
   * one per insert): expired entries first, then those closest to expiry. `keep` (the entry
   * just written) goes last: what a caller was just told is stored stays, unless it alone is
   * over the bound.
   */
  private evict(keep: string): void {
    const target = this.maxEntries - Math.ceil(this.maxEntries / 100);
    const expiries = new Float64Array(this.slots.size);
    let n = 0;
    for (const [key, slot] of this.slots) if (key !== keep) expiries[n++] = slot.expiresAt;
    const sorted = expiries.subarray(0, n).sort();
    // The expiry at which enough weight is freed (every slot weighs at least one).
    const threshold = sorted[Math.min(n, Math.max(1, this.weight - target)) - 1] ?? Number.POSITIVE_INFINITY;
    let evicted = 0;
    for (const [key, slot] of this.slots) {
      if (this.weight <= target) break;
      if (key !== keep && slot.expiresAt <= threshold) {
        this.delete(key);
        evicted++;
      }
    }
    if (this.weight > this.maxEntries) this.delete(keep);
    if (!this.evicting) {
      this.evicting = true;
      this.logger.warn(
        { maxEntries: this.maxEntries, evicted },
        'koa-mellon: the memory state store is full: evicting the entries closest to expiry (raise maxEntries, or use Redis or PostgreSQL)',
      );
    }
  }
}

function copySlot(slot: Slot): Slot {
  return slot.kind === 'index' ? { ...slot, members: new Set(slot.members) } : { ...slot };
}

function weightOf(slot: Slot): number {
  return slot.kind === 'index' ? 1 + slot.members.size : 1;
}
