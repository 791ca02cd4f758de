/**
 * KeyWriter: the registry's writes as kube-apiserver's GuaranteedUpdate does them. Each write is
 * one store transaction that compares the key's mod revision with the one the write was computed
 * from; when another writer (another control plane) got there first, the transaction reads the
 * key back and the write is computed again from what it read. Writes to one key run one after
 * another, each from its predecessor's result; writes to different keys run concurrently.
 *
 * A write is first computed from what this registry knows, which on a shared store may be behind
 * it (another control plane's write not yet seen by its watch). When that view makes the write fail (already
 * exists, not found, an address taken), the key is read from the store and the write computed
 * again: only a failure computed from the store's current state is final, as GuaranteedUpdate's
 * `origStateIsCurrent`. A write may also depend on a second key, its guard (a create on its
 * namespace): the transaction compares the guard's mod revision too, so a namespace deleted through
 * another control plane fails the create instead of racing it.
 *
 * Everything here runs in the registry actor's turns: the store's answers come back through
 * `post`, which queues them for the actor's next turn.
 */
import type { ApiObject } from '../api/model.js';
import type { StatusInfo } from '../api/status.js';
import type { Store, TxnOp, TxnResult } from '../store/store.js';

/** What a writer knows of a key: its mod revision and value (and the object, once decoded). */
export interface Known {
  modRevision: number;
  value?: string;
  object?: ApiObject;
}

/** What a write turns the key into: a new value, no key at all, or nothing (the write fails). */
export type Mutation = { put: string; object?: ApiObject; statusOnly?: boolean } | { delete: true } | { fail: StatusInfo };

/** How a write ended. */
export type WriteOutcome =
  | { ok: true; revision: number; object?: ApiObject; value?: string }
  | { ok: false; error: StatusInfo }
  /** Other writers kept winning: after MAX_ATTEMPTS the write gives up. */
  | { ok: false; conflict: true }
  | { ok: false; storeError: string };

/** One write of one key. */
export interface KeyWrite {
  key: string;
  /** A key the write depends on: unchanged between the write's computation and its commit. */
  guard?: string;
  /**
   * The key's new state, computed from its latest (`undefined`: it does not exist) and, for a
   * guarded write, the guard's. May run more than once.
   */
  mutate(current: Known | undefined, guard: Known | undefined): Mutation;
  done(outcome: WriteOutcome): void;
}

/** An own put not yet seen by the registry's watch: its object is used instead of decoding the value. */
export interface OwnPut {
  value: string;
  object?: ApiObject;
  statusOnly?: boolean;
}

interface KeyState {
  queue: KeyWrite[];
  busy: boolean;
  waiting: boolean;
  /** What the last transaction on the key said (null: absent), newer than the cache; undefined: ask the cache. */
  known?: Known | null;
  /** For `known === null`: the revision at which the key was seen absent. */
  absentAt: number;
  attempts: number;
  /** Whether the head write's view was read from the store during that write (its failure is then final). */
  fresh: boolean;
  /** The guard as the head write last read it from the store (null: absent); undefined: ask `latest`. */
  guardSeen?: Known | null;
}

/** Transactions under way at once, at most. */
const MAX_IN_FLIGHT = 1024;
/** Tries of one write before it fails with a conflict. */
const MAX_ATTEMPTS = 16;

/** The registry's write pipeline. */
export class KeyWriter {
  private readonly keys = new Map<string, KeyState>();
  private readonly ready: string[] = [];
  private readyHead = 0;
  private inFlight = 0;
  private readonly own = new Map<string, OwnPut[]>();

  constructor(
    private readonly store: Store,
    /** The key's state as the registry's cache has it. */
    private readonly cached: (key: string) => Known | undefined,
    /** Runs `fn` in the actor's next turn. */
    private readonly post: (fn: () => void) => void,
    /**
     * Whether other writers share the store (etcd). Without them the cache and this writer's own
     * writes are the store's current state, and a failure computed from them is final at once.
     */
    private readonly shared = true,
  ) {}

