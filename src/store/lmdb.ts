import { open, type RootDatabase } from 'lmdb';
import type { ApiObject } from '../api/model.js';
import { StoreConflictError, type Store, type StoreSnapshot, type WriteOp } from './store.js';

// Keys of objects start with '/'; the revision counter sorts before them.
const REVISION_KEY = '#revision';

/**
 * LmdbStore is the embedded durable default: one LMDB environment in a folder. A commit's writes
 * and the new revision go into one LMDB transaction (with any other commit of the same event turn:
 * LMDB's group commit), and it resolves only after that transaction is flushed to disk.
 */
export class LmdbStore implements Store {
  private readonly db: RootDatabase<unknown, string>;
  private revision: number;
  /**
   * Each key's revision as of the commits issued so far (committed or not): checks made here stay
   * right while earlier commits are still on their way to disk.
   */
  private readonly revisions = new Map<string, number>();

  private constructor(db: RootDatabase<unknown, string>) {
    this.db = db;
    this.revision = (db.get(REVISION_KEY) as number | undefined) ?? 0;
  }

  /** Opens (or creates) the store in `path`. */
  static open(path: string): LmdbStore {
    return new LmdbStore(open<unknown, string>({ path, encoding: 'msgpack', compression: false }));
  }

  async load(): Promise<StoreSnapshot> {
    const objects: StoreSnapshot['objects'] = [];
    this.revisions.clear();
    for (const { key, value } of this.db.getRange({ start: '/' })) {
      objects.push({ key, value: value as ApiObject });
      this.revisions.set(key, (value as ApiObject).metadata.resourceVersion);
    }
    return { revision: this.revision, objects };
  }

  async commit(ops: WriteOp[]): Promise<number[]> {
    for (const op of ops) {
      if (op.expect === undefined) continue;
      const actual = this.revisions.get(op.key) ?? 0;
      if (actual !== op.expect) throw new StoreConflictError(op.key, op.expect, actual);
    }
    const revs = ops.map(() => ++this.revision);
    const last = this.revision;
    ops.forEach((op, i) => {
      if (op.type === 'put') {
        op.value.metadata.resourceVersion = revs[i]!;
        this.revisions.set(op.key, revs[i]!);
      } else this.revisions.delete(op.key);
    });
    // Writes queued in one event turn share one LMDB transaction (lmdb-js batches them on its own
    // write thread; a `transaction()` callback would have to run on this thread instead).
    for (const op of ops) {
      if (op.type === 'put') void this.db.put(op.key, op.value);
      else void this.db.remove(op.key);
    }
    await this.db.put(REVISION_KEY, last);
    // Acknowledge only what is on disk, not merely committed (overlappingSync flushes after commit).
    await this.db.flushed;
    return revs;
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}
