import {
  StoreCompactedError,
  StoreFutureRevisionError,
  type Compare,
  type KeyValue,
  type RangeResult,
  type Store,
  type StoreEvent,
  type StoreWatch,
  type StoreWatchListener,
  type TxnOp,
  type TxnOpResult,
  type TxnResult,
} from './store.js';
import { ChangeLog } from './change-log.js';

/** Options of a MemoryStore. */
export interface MemoryStoreOptions {
  /**
   * Revisions of history kept for watches and past ranges (default 1,000); older ones are
   * compacted on their own, so a long simulation does not keep every value it ever wrote.
   */
  historyLimit?: number;
}

/**
 * MemoryStore keeps everything in this process: for tests, simulations and benchmarks. Values
 * are kept as given (a watch hands back the very string that was put).
 */
export class MemoryStore implements Store {
  private readonly data = new Map<string, KeyValue>();
  private readonly log: ChangeLog;
  private closed = false;

  constructor(options: MemoryStoreOptions = {}) {
    this.log = new ChangeLog(options.historyLimit ?? 1_000);
  }

  async range(prefix: string, options: { revision?: number } = {}): Promise<RangeResult> {
    this.check();
    const revision = this.log.revision;
    const at = options.revision ?? 0;
    if (at > revision) throw new StoreFutureRevisionError(at, revision);
    const kvs: KeyValue[] = [];
    for (const kv of this.data.values()) if (kv.key.startsWith(prefix)) kvs.push(kv);
    if (at > 0 && at < revision) this.log.rewind(kvs, prefix, at);
    kvs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return { revision: at > 0 ? at : revision, kvs };
  }

  async txn(compares: Compare[], onSuccess: TxnOp[], onFailure: TxnOp[] = []): Promise<TxnResult> {
    this.check();
    const succeeded = compares.every((c) => (this.data.get(c.key)?.modRevision ?? 0) === c.modRevision);
    const ops = succeeded ? onSuccess : onFailure;
    const revision = this.log.revision + 1;
    const results: TxnOpResult[] = [];
    const events: StoreEvent[] = [];
    const prevs: (KeyValue | undefined)[] = [];
    for (const op of ops) {
      const prev = this.data.get(op.key);
      if (op.type === 'get') {
        results.push(prev);
        continue;
      }
      results.push(undefined);
      if (op.type === 'put') {
        this.data.set(op.key, { key: op.key, value: op.value, modRevision: revision, createRevision: prev?.createRevision ?? revision });
        events.push({ type: 'put', key: op.key, value: op.value, modRevision: revision });
        prevs.push(prev);
      } else if (prev) {
        this.data.delete(op.key);
        events.push({ type: 'delete', key: op.key, value: '', modRevision: revision });
        prevs.push(prev);
      }
    }
    // As etcd: only a transaction that changed something moves the revision on (a delete that
    // found nothing changed nothing).
    if (events.length === 0) return { succeeded, revision: this.log.revision, results };
    this.log.append(revision, events, prevs);
    return { succeeded, revision, results };
  }

  watch(prefix: string, fromRevision: number, listener: StoreWatchListener): StoreWatch {
    this.check();
    return this.log.watch(prefix, fromRevision, listener);
  }

  async compact(revision: number): Promise<void> {
    this.check();
    if (revision > this.log.revision) throw new StoreFutureRevisionError(revision, this.log.revision);
    if (revision <= this.log.compacted) throw new StoreCompactedError(revision, this.log.compacted);
    this.log.compact(revision);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.log.close();
  }

  private check(): void {
    if (this.closed) throw new Error('the store is closed');
  }
}
