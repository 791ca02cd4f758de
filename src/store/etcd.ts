import { InterceptingCall, type Interceptor } from '@grpc/grpc-js';
import { BrokenCircuitError, ConsecutiveBreaker, ExponentialBackoff, circuitBreaker, handleWhen, retry } from 'cockatiel';
import { Etcd3, GRPCDeadlineExceededError, Range, isRecoverableError, type IDuplexStream, type IKeyValue, type IRequestOp, type IWatchRequest, type IWatchResponse } from 'etcd3';
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
  type TxnResult,
} from './store.js';

/** Where the Store's keys live: the registry's keys all start with this. */
const REGISTRY = '/registry';

/** Options of `EtcdStore.connect`. */
export interface EtcdStoreOptions {
  /** Client URLs of the cluster's members, e.g. http://127.0.0.1:2379 (`--etcd-servers`). */
  servers: string[];
  /** The etcd key a Store key's leading `/registry` becomes (`--etcd-prefix`, default /registry). */
  prefix?: string;
  /**
   * How long one call may take, in milliseconds, retries across members included (default
   * 5,000): a call to a cluster that does not answer rejects instead of hanging.
   */
  timeout?: number;
}

/**
 * As etcd's clientv3.WithRequireLeader: a member that has lost its leader fails a call (and ends a
 * watch) with "no leader" instead of answering from, or silently stalling on, a stale replica.
 * etcd3 has no option for it, so a gRPC interceptor adds the metadata to every call.
 */
const requireLeader: Interceptor = (options, nextCall) =>
  new InterceptingCall(nextCall(options), {
    start(metadata, listener, next) {
      metadata.set('hasleader', 'true');
      next(metadata, listener);
    },
  });

/**
 * How long a broken watch stream is opened again (on any member, with backoff) before the watch
 * fails: longer than an etcd leader election, so losing etcd's leader does not end the watch (and
 * make every watcher of the registry list again).
 */
const WATCH_RESUME_MS = 10_000;

/**
 * EtcdStore keeps the Store in a real etcd cluster (v3 API, through the `etcd3` client), which
 * several control planes may share. Each call is one etcd request (a txn one etcd Txn), so
 * revisions, compares, watches and compaction are etcd's own. A Store key's leading `/registry`
 * is rewritten to the configured prefix on the way in, and back on the way out.
 *
 * Calls: etcd3 retries a failed call on another member (with backoff, and a circuit breaker
 * per member; see the constructor) under one deadline of `timeout` for the whole call, connecting included (etcd3
 * 1.1.2 declares a `dialTimeout` but never reads it). A write whose answer was lost may so be
 * applied twice; a compare makes the second attempt fail, so a CAS write can report a conflict
 * with itself (as any etcd client whose request timed out cannot know either).
 *
 * Watches: one gRPC stream each, so a revision's events arrive together and in order, and this
 * store counts the revision to resume from itself (etcd3's own watcher resumes from the last
 * response's header revision, which can skip events still being replayed). A stream that breaks
 * is resumed from the next revision not delivered, on any member, with backoff for up to 10 s;
 * then, or on a compaction or a cancellation by etcd, the listener gets the error.
 */
export class EtcdStore implements Store {
  /** The etcd client (for benchmarks that write around the Store). */
  readonly client: Etcd3;
  private readonly prefix: string;
  private readonly timeout: number;
  private readonly servers: string;
  private readonly watches = new Set<EtcdWatch>();

  private constructor(options: EtcdStoreOptions) {
    this.prefix = (options.prefix ?? REGISTRY).replace(/\/+$/, '');
    this.timeout = options.timeout ?? 5000;
    this.servers = options.servers.join(', ');
    this.client = new Etcd3({
      hosts: options.servers,
      defaultCallOptions: { interceptors: [requireLeader] },
      // When etcd's leader dies, every member answers "no leader" for an election's length (about
      // a second): with etcd3's defaults (each member's breaker open for 5 s after 3 failures,
      // three tries at once) every call then failed for 5 s. A member's breaker stays open for
      // 500 ms, and a call is tried again with backoff until its deadline, also while every
      // breaker is open.
      faultHandling: {
        host: () => circuitBreaker(handleWhen(isRecoverableError), { halfOpenAfter: 500, breaker: new ConsecutiveBreaker(3) }),
        // Not past the call's deadline: every later try would fail at once, and only add backoff.
        global: retry(handleWhen((err) => !(err instanceof GRPCDeadlineExceededError) && (isRecoverableError(err) || err instanceof BrokenCircuitError)), {
          maxAttempts: 20,
          backoff: new ExponentialBackoff({ initialDelay: 50, maxDelay: 500 }),
        }),
      },
      grpcOptions: {
        // A list of every object is one response: no 4 MB cap (kube-apiserver lifts it too).
        'grpc.max_receive_message_length': -1,
        // A member that hangs (rather than closes) ends its watch streams within ~15 s.
        'grpc.keepalive_time_ms': 10_000,
        'grpc.keepalive_timeout_ms': 5_000,
      },
    });
  }

