import { SILENT_LOGGER } from '@koa-mellon/web';
import { createMemoryStoreOn } from '../../../packages/web/src/state/memory.js';
import { MemoryTable, type Slot } from '../../../packages/web/src/state/memory-table.js';

/**
 * A fuzzed app's whole state: the embedded memory store, on a table the fuzzer can clear (a fresh
 * app per case) or snapshot and restore (to send the same input again to the same state).
 */
export class FuzzState {
  private readonly table = new MemoryTable(1_000_000, SILENT_LOGGER);
  readonly store = createMemoryStoreOn(this.table, 60_000, SILENT_LOGGER);

  clear(): void {
    this.table.clear();
  }

  snapshot(): ReadonlyMap<string, Slot> {
    return this.table.snapshot();
  }

  restore(snapshot: ReadonlyMap<string, Slot>): void {
    this.table.restore(snapshot);
  }
}