  /** Queues a write of `w.key` behind any earlier one. */
  submit(w: KeyWrite): void {
    let s = this.keys.get(w.key);
    if (!s) this.keys.set(w.key, (s = { queue: [], busy: false, waiting: false, absentAt: 0, attempts: 0, fresh: false }));
    s.queue.push(w);
    if (!s.busy && !s.waiting) this.enqueue(w.key, s);
    this.pump();
  }

  /** Whether a write of `key` is queued or under way. */
  writing(key: string): boolean {
    const s = this.keys.get(key);
    return s !== undefined && (s.busy || s.queue.length > 0);
  }

  /** The latest state of `key` this registry knows of (its own writes first, then the cache). */
  latest(key: string): Known | undefined {
    const s = this.keys.get(key);
    if (s?.known !== undefined) return s.known ?? undefined;
    return this.cached(key);
  }

  /**
   * The own put of `key` with this value, if the watch brings one back: it and every older own put
   * of the key are forgotten.
   */
  claim(key: string, value: string): OwnPut | undefined {
    const puts = this.own.get(key);
    if (!puts) return undefined;
    const i = puts.findIndex((p) => p.value === value);
    if (i < 0) return undefined;
    const put = puts[i]!;
    if (i === puts.length - 1) this.own.delete(key);
    else puts.splice(0, i + 1);
    return put;
  }

  /** The cache has applied a change of `key`: forget what the writer knew once the cache is as new. */
  caughtUp(key: string): void {
    const s = this.keys.get(key);
    if (s && !s.busy && s.queue.length === 0 && this.cacheIsCurrent(key, s)) this.keys.delete(key);
  }

  /** Forgets everything known of keys (the registry listed its store again); queued writes go on. */
  reset(): void {
    for (const [key, s] of this.keys) {
      s.known = undefined;
      if (!s.busy && s.queue.length === 0) this.keys.delete(key);
    }
  }

  private cacheIsCurrent(key: string, s: KeyState): boolean {
    if (s.known === undefined) return true;
    const cached = this.cached(key);
    if (s.known === null) return cached === undefined || cached.modRevision > s.absentAt;
    return cached !== undefined && cached.modRevision >= s.known.modRevision;
  }

  private enqueue(key: string, s: KeyState): void {
    s.waiting = true;
    this.ready.push(key);
  }

  private pump(): void {
    while (this.inFlight < MAX_IN_FLIGHT && this.readyHead < this.ready.length) {
      const key = this.ready[this.readyHead++]!;
      const s = this.keys.get(key)!;
      s.waiting = false;
      this.start(key, s);
    }
    if (this.readyHead === this.ready.length) {
      this.ready.length = 0;
      this.readyHead = 0;
    }
  }

  private start(key: string, s: KeyState): void {
    const w = s.queue[0]!;
    const current = this.latest(key);
    const guard = w.guard === undefined ? undefined : s.guardSeen !== undefined ? (s.guardSeen ?? undefined) : this.latest(w.guard);
    const m = w.mutate(current, guard);
    if ('fail' in m) {
      if (!s.fresh && this.shared) return this.reread(key, s, w, m.fail);
      this.shift(s);
      w.done({ ok: false, error: m.fail });
      // The caller is `pump`, which goes on with the next key: no recursion here.
      return this.next(key, s, false);
    }
    s.busy = true;
    this.inFlight++;
    let op: TxnOp;
    if ('put' in m) {
      op = { type: 'put', key, value: m.put };
      let puts = this.own.get(key);
      if (!puts) this.own.set(key, (puts = []));
      puts.push({ value: m.put, object: m.object, statusOnly: m.statusOnly });
    } else op = { type: 'delete', key };
    const compares = [{ key, modRevision: current?.modRevision ?? 0 }];
    const reads: TxnOp[] = [{ type: 'get', key }];
    if (w.guard !== undefined) {
      compares.push({ key: w.guard, modRevision: guard?.modRevision ?? 0 });
      reads.push({ type: 'get', key: w.guard });
    }
    this.store.txn(compares, [op], reads).then(
      (r) => this.post(() => this.settled(key, s, w, m, r)),
      (err: Error) => this.post(() => this.failed(key, s, w, m, err)),
    );
  }