  /** A store on the cluster at `options.servers`; rejects when the cluster does not answer. */
  static async connect(options: EtcdStoreOptions): Promise<EtcdStore> {
    if (options.servers.length === 0) throw new TypeError('the etcd store needs at least one server');
    const store = new EtcdStore(options);
    try {
      // A linearizable read: it needs a leader and a quorum.
      await store.client.kv.range({ key: store.toEtcd(REGISTRY), limit: 1 }, store.deadline());
    } catch (err) {
      store.client.close();
      throw store.failed('connect', err);
    }
    return store;
  }

  async range(prefix: string, options: { revision?: number } = {}): Promise<RangeResult> {
    const at = options.revision ?? 0;
    const { start, end } = Range.prefix(this.toEtcd(prefix));
    try {
      const res = await this.client.kv.range({ key: start, range_end: end, revision: at }, this.deadline());
      return { revision: at > 0 ? at : Number(res.header.revision), kvs: res.kvs.map((kv) => this.toKeyValue(kv)) };
    } catch (err) {
      throw await this.revisionError(err, at, `range ${prefix}`);
    }
  }

  async txn(compares: Compare[], onSuccess: TxnOp[], onFailure: TxnOp[] = []): Promise<TxnResult> {
    try {
      const res = await this.client.kv.txn(
        {
          compare: compares.map((c) => ({ key: this.toEtcd(c.key), target: 'Mod', result: 'Equal', mod_revision: c.modRevision })),
          success: onSuccess.map((op) => this.toRequestOp(op)),
          failure: onFailure.map((op) => this.toRequestOp(op)),
        },
        this.deadline(),
      );
      const ops = res.succeeded ? onSuccess : onFailure;
      return {
        succeeded: res.succeeded,
        revision: Number(res.header.revision),
        results: ops.map((op, i) => {
          const kv = op.type === 'get' ? res.responses[i]?.response_range?.kvs[0] : undefined;
          return kv && this.toKeyValue(kv);
        }),
      };
    } catch (err) {
      throw this.failed('txn', err);
    }
  }

  watch(prefix: string, fromRevision: number, listener: StoreWatchListener): StoreWatch {
    const w = new EtcdWatch(this, prefix, Range.prefix(this.toEtcd(prefix)), fromRevision, listener);
    this.watches.add(w);
    return w;
  }

  async compact(revision: number): Promise<void> {
    try {
      await this.client.kv.compact({ revision }, this.deadline());
    } catch (err) {
      throw await this.revisionError(err, revision, 'compact');
    }
  }

  async close(): Promise<void> {
    for (const w of this.watches) w.cancel();
    this.client.close();
  }

  /** @internal The watch has ended. */
  forget(w: EtcdWatch): void {
    this.watches.delete(w);
  }

  /** @internal A Store key as etcd's. */
  toEtcd(key: string): Buffer {
    if (!key.startsWith(REGISTRY)) throw new TypeError(`etcd store keys start with ${REGISTRY}: ${key}`);
    return Buffer.from(this.prefix + key.slice(REGISTRY.length));
  }

  /** @internal An etcd key-value as the Store's. */
  toKeyValue(kv: IKeyValue): KeyValue {
    return {
      key: REGISTRY + kv.key.toString().slice(this.prefix.length),
      value: kv.value.toString(),
      modRevision: Number(kv.mod_revision),
      createRevision: Number(kv.create_revision),
    };
  }

  /** @internal An error of etcd, or of reaching it, saying what failed and where. */
  failed(what: string, err: unknown): Error {
    let message = err instanceof Error ? err.message : String(err);
    // etcd3 stops calling a member for a while after three failures in a row; when it has stopped
    // calling every member, this is all it says.
    if (message.includes('circuit breaker is open')) message += ' (every member failed its last calls)';
    return new Error(`etcd at ${this.servers}: ${what} failed: ${message}`, { cause: err });
  }

