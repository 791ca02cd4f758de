/**
 * The Store seam: durable key → object storage with one global, monotonically increasing revision
 * (an object's resourceVersion is the revision of its last write). Shaped after etcd — revisions
 * assigned at commit, compare-and-swap by revision, everything loadable to fill a cache — so an
 * etcd backend shared by several control-plane processes fits behind the same interface.
 */
import type { ApiObject } from '../api/model.js';

/** One write: `expect` is the revision the key must have now (0: must not exist), or absent for no check. */
export type WriteOp =
  | { type: 'put'; key: string; value: ApiObject; expect?: number }
  | { type: 'delete'; key: string; expect?: number };

/** A compare-and-swap in a commit failed: the key is not at the expected revision. */
export class StoreConflictError extends Error {
  override readonly name = 'StoreConflictError';
  constructor(
    readonly key: string,
    readonly expected: number,
    readonly actual: number,
  ) {
    super(`${key} is at revision ${actual}, not ${expected}`);
  }
}

/** What a store holds at one revision. */
export interface StoreSnapshot {
  revision: number;
  /** Every object, with `metadata.resourceVersion` set to its last write's revision. */
  objects: { key: string; value: ApiObject }[];
}

/** A backend. One writer (the registry actor) commits in order; commits resolve only once durable. */
export interface Store {
  /** Everything stored, and the current revision. */
  load(): Promise<StoreSnapshot>;
  /**
   * Applies `ops` atomically: all or none (a failed `expect` rejects with StoreConflictError).
   * Each op gets the next revision; resolves with them once the commit is durable.
   */
  commit(ops: WriteOp[]): Promise<number[]>;
  close(): Promise<void>;
}

/** The backends by name, for `--store`. */
export type StoreKind = 'memory' | 'lmdb';
