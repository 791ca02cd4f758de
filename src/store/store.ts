/**
 * The Store seam, in etcd's shape: a key space of encoded values under one global revision that
 * every transaction moves on by one. A key's `modRevision` is the revision of its last write (an
 * object's resourceVersion); transactions compare it (compare-and-swap); a watch streams every
 * change from a revision on, in revision order; compaction forgets history before a revision.
 * The same interface fronts an in-process map, an LMDB file and a real etcd cluster shared by
 * several control planes, so the registry never knows which one it writes to.
 *
 * Values are strings (the registry's JSON): the store does not know what they mean.
 */

/** A stored key and its value, as etcd's mvccpb.KeyValue. */
export interface KeyValue {
  key: string;
  value: string;
  /** The revision of the key's last write. */
  modRevision: number;
  /** The revision at which the key was created (since it last did not exist). */
  createRevision: number;
}

/** A precondition of a transaction: the key's mod revision equals `modRevision` (0: the key does not exist). */
export interface Compare {
  key: string;
  modRevision: number;
}

/** An operation of a transaction. */
export type TxnOp = { type: 'put'; key: string; value: string } | { type: 'delete'; key: string } | { type: 'get'; key: string };

/** What one operation of a transaction gave: a `get`'s key-value (undefined when absent), nothing for writes. */
export type TxnOpResult = KeyValue | undefined;

/** The outcome of `txn`. */
export interface TxnResult {
  /** Whether every compare held (so `onSuccess` ran; else `onFailure` did). */
  succeeded: boolean;
  /** The store's revision after the transaction: the write's own revision when it wrote. */
  revision: number;
  /** One entry per operation of the branch that ran. */
  results: TxnOpResult[];
}

/** One change seen by a watch. */
export interface StoreEvent {
  type: 'put' | 'delete';
  key: string;
  /** The new value (a put), or '' (a delete). */
  value: string;
  /** The change's revision (for a delete, the deletion's). */
  modRevision: number;
}

/** A running watch. */
export interface StoreWatch {
  /** Stops the watch; no callback runs after it. */
  cancel(): void;
}

/** What a watch reports to. Events arrive in revision order, each revision's events together. */
export interface StoreWatchListener {
  /** Changes, in revision order (a revision's changes are never split across calls). */
  onEvents(events: StoreEvent[]): void;
  /**
   * The watch ended and will report nothing more: `StoreCompactedError` when its next revision
   * was compacted away (list and watch again), any other error when the backend failed.
   */
  onError(err: Error): void;
}

/** A read of many keys. */
export interface RangeResult {
  /** The revision the read saw. */
  revision: number;
  kvs: KeyValue[];
}

/** The backends by name, for `--store`. */
export type StoreKind = 'memory' | 'lmdb' | 'etcd';

/** A backend. Every method may be called concurrently; transactions are atomic and ordered. */
export interface Store {
  /** Every key starting with `prefix`, in key order, as of `revision` (default: now). */
  range(prefix: string, options?: { revision?: number }): Promise<RangeResult>;
  /**
   * If every compare holds, runs `onSuccess`, else `onFailure`, atomically: a transaction that
   * changes something moves the revision on by exactly one (as in etcd, a delete that finds
   * nothing changes nothing). Resolves once it is durable.
   */
  txn(compares: Compare[], onSuccess: TxnOp[], onFailure?: TxnOp[]): Promise<TxnResult>;
  /**
   * Streams every change of a key under `prefix` from revision `fromRevision` on (inclusive). A
   * revision already compacted reports `StoreCompactedError` to `onError` (never throws).
   */
  watch(prefix: string, fromRevision: number, listener: StoreWatchListener): StoreWatch;
  /** Forgets every revision before `revision` (ranges and watches of them fail with StoreCompactedError). */
  compact(revision: number): Promise<void>;
  /** Ends every watch and releases the backend. */
  close(): Promise<void>;
}

/** A revision asked for (by a range or a watch) is older than the store's compacted revision. */
export class StoreCompactedError extends Error {
  override readonly name = 'StoreCompactedError';
  constructor(
    readonly requested: number,
    readonly compactRevision: number,
  ) {
    super(`required revision ${requested} has been compacted (compacted revision ${compactRevision})`);
  }
}

/** A revision asked for is newer than the store's. */
export class StoreFutureRevisionError extends Error {
  override readonly name = 'StoreFutureRevisionError';
  constructor(
    readonly requested: number,
    readonly current: number,
  ) {
    super(`required revision ${requested} is a future revision (current revision ${current})`);
  }
}

/** The smallest key greater than every key starting with `prefix` (etcd's range end of a prefix). */
export function prefixEnd(prefix: string): string {
  return prefix.length === 0 ? '\u{10FFFF}' : prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}