  private toRequestOp(op: TxnOp): IRequestOp {
    const key = this.toEtcd(op.key);
    switch (op.type) {
      case 'put':
        return { request_put: { key, value: Buffer.from(op.value) } };
      case 'delete':
        return { request_delete_range: { key } };
      case 'get':
        return { request_range: { key } };
    }
  }

  /** etcd's errors about a revision asked for, as the Store's. */
  private async revisionError(err: unknown, requested: number, what: string): Promise<Error> {
    const message = err instanceof Error ? err.message : '';
    // etcd does not say which revision it compacted to.
    if (message.includes('required revision has been compacted')) return new StoreCompactedError(requested, 0);
    if (message.includes('required revision is a future revision')) {
      const current = await this.client.kv.range({ key: this.toEtcd(REGISTRY), limit: 1 }, this.deadline()).then(
        (res) => Number(res.header.revision),
        () => 0,
      );
      return new StoreFutureRevisionError(requested, current);
    }
    return this.failed(what, err);
  }

  private deadline(): { deadline: number } {
    return { deadline: Date.now() + this.timeout };
  }
}

/** One Store watch: an etcd watch on its own gRPC stream, resumed from its own next revision when the stream breaks. */
class EtcdWatch implements StoreWatch {
  /** The next revision not delivered (0: from now, until etcd says which that is). */
  private next: number;
  private stream?: IDuplexStream<IWatchRequest, IWatchResponse>;
  /** Streams lost in a row, without a watch created on the next, and since when. */
  private lost = 0;
  private lostSince = 0;
  private ended = false;

  constructor(
    private readonly store: EtcdStore,
    private readonly prefix: string,
    private readonly range: Range,
    fromRevision: number,
    private readonly listener: StoreWatchListener,
  ) {
    this.next = fromRevision;
    void this.open();
  }

  cancel(): void {
    if (this.ended) return;
    this.ended = true;
    this.store.forget(this);
    this.stream?.cancel();
  }

  private async open(): Promise<void> {
    let stream: IDuplexStream<IWatchRequest, IWatchResponse>;
    try {
      stream = await this.store.client.watchClient.watch();
    } catch (err) {
      return this.broken(err);
    }
    if (this.ended) return stream.cancel();
    this.stream = stream;
    stream
      .on('data', (res) => {
        if (stream === this.stream) this.receive(res);
      })
      .on('error', (err) => {
        if (stream === this.stream) this.broken(err);
      })
      .on('end', () => {
        if (stream === this.stream) this.broken(new Error('the watch stream ended'));
      });
    stream.write({ create_request: { key: this.range.start, range_end: this.range.end, start_revision: this.next } });
  }

  private receive(res: IWatchResponse): void {
    if (this.ended) return;
    if (res.compact_revision !== '0') return this.fail(new StoreCompactedError(this.next, Number(res.compact_revision)));
    if (res.canceled) return this.fail(this.store.failed(`watch ${this.prefix}`, `etcd cancelled it: ${res.cancel_reason}`));
    if (res.created) {
      this.lost = 0;
      if (this.next === 0) this.next = Number(res.header.revision) + 1;
      return;
    }
    if (res.events.length === 0) return;
    const events: StoreEvent[] = res.events.map((e) => {
      const { key, value, modRevision } = this.store.toKeyValue(e.kv);
      return e.type === 'Delete' ? { type: 'delete', key, value: '', modRevision } : { type: 'put', key, value, modRevision };
    });
    this.next = events[events.length - 1]!.modRevision + 1;
    this.listener.onEvents(events);
  }

  /** The stream failed: open another from `next`, unless that keeps failing. */
  private broken(err: unknown): void {
    if (this.ended) return;
    this.stream?.cancel();
    this.stream = undefined;
    if (this.lost++ === 0) this.lostSince = Date.now();
    if (Date.now() - this.lostSince > WATCH_RESUME_MS) return this.fail(this.store.failed(`watch ${this.prefix}`, err));
    setTimeout(() => void this.open(), Math.min(1000, 50 * 2 ** this.lost));
  }

  private fail(err: Error): void {
    this.cancel();
    this.listener.onError(err);
  }
}