  /** The head write failed on a view that may be stale: reads the key (and guard) from the store and computes it again. */
  private reread(key: string, s: KeyState, w: KeyWrite, error: StatusInfo): void {
    s.busy = true;
    this.inFlight++;
    const reads: TxnOp[] = [{ type: 'get', key }];
    if (w.guard !== undefined) reads.push({ type: 'get', key: w.guard });
    this.store.txn([], reads, []).then(
      (r) =>
        this.post(() => {
          this.inFlight--;
          s.busy = false;
          this.learn(s, w, r);
          this.next(key, s);
        }),
      // The store cannot say: the failure computed from the cache stands.
      () =>
        this.post(() => {
          this.inFlight--;
          s.busy = false;
          this.shift(s);
          w.done({ ok: false, error });
          this.next(key, s);
        }),
    );
  }

  /** Takes in what a transaction read of the key (and the head write's guard): the head write's view is now fresh. */
  private learn(s: KeyState, w: KeyWrite, r: TxnResult): void {
    const kv = r.results[0];
    if (kv) s.known = { modRevision: kv.modRevision, value: kv.value };
    else {
      s.known = null;
      s.absentAt = r.revision;
    }
    if (w.guard !== undefined) {
      const g = r.results[1];
      s.guardSeen = g ? { modRevision: g.modRevision, value: g.value } : null;
    }
    s.fresh = true;
  }

  /** The head write is done with: the next one starts from a view of its own. */
  private shift(s: KeyState): void {
    s.queue.shift();
    s.attempts = 0;
    s.fresh = false;
    s.guardSeen = undefined;
  }

  private settled(key: string, s: KeyState, w: KeyWrite, m: Mutation, r: TxnResult): void {
    this.inFlight--;
    s.busy = false;
    if (r.succeeded) {
      this.shift(s);
      if ('put' in m) {
        if (m.object) m.object.metadata.resourceVersion = r.revision;
        s.known = { modRevision: r.revision, value: m.put, object: m.object };
      } else {
        s.known = null;
        s.absentAt = r.revision;
      }
      w.done('put' in m ? { ok: true, revision: r.revision, object: m.object, value: m.put } : { ok: true, revision: r.revision });
    } else {
      this.disown(key, m);
      this.learn(s, w, r);
      if (++s.attempts >= MAX_ATTEMPTS) {
        this.shift(s);
        w.done({ ok: false, conflict: true });
      }
    }
    this.next(key, s);
  }

  private failed(key: string, s: KeyState, w: KeyWrite, m: Mutation, err: Error): void {
    this.inFlight--;
    s.busy = false;
    this.disown(key, m);
    // Whether it was written is unknown: ask the cache (and the store's compare) next time.
    s.known = undefined;
    this.shift(s);
    w.done({ ok: false, storeError: err.message });
    this.next(key, s);
  }

  private disown(key: string, m: Mutation): void {
    if (!('put' in m)) return;
    const puts = this.own.get(key);
    const i = puts?.findIndex((p) => p.value === m.put) ?? -1;
    if (i < 0) return;
    puts!.splice(i, 1);
    if (puts!.length === 0) this.own.delete(key);
  }

  private next(key: string, s: KeyState, pump = true): void {
    if (s.queue.length > 0) this.enqueue(key, s);
    else if (this.cacheIsCurrent(key, s)) this.keys.delete(key);
    if (pump) this.pump();
  }
}
