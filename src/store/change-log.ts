import { StoreCompactedError, type KeyValue, type StoreEvent, type StoreWatch, type StoreWatchListener } from './store.js';

/** One writing transaction's changes, with each changed key's value before it. */
export interface LogEntry {
  revision: number;
  events: StoreEvent[];
  prevs: (KeyValue | undefined)[];
}

interface Watcher {
  prefix: string;
  /** The next revision it has not been sent. */
  next: number;
  listener: StoreWatchListener;
  cancelled: boolean;
}

/**
 * ChangeLog is an in-process store's history: every writing transaction's changes since the
 * compacted revision (one entry per revision, so it is dense), the watches fed from it, and what a
 * range at a past revision needs to undo. Beyond `limit` entries the oldest are compacted on their
 * own once every watch has been fed. Watches are fed in a microtask after each write, in revision order.
 */
export class ChangeLog {
  /** The newest revision. */
  revision: number;
  /** Revisions before this one are forgotten. */
  compacted: number;
  private entries: LogEntry[] = [];
  /** Index of the oldest kept entry in `entries` (shifted lazily). */
  private head = 0;
  private readonly watchers = new Set<Watcher>();
  private scheduled = false;

  constructor(
    private readonly limit: number,
    revision = 0,
  ) {
    this.revision = revision;
    this.compacted = revision + 1;
  }

  /** Records the changes of the transaction that made `revision` (the next one). */
  append(revision: number, events: StoreEvent[], prevs: (KeyValue | undefined)[]): void {
    this.revision = revision;
    this.entries.push({ revision, events, prevs });
    this.schedule();
  }

  /** Forgets every entry before `revision`. */
  compact(revision: number): void {
    while (this.head < this.entries.length && this.entries[this.head]!.revision < revision) this.head++;
    if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
    this.compacted = Math.max(this.compacted, revision);
  }

  /** Changes under `prefix` from `fromRevision` on (0: from the next one); see `Store.watch`. */
  watch(prefix: string, fromRevision: number, listener: StoreWatchListener): StoreWatch {
    const w: Watcher = { prefix, next: fromRevision > 0 ? fromRevision : this.revision + 1, listener, cancelled: false };
    if (w.next < this.compacted && w.next <= this.revision) {
      const err = new StoreCompactedError(fromRevision, this.compacted);
      queueMicrotask(() => {
        if (!w.cancelled) listener.onError(err);
      });
      return { cancel: () => (w.cancelled = true) };
    }
    this.watchers.add(w);
    this.schedule();
    return {
      cancel: () => {
        w.cancelled = true;
        this.watchers.delete(w);
      },
    };
  }

  /**
   * Turns `kvs` (the values under `prefix` as of the newest of `newer`, or of the log) into those
   * of revision `at`, undoing every later change, newest first. `newer` are entries after the
   * log's newest, not appended yet (a store's writes still on their way to disk).
   */
  rewind(kvs: KeyValue[], prefix: string, at: number, newer: readonly LogEntry[] = []): void {
    // As etcd: compacting at `revision` keeps reads at `revision` and forgets those before it.
    if (at < this.compacted) throw new StoreCompactedError(at, this.compacted);
    const byKey = new Map(kvs.map((kv) => [kv.key, kv]));
    for (let i = newer.length - 1; i >= 0 && newer[i]!.revision > at; i--) undo(byKey, newer[i]!, prefix);
    for (let i = this.entries.length - 1; i >= this.head && this.entries[i]!.revision > at; i--) undo(byKey, this.entries[i]!, prefix);
    kvs.length = 0;
    // Not push(...values): a spread of a large range overflows the stack.
    for (const kv of byKey.values()) kvs.push(kv);
  }

  /** Ends every watch, reporting `err` to each when given (the store failed). */
  close(err?: Error): void {
    const watchers = [...this.watchers];
    this.watchers.clear();
    for (const w of watchers) w.cancelled = true;
    if (err) for (const w of watchers) w.listener.onError(err);
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      for (const w of this.watchers) this.feed(w);
      // Only once every watch has what it needs: a burst of writes in one turn must not outrun them.
      this.trimToLimit();
    });
  }

  /** Compacts away the entries beyond the newest `limit`. */
  trimToLimit(): void {
    const excess = this.entries.length - this.head - this.limit;
    if (excess > 0) this.compact(this.entries[this.head + excess]!.revision);
  }

  private feed(w: Watcher): void {
    if (w.next > this.revision) return;
    const first = this.entries[this.head]?.revision ?? this.revision + 1;
    if (w.next < first) {
      // Compacted past it while it waited (only a watcher slower than `limit` revisions).
      this.watchers.delete(w);
      w.cancelled = true;
      w.listener.onError(new StoreCompactedError(w.next, this.compacted));
      return;
    }
    const out: StoreEvent[] = [];
    for (let i = this.head + (w.next - first); i < this.entries.length; i++) {
      for (const e of this.entries[i]!.events) if (e.key.startsWith(w.prefix)) out.push(e);
    }
    w.next = this.revision + 1;
    if (out.length > 0) w.listener.onEvents(out);
  }
}

/** Undoes `entry`'s changes under `prefix` in `byKey`, newest first. */
function undo(byKey: Map<string, KeyValue>, entry: LogEntry, prefix: string): void {
  const { events, prevs } = entry;
  for (let j = events.length - 1; j >= 0; j--) {
    const key = events[j]!.key;
    if (!key.startsWith(prefix)) continue;
    const prev = prevs[j];
    if (prev) byKey.set(key, prev);
    else byKey.delete(key);
  }
}
