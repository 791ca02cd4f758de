import { open, type Database, type RootDatabase } from 'lmdb';
import { ChangeLog, type LogEntry } from './change-log.js';
import {
  StoreCompactedError,
  StoreFutureRevisionError,
  prefixEnd,
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

/** Options of an LmdbStore. */
export interface LmdbStoreOptions {
  /**
   * Revisions of history kept for watches and past ranges (default 10,000), on disk and in
   * memory; older ones are compacted on their own, so the log cannot grow without bound.
   */
  historyLimit?: number;
}

/** A key's record in the `kv` database: its value, mod revision and create revision. */
type KvRecord = [value: string, modRevision: number, createRevision: number];

/** One change in a `log` record: the key, its new value (null: deleted) and its record before (null: absent). */
type Change = [key: string, value: string | null, prev: KvRecord | null];

/**
 * LmdbStore is the embedded durable backend: one LMDB environment in a folder, written by this
 * process alone. Two named databases:
 *
 * - `kv`: each key's record (value, mod revision, create revision), in key order for ranges;
 * - `log`: one record per revision (every transaction that changed something), keyed by revision:
 *   its changes with each key's record before, which replays watches and undoes writes for a
 *   range at a past revision. The log is dense from its oldest entry, which is the compacted
 *   revision (compacting deletes the entries before it), to its newest, which is the store's
 *   revision — so neither needs a record of its own.
 *
 * A transaction's writes go into one LMDB transaction with every other transaction of the same
 * event turn (lmdb-js batches them: group commit), and it resolves only once that is flushed to
 * disk. Compares are checked here, against an index of every key's mod revision that includes
 * transactions still on their way to disk, so transactions never wait for each other. Watches,
 * reads and acknowledgements only ever show what is durable: a change reaches the in-memory
 * ChangeLog (which feeds the watches) once flushed, in revision order, and a read that saw a
 * write still in flight waits for it.
 *
 * A failed LMDB commit fails the store: the transactions of it and after reject, every later
 * call rejects and watches end with the error (reopen the folder to go on).
 */
export class LmdbStore implements Store {
  private readonly kv: Database<KvRecord, string>;
  private readonly logDb: Database<Change[], number>;
  /** The durable history, fed to watches. */
  private readonly log: ChangeLog;
  private readonly limit: number;
  /** The newest revision issued (durable or on its way): `log.revision` and the in-flight ones. */
  private revision: number;
  /** The oldest log entry on disk once the writes issued so far are (the compacted revision ahead of `log`). */
  private oldest: number;
  /** Every key's mod revision, as of the transactions issued so far. */
  private readonly index = new Map<string, number>();
  /** The newest record of each key written by a transaction not yet durable (undefined: deleted there). */
  private readonly pending = new Map<string, { revision: number; kv: KeyValue | undefined }>();
  /** The transactions issued but not yet durable, in revision order. */
  private readonly inflight: LogEntry[] = [];
  /** Settles once the newest issued write is durable. */
  private written: Promise<void> = Promise.resolve();
  private failure?: Error;
  private closed = false;

  private constructor(
    private readonly db: RootDatabase,
    options: LmdbStoreOptions,
  ) {
    this.kv = db.openDB<KvRecord, string>({ name: 'kv', encoding: 'msgpack' });
    this.logDb = db.openDB<Change[], number>({ name: 'log', encoding: 'msgpack' });
    this.limit = options.historyLimit ?? 10_000;
    for (const { key, value } of this.kv.getRange()) this.index.set(key, value[1]);
    let log: ChangeLog | undefined;
    let oldest: number | undefined;
    for (const { key: revision, value } of this.logDb.getRange()) {
      oldest ??= revision;
      log ??= new ChangeLog(this.limit, revision - 1);
      const { events, prevs } = decode(revision, value);
      log.append(revision, events, prevs);
    }
    log?.trimToLimit();
    this.log = log ?? new ChangeLog(this.limit);
    this.revision = this.log.revision;
    this.oldest = oldest ?? this.log.compacted;
    // The limit may have shrunk since the log was written: the ChangeLog kept only its newest entries.
    this.trim(this.log.compacted);
  }

  /** Opens (or creates) the store in the folder `path`. */
  static open(path: string, options: LmdbStoreOptions = {}): LmdbStore {
    const db = open({ path, encoding: 'msgpack', compression: false });
    // The layout before the Store seam kept objects and a '#revision' key in the root database.
    if (db.get('#revision') !== undefined) {
      void db.close();
      throw new Error(`${path} holds an LMDB store of an older layout: move it away to start afresh`);
    }
    return new LmdbStore(db, options);
  }

  async range(prefix: string, options: { revision?: number } = {}): Promise<RangeResult> {
    this.check();
    const at = options.revision ?? 0;
    if (at > this.log.revision) throw new StoreFutureRevisionError(at, this.log.revision);
    const revision = this.revision;
    const byKey = new Map<string, KeyValue>();
    for (const { key, value } of this.kv.getRange({ start: prefix, end: prefixEnd(prefix) })) byKey.set(key, toKeyValue(key, value));
    // LMDB may hold a write still in flight or not yet; `pending` has the newest of each.
    for (const [key, { kv }] of this.pending) {
      if (!key.startsWith(prefix)) continue;
      if (kv) byKey.set(key, kv);
      else byKey.delete(key);
    }
    const kvs = [...byKey.values()];
    if (at > 0 && at < revision) this.log.rewind(kvs, prefix, at, this.inflight);
    else await this.durable(revision);
    kvs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return { revision: at > 0 ? at : revision, kvs };
  }

  async txn(compares: Compare[], onSuccess: TxnOp[], onFailure: TxnOp[] = []): Promise<TxnResult> {
    this.check();
    const succeeded = compares.every((c) => (this.index.get(c.key) ?? 0) === c.modRevision);
    const ops = succeeded ? onSuccess : onFailure;
    const revision = this.revision + 1;
    const results: TxnOpResult[] = [];
    const events: StoreEvent[] = [];
    const prevs: (KeyValue | undefined)[] = [];
    for (const op of ops) {
      const prev = this.current(op.key);
      if (op.type === 'get') {
        results.push(prev);
        continue;
      }
      results.push(undefined);
      // Issued at once, so every write of this event turn shares one LMDB transaction (lmdb-js
      // batches them on its own write thread; a `transaction()` callback would run on this one).
      if (op.type === 'put') {
        const kv = { key: op.key, value: op.value, modRevision: revision, createRevision: prev?.createRevision ?? revision };
        this.index.set(op.key, revision);
        this.pending.set(op.key, { revision, kv });
        void this.kv.put(op.key, toRecord(kv));
        events.push({ type: 'put', key: op.key, value: op.value, modRevision: revision });
        prevs.push(prev);
      } else if (prev) {
        this.index.delete(op.key);
        this.pending.set(op.key, { revision, kv: undefined });
        void this.kv.remove(op.key);
        events.push({ type: 'delete', key: op.key, value: '', modRevision: revision });
        prevs.push(prev);
      }
    }
    // As etcd: only a transaction that changed something moves the revision on.
    if (events.length === 0) {
      const seen = this.revision;
      await this.durable(seen);
      return { succeeded, revision: seen, results };
    }
    this.revision = revision;
    const entry: LogEntry = { revision, events, prevs };
    this.inflight.push(entry);
    await (this.written = this.persist(entry));
    return { succeeded, revision, results };
  }

  watch(prefix: string, fromRevision: number, listener: StoreWatchListener): StoreWatch {
    this.check();
    return this.log.watch(prefix, fromRevision, listener);
  }

  async compact(revision: number): Promise<void> {
    this.check();
    if (revision > this.log.revision) throw new StoreFutureRevisionError(revision, this.log.revision);
    if (revision <= this.oldest) throw new StoreCompactedError(revision, this.oldest);
    await this.flush(this.trim(revision));
    this.log.compact(revision);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.log.close();
    // Let the writes in flight finish (their callers get their results) before the file closes.
    await this.written.catch(() => {});
    await this.db.close();
  }

  /** Logs `entry` (with the writes of its transaction, issued in the same event turn); settles once durable. */
  private async persist(entry: LogEntry): Promise<void> {
    const { revision, events, prevs } = entry;
    const changes = events.map((e, i): Change => [e.key, e.type === 'put' ? e.value : null, prevs[i] ? toRecord(prevs[i]) : null]);
    const committed = this.logDb.put(revision, changes);
    this.trim(revision - this.limit + 1);
    await this.flush(committed);
    this.settle(revision);
  }

  /** Waits until `committed` (a write of this event turn) is on disk; a failure fails the store. */
  private async flush(committed: Promise<boolean> | undefined): Promise<void> {
    try {
      await committed;
      // Acknowledge only what is on disk, not merely committed (overlappingSync flushes after commit).
      await this.db.flushed;
    } catch (err) {
      this.fail(err as Error);
    }
    // A later LMDB transaction may commit after an earlier one failed: it is not acknowledged either.
    if (this.failure) throw this.failure;
  }

  /**
   * Everything issued up to `revision` is durable (LMDB flushes in commit order): hands those
   * entries to the ChangeLog, in revision order, and forgets their pending records.
   */
  private settle(revision: number): void {
    let n = 0;
    while (n < this.inflight.length && this.inflight[n]!.revision <= revision) {
      const { revision: rev, events, prevs } = this.inflight[n++]!;
      this.log.append(rev, events, prevs);
      for (const e of events) if (this.pending.get(e.key)?.revision === rev) this.pending.delete(e.key);
    }
    this.inflight.splice(0, n);
  }

  /** Waits until `revision` (issued) is durable. */
  private async durable(revision: number): Promise<void> {
    if (revision > this.log.revision) await this.written;
  }

  /** Deletes the log entries before `revision` from disk (with this event turn's writes); the last deletion's commit. */
  private trim(revision: number): Promise<boolean> | undefined {
    let removed: Promise<boolean> | undefined;
    for (; this.oldest < revision; this.oldest++) removed = this.logDb.remove(this.oldest);
    return removed;
  }

  /** `key`'s record as of the transactions issued so far. */
  private current(key: string): KeyValue | undefined {
    if (!this.index.has(key)) return undefined;
    const p = this.pending.get(key);
    if (p) return p.kv;
    const record = this.kv.get(key);
    return record && toKeyValue(key, record);
  }

  private fail(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    this.log.close(err);
  }

  private check(): void {
    if (this.failure) throw this.failure;
    if (this.closed) throw new Error('the store is closed');
  }
}

function toKeyValue(key: string, [value, modRevision, createRevision]: KvRecord): KeyValue {
  return { key, value, modRevision, createRevision };
}

function toRecord(kv: KeyValue): KvRecord {
  return [kv.value, kv.modRevision, kv.createRevision];
}

/** A `log` record back into a ChangeLog entry. */
function decode(revision: number, changes: Change[]): Omit<LogEntry, 'revision'> {
  const events: StoreEvent[] = [];
  const prevs: (KeyValue | undefined)[] = [];
  for (const [key, value, prev] of changes) {
    events.push(value === null ? { type: 'delete', key, value: '', modRevision: revision } : { type: 'put', key, value, modRevision: revision });
    prevs.push(prev ? toKeyValue(key, prev) : undefined);
  }
  return { events, prevs };
}
