import type { ApiObject } from '../api/model.js';
import { StoreConflictError, type Store, type StoreSnapshot, type WriteOp } from './store.js';

/** MemoryStore keeps everything in this process: for tests, simulations and benchmarks. */
export class MemoryStore implements Store {
  private revision = 0;
  private readonly data = new Map<string, ApiObject>();

  async load(): Promise<StoreSnapshot> {
    return { revision: this.revision, objects: [...this.data].map(([key, value]) => ({ key, value })) };
  }

  async commit(ops: WriteOp[]): Promise<number[]> {
    for (const op of ops) {
      if (op.expect === undefined) continue;
      const actual = this.data.get(op.key)?.metadata.resourceVersion ?? 0;
      if (actual !== op.expect) throw new StoreConflictError(op.key, op.expect, actual);
    }
    return ops.map((op) => {
      const rev = ++this.revision;
      if (op.type === 'put') {
        op.value.metadata.resourceVersion = rev;
        this.data.set(op.key, op.value);
      } else this.data.delete(op.key);
      return rev;
    });
  }

  async close(): Promise<void> {}
}
