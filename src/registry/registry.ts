/**
 * The registry serves every read, write and watch of API objects, over a store that other
 * registries (other control planes) may share. It keeps the objects in memory — a watch cache,
 * as kube-apiserver's — fed only by the store's watch, so a write made through any control plane
 * reaches this one's watchers in revision order, with no gaps and no duplicates. It also keeps a
 * bounded history of changes for watches that resume from a resourceVersion, and each object's
 * encoding per API version, so a list is a join of cached strings.
 *
 * A write is a compare-and-swap transaction of its own (see KeyWriter); it is answered once the
 * store has made it durable and this registry's watch has brought it back, so a client reads its
 * own writes through the control plane it wrote to.
 */
import { randomUUID } from 'node:crypto';
import { Actor, sameRef, type ActorRef } from '../kernel/index.js';
import { emptyMeta, podReady, timestamp, type ApiObject, type Namespace, type Service } from '../api/model.js';
import { Informer, isWatchEvent } from '../cluster/informer.js';
import { RESOURCES, storeKey, type Resource } from '../api/resources.js';
import { matches, type Filter } from '../api/filter.js';
import { alreadyExists, badRequest, conflict, forbidden, gone, internalError, invalid, notFound, type StatusCause, type StatusInfo } from '../api/status.js';
import { CODECS, watchGoneLine, type WireVersion } from '../api/codecs.js';
import { WatchIndex } from '../api/watch-index.js';
import { ObjectIndex } from '../api/object-index.js';
import { validate } from '../api/validation.js';
import { StoreCompactedError, type KeyValue, type Store, type StoreEvent, type StoreWatch } from '../store/store.js';
import { KeyWriter, type Known, type Mutation, type WriteOutcome } from './key-writer.js';
import { openStore, ownsStore, type StoreConfig } from './stores.js';
import { encode, encodeAs, encodeBytes, internalJson, listBytes, storeValue } from './encoding.js';
import { SERVICE_IPS_KEY, ServiceIPRange } from './service-ips.js';
import { WatchRelay, type RelayBatch } from './watch-relay.js';
import type { ApiVersion, Binding, RegistryReply, RegistryRequest, ReplyMode, StatusChanges, WatchEvent } from './protocol.js';

export type * from './protocol.js';
export { WatchRelay } from './watch-relay.js';

/** Props: which store, and how much history to keep for watches. */
export interface RegistryProps extends StoreConfig {
  /** Changes kept for watches that resume from a resourceVersion (default 10,000). */
  historySize?: number;
  /** How often the store is compacted, by whichever control plane wins the race (default 300,000 ms; 0: never). */
  compactionIntervalMs?: number;
  /**
   * The registry of events, when they are kept apart (routing.ts): requests about events are
   * passed on to it, and a deleted namespace goes only once it has said the namespace has no events left.
   */
  events?: ActorRef;
  /**
   * For the registry of events: the registry whose namespaces it follows. It refuses events in a
   * namespace being deleted, deletes the events there, then tells that registry (`purged`).
   */
  namespaces?: ActorRef;
}

type Internal = { op: 'tick' } | { op: 'compact' } | { op: 'relist' } | { op: 'rewatch' };

/** How long the registry of events waits before following the namespaces of a terminated registry again. */
const REWATCH_MS = 200;

/** Every key the registry reads and watches. */
const PREFIX = '/registry/';
/** The compare-and-swap key that elects one compactor per interval (kube-apiserver's `compact_rev_key`). */
export const COMPACT_REV_KEY = '/registry/compact_rev_key';
/** The namespaces a cluster has from the start: `kube-system` for its components, `kube-node-lease` for the nodes' heartbeat leases. */
const INITIAL_NAMESPACES = ['default', 'kube-system', 'kube-node-lease'];
/** How long to wait before listing again after the store failed. */
const RELIST_RETRY_MS = 1_000;

/** Where a write's answer goes. */
interface ReplyTo {
  to: ActorRef | null;
  /** Answer only a failure. */
  quiet: boolean;
  version: ApiVersion;
  code: number;
}

/** A get or a list. */
type ReadRequest = Extract<RegistryRequest, { op: 'get' | 'list' }>;

/** What a mutation of an object returns: the new object, null to delete it, or why not. */
type ObjectMutation = ApiObject | null | { fail: StatusInfo };

interface Change {
  revision: number;
  resource: Resource;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: ApiObject;
  prev: ApiObject | undefined;
  /**
   * The object as internal JSON, made once for the internal watchers on other shards of one
   * delivery, then dropped: kept in the history, every change's JSON would outlive the young
   * generation and fill the old one with garbage.
   */
  json?: string;
  /** Only the status changed. */
  statusOnly?: boolean;
  /** The stored value the change put, kept until it is delivered (the internal JSON is made from it). */
  value?: string;
}

interface Watcher {
  id: string;
  resource: Resource;
  filter: Filter;
  version: ApiVersion;
  inbox: ActorRef;
  statusChanges: StatusChanges;
}

// The watchers outlive a restart of the registry, by store path: the restarted registry has lost
// the history they were following, so it ends their streams with an ERROR (410 Gone) and clients
// watch again from a fresh list.
const watchersByPath = new Map<string, Map<string, Watcher>>();

/** The registry actor. */
export class Registry extends Actor<RegistryRequest | Internal, RegistryProps> {
  static override readonly kind = 'helmsman.registry';

  private store!: Store;
  private writer!: KeyWriter;
  private storeWatch: StoreWatch | undefined;
  private readonly objects = new Map<Resource, ObjectIndex>();
  /** Keys that are not objects (the service IP range, the compaction key), as stored. */
  private readonly raw = new Map<string, KeyValue>();
  /** The revision of the last change applied to the cache. */
  private revision = 0;
  private readonly history: Change[] = [];
  /** The oldest revision from which a watch can resume. */
  private horizon = 0;
  private watchers = new Map<string, Watcher>();
  private readonly watchIndex = new Map<Resource, WatchIndex<Watcher>>();
  /** The relay of each other shard with watchers (spawned on first use), what a turn's changes send each, and the current change's targets by shard. */
  private readonly relays = new Map<number, ActorRef<RelayBatch>>();
  private readonly relayed = new Map<number, RelayBatch>();
  private readonly relaying = new Map<number, (number | string)[]>();
  /** Answers waiting for the cache to reach their write's revision, oldest revision first. */
  private readonly awaiting: { revision: number; answer: () => void }[] = [];
  /** Work from the store's callbacks, run in the actor's next turn. */
  private posted: (() => void)[] = [];
  private tickScheduled = false;
  /** Deletions of a Terminating namespace's contents (and of it) under way. */
  private readonly finalizing = new Set<string>();
  /** The namespaces being deleted, and whether a change touched one since they were last finalized. */
  private readonly terminating = new Set<string>();
  private namespacesDirty = false;
  /** The Terminating namespaces the registry of events has said have no events left. */
  private readonly purged = new Set<string>();
  /** For the registry of events: the namespaces it follows, and those it has said it purged. */
  private followed: { informer: Informer<Namespace>; reported: Set<string> } | undefined;
  /** Where the next cluster IP search starts. */
  private nextIPSlot = 1;
  /** The compactor's state: the compaction key's mod revision last seen, and the revision to compact to next. */
  private compaction = { keyRevision: 0, revision: 0 };
  /** Consistent reads: those waiting for the next revision request, and whether one is under way. */
  private consistent: { next: { msg: ReadRequest; to: ActorRef | null }[]; asking: boolean } = { next: [], asking: false };

  override async preStart(): Promise<void> {
    const orphans = watchersByPath.get(this.props.path);
    if (orphans) this.endWatches(orphans);
    this.watchers = new Map();
    watchersByPath.set(this.props.path, this.watchers);
    for (const r of Object.keys(RESOURCES) as Resource[]) {
      this.objects.set(r, new ObjectIndex());
      this.watchIndex.set(r, new WatchIndex());
    }
    this.store = await openStore(this.props);
    this.writer = new KeyWriter(this.store, (key) => this.cached(key), (fn) => this.post(fn), this.props.store === 'etcd');
    // Kubernetes starts with these namespaces. Every control plane creates each one that is
    // missing (one wins, the others' compare fails), before it answers anything: a request made
    // just after start must find them.
    if (!this.props.namespaces) await Promise.all(
      INITIAL_NAMESPACES.map((name) => {
        const ns: ApiObject = { kind: 'Namespace', metadata: emptyMeta(name), spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } };
        ns.metadata.uid = newUid();
        ns.metadata.creationTimestamp = timestamp(this.ctx.clock.now());
        const key = storeKey('namespaces', '', name);
        return this.store.txn([{ key, modRevision: 0 }], [{ type: 'put', key, value: storeValue(ns) }]);
      }),
    );
    this.fill(await this.store.range(PREFIX));
    const interval = this.props.compactionIntervalMs ?? 300_000;
    if (interval > 0) this.ctx.timers.periodic('compact', interval, { op: 'compact' });
    if (this.props.namespaces) this.follow(this.props.namespaces);
  }

  /** The registry of events follows the main registry's namespaces (see `finalizeNamespaces`). */
  private follow(registry: ActorRef): void {
    const reported = new Set<string>();
    const informer = new Informer<Namespace>(this.ctx, registry, `${this.ctx.self.slot}:${this.ctx.self.id}:namespaces`, {
      name: 'namespaces',
      resource: 'namespaces',
      onChange: (key, ns, prev) => {
        this.noteNamespaces('namespaces', key, ns, prev);
        if (!this.terminating.has((ns ?? prev)!.metadata.name)) reported.delete((ns ?? prev)!.metadata.name);
      },
      // A fresh list (the main registry restarted, and forgot what it was told): say it again.
      onSynced: () => {
        reported.clear();
        this.namespacesDirty = true;
      },
    });
    this.followed = { informer, reported };
    this.ctx.watch(registry);
    informer.start();
  }

  override async postStop(): Promise<void> {
    this.storeWatch?.cancel();
    this.storeWatch = undefined;
    if (ownsStore(this.props)) await this.store?.close();
  }

  receive(msg: RegistryRequest | Internal | WatchEvent): void {
    if (isWatchEvent(msg)) {
      this.followed?.informer.handle(msg);
      if (this.namespacesDirty) this.finalizeNamespaces();
      return;
    }
    const { events } = this.props;
    if (events && (('resource' in msg && msg.resource === 'events') || (msg.op === 'unwatch' && !this.watchers.has(msg.id)))) return this.ctx.forward(events, msg);
    switch (msg.op) {
      case 'get':
      case 'list':
        return this.read(msg);
      case 'create':
        return this.create(msg.resource, msg.object, msg.version, msg.reply ?? true, msg.dryRun ?? false);
      case 'update':
        return this.update(msg.resource, msg.object, msg.version, msg.reply ?? true, msg.orCreate ?? false, msg.dryRun ?? false);
      case 'delete':
        return this.remove(msg.resource, msg.namespace, msg.name, msg.version, msg.uid, msg.reply ?? true);
      case 'setStatus':
        return this.setStatus(msg, msg.reply ?? true);
      case 'bind':
        for (const b of msg.bindings) this.bind(b);
        return;
      case 'watch':
        return this.watch(msg);
      case 'unwatch': {
        const w = this.watchers.get(msg.id);
        if (w) this.watchIndex.get(w.resource)!.delete(w);
        this.watchers.delete(msg.id);
        return;
      }
      case 'tick':
        return this.tick();
      case 'compact':
        return this.compact();
      case 'relist':
        return void this.relist();
      case 'purged':
        if (!this.terminating.has(msg.namespace)) return;
        this.purged.add(msg.namespace);
        return this.finalizeNamespaces();
      case 'rewatch':
        if (!this.followed || !this.props.namespaces) return;
        this.ctx.watch(this.props.namespaces);
        return this.followed.informer.start();
    }
  }

  // ---- the cache, fed by the store ---------------------------------------------------------------

  /** Replaces the cache with a full read of the store, and watches on from its revision. */
  private fill(snapshot: { revision: number; kvs: KeyValue[] }): void {
    for (const index of this.objects.values()) index.clear();
    this.raw.clear();
    this.history.length = 0;
    for (const kv of snapshot.kvs) {
      const resource = resourceOfKey(kv.key);
      if (resource && !this.serves(resource)) continue;
      if (resource) this.objects.get(resource)!.set(kv.key, decodeObject(kv.value, kv.modRevision));
      else this.raw.set(kv.key, kv);
    }
    this.revision = this.horizon = snapshot.revision;
    this.terminating.clear();
    for (const ns of this.objects.get('namespaces')!.values()) this.noteNamespaces('namespaces', '', ns);
    this.storeWatch?.cancel();
    this.storeWatch = this.store.watch(PREFIX, snapshot.revision + 1, {
      onEvents: (events) => this.post(() => this.apply(events)),
      onError: (err) => this.post(() => this.watchFailed(err)),
    });
    this.answerApplied();
    if (this.namespacesDirty) this.finalizeNamespaces();
  }

  /** The store's watch ended: every watcher's history is lost, so list again and end their streams. */
  private watchFailed(err: Error): void {
    this.storeWatch = undefined;
    if (!(err instanceof StoreCompactedError)) console.error(`registry: the store's watch failed (${err.message}); listing again`);
    void this.relist();
  }

  private async relist(): Promise<void> {
    if (this.storeWatch) return;
    try {
      const snapshot = await this.store.range(PREFIX);
      this.post(() => {
        this.endWatches(this.watchers);
        this.writer.reset();
        this.fill(snapshot);
      });
    } catch (err) {
      console.error(`registry: listing the store failed (${(err as Error).message}); again in ${RELIST_RETRY_MS} ms`);
      this.ctx.timers.once('relist', RELIST_RETRY_MS, { op: 'relist' });
    }
  }

  /** The key's state as the cache has it. */
  private cached(key: string): Known | undefined {
    const resource = resourceOfKey(key);
    if (!resource) {
      const kv = this.raw.get(key);
      return kv && { modRevision: kv.modRevision, value: kv.value };
    }
    const object = this.objects.get(resource)!.get(key);
    return object && { modRevision: object.metadata.resourceVersion, object };
  }

  /** Applies the store's changes to the cache and hands them to the watchers. */
  private apply(events: StoreEvent[]): void {
    if (!this.storeWatch) return; // a watch that failed and was replaced
    for (const e of events) {
      if (e.modRevision <= this.revision) continue;
      const resource = resourceOfKey(e.key);
      if (!resource) this.applyRaw(e);
      else if (!this.serves(resource)) this.revision = e.modRevision;
      else if (e.type === 'put') {
        const own = this.writer.claim(e.key, e.value);
        const object = own?.object ?? decodeObject(e.value, e.modRevision);
        object.metadata.resourceVersion = e.modRevision;
        const objects = this.objects.get(resource)!;
        const prev = objects.get(e.key);
        objects.set(e.key, object);
        this.revision = e.modRevision;
        const statusOnly = own ? own.statusOnly : prev !== undefined && sameButStatus(prev, object);
        this.record({ revision: e.modRevision, resource, type: prev ? 'MODIFIED' : 'ADDED', object, prev, statusOnly, value: e.value });
        this.noteNamespaces(resource, e.key, object);
      } else {
        const objects = this.objects.get(resource)!;
        const prev = objects.get(e.key);
        this.revision = e.modRevision;
        if (!prev) continue;
        objects.delete(e.key);
        // A deletion is reported with the object as it was, at the deletion's revision.
        const object = { ...prev, metadata: { ...prev.metadata, resourceVersion: e.modRevision } } as ApiObject;
        this.record({ revision: e.modRevision, resource, type: 'DELETED', object, prev });
        this.noteNamespaces(resource, e.key, undefined, prev);
      }
      this.writer.caughtUp(e.key);
    }
    this.flushRelayed();
    this.answerApplied();
    if (this.namespacesDirty) this.finalizeNamespaces();
  }

  /** Whether this registry keeps `resource` (a store once shared with the events may still hold some). */
  private serves(resource: Resource): boolean {
    return resource !== 'events' || this.props.events === undefined;
  }

  /** Keeps `terminating` up to date, and notes a change that a Terminating namespace's finalization waits for. */
  private noteNamespaces(resource: Resource, key: string, object: Readonly<ApiObject> | undefined, deleted?: Readonly<ApiObject>): void {
    if (resource === 'namespaces') {
      const name = (object ?? deleted)!.metadata.name;
      if (object?.kind === 'Namespace' && object.status.phase === 'Terminating') {
        this.terminating.add(name);
        this.namespacesDirty = true;
      } else {
        this.terminating.delete(name);
        this.purged.delete(name);
      }
    } else if (this.terminating.size > 0 && this.terminating.has(key.split('/')[3]!)) this.namespacesDirty = true;
  }

  private applyRaw(e: StoreEvent): void {
    this.revision = e.modRevision;
    if (e.type === 'delete') this.raw.delete(e.key);
    else this.raw.set(e.key, { key: e.key, value: e.value, modRevision: e.modRevision, createRevision: this.raw.get(e.key)?.createRevision ?? e.modRevision });
    // A compaction (by any control plane) forgets history before its revision: watches from there get 410.
    if (e.key === COMPACT_REV_KEY && e.type === 'put') this.forgetBefore(Number(e.value));
  }

  private forgetBefore(revision: number): void {
    if (!(revision - 1 > this.horizon)) return;
    this.horizon = revision - 1;
    let drop = 0;
    while (drop < this.history.length && this.history[drop]!.revision < revision) drop++;
    this.history.splice(0, drop);
  }

  /** Queues `fn` for the actor's next turn (the store answers outside of turns). */
  private post(fn: () => void): void {
    this.posted.push(fn);
    if (this.tickScheduled) return;
    this.tickScheduled = true;
    this.ctx.send(this.ctx.self, { op: 'tick' });
  }

  private tick(): void {
    this.tickScheduled = false;
    const fns = this.posted;
    this.posted = [];
    for (const fn of fns) fn();
  }

  /** Runs `answer` once the cache has reached `revision`. */
  private whenApplied(revision: number, answer: () => void): void {
    if (revision <= this.revision) return answer();
    let i = this.awaiting.length;
    while (i > 0 && this.awaiting[i - 1]!.revision > revision) i--;
    this.awaiting.splice(i, 0, { revision, answer });
  }

  private answerApplied(): void {
    let n = 0;
    while (n < this.awaiting.length && this.awaiting[n]!.revision <= this.revision) n++;
    if (n === 0) return;
    for (const a of this.awaiting.splice(0, n)) a.answer();
  }

  // ---- compaction --------------------------------------------------------------------------------

  /**
   * One round of kube-apiserver's compactor: whoever swaps the compaction key from the value it
   * last saw compacts the store to the revision of one interval ago; the others only learn the
   * key's new revision. So however many control planes share the store, it is compacted once a round.
   */
  private compact(): void {
    const { keyRevision, revision } = this.compaction;
    this.store.txn([{ key: COMPACT_REV_KEY, modRevision: keyRevision }], [{ type: 'put', key: COMPACT_REV_KEY, value: String(revision) }], [{ type: 'get', key: COMPACT_REV_KEY }]).then(
      (r) => this.post(() => {
        this.compaction = { keyRevision: r.succeeded ? r.revision : (r.results[0]?.modRevision ?? 0), revision: r.revision };
        if (r.succeeded && revision > 0) {
          this.store.compact(revision).catch((err: Error) => {
            if (!(err instanceof StoreCompactedError)) console.error(`registry: compaction to ${revision} failed: ${err.message}`);
          });
        }
      }),
      (err: Error) => console.error(`registry: compaction round failed: ${err.message}`),
    );
  }

  // ---- reads -------------------------------------------------------------------------------------

  /**
   * Serves a get or list. On a store other control planes write too, the read is consistent, as
   * kube-apiserver's reads without a resourceVersion: a quorum read of the store's revision (reads
   * that arrive together share one), then the cache answers when it has that revision, else the
   * store itself at that revision. (Waiting for the cache to catch up needs etcd's watch progress
   * reports, which etcd 3.4.23, Debian's, may deliver ahead of the events they cover.) When the
   * store cannot be asked, the cache answers as it is.
   */
  private read(msg: ReadRequest): void {
    if (this.props.store !== 'etcd') return this.ctx.reply(this.serve(msg, this.cachedObjects(msg), this.revision));
    this.consistent.next.push({ msg, to: this.ctx.sender });
    if (!this.consistent.asking) this.askRevision();
  }

  /** Asks the store for its revision on behalf of the reads waiting for one. */
  private askRevision(): void {
    const reads = this.consistent.next;
    this.consistent.next = [];
    this.consistent.asking = true;
    const answer = (revision: number): void => {
      this.consistent.asking = false;
      for (const { msg, to } of reads) {
        if (revision <= this.revision) this.answerRead(to, this.serve(msg, this.cachedObjects(msg), this.revision));
        else this.readStore(msg, to, revision);
      }
      if (this.consistent.next.length > 0) this.askRevision();
    };
    this.store.txn([], [], []).then(
      (r) => this.post(() => answer(r.revision)),
      () => this.post(() => answer(0)),
    );
  }

  /** Serves a read from the store at `revision` (the cache is behind it). */
  private readStore(msg: ReadRequest, to: ActorRef | null, revision: number): void {
    const { resource } = msg;
    const prefix = msg.op === 'get' ? storeKey(resource, msg.namespace, msg.name) : RESOURCES[resource].namespaced && msg.filter.namespace ? storeKey(resource, msg.filter.namespace, '') : `${PREFIX}${resource}/`;
    this.store.range(prefix, { revision }).then(
      (r) =>
        this.post(() => {
          const objects = r.kvs.filter((kv) => msg.op !== 'get' || kv.key === prefix).map((kv) => decodeObject(kv.value, kv.modRevision));
          this.answerRead(to, this.serve(msg, objects, r.revision));
        }),
      (err: Error) => this.post(() => this.answerRead(to, { ok: false, error: internalError(`store read failed: ${err.message}`).info })),
    );
  }

  private answerRead(to: ActorRef | null, reply: RegistryReply): void {
    if (to) this.ctx.send(to, reply);
  }

  /** The cached objects a read chooses from. */
  private cachedObjects(msg: ReadRequest): Iterable<ApiObject> {
    const index = this.objects.get(msg.resource)!;
    if (msg.op === 'list') return index.candidates(msg.filter);
    const obj = index.get(storeKey(msg.resource, msg.namespace, msg.name));
    return obj ? [obj] : [];
  }

  /** The answer to a read, from `objects` (the cache's or the store's) as of `revision`. */
  private serve(msg: ReadRequest, objects: Iterable<ApiObject>, revision: number): RegistryReply {
    const { resource, version } = msg;
    if (msg.op === 'get') {
      for (const obj of objects) return { ok: true, code: 200, body: encodeAs(obj, version) };
      return { ok: false, error: notFoundInfo(resource, msg.name, version) };
    }
    const { filter } = msg;
    if (version === 'internal') {
      const items: string[] = [];
      for (const obj of objects) if (matches(resource, filter, obj)) items.push(JSON.stringify(obj));
      return { ok: true, code: 200, body: `{"revision":${revision},"items":[${items.join(',')}]}` };
    }
    const items: Buffer[] = [];
    for (const obj of objects) if (matches(resource, filter, obj)) items.push(encodeBytes(obj, version));
    const { head, tail } = CODECS[version].listEnvelope(resource, revision);
    return { ok: true, code: 200, body: listBytes(head, tail, items) };
  }

  // ---- writes ------------------------------------------------------------------------------------

  /** The latest state of an object: this registry's own last write, else the cache. */
  private latestObject(key: string): ApiObject | undefined {
    const known = this.writer.latest(key);
    if (!known) return undefined;
    return (known.object ??= decodeObject(known.value!, known.modRevision));
  }

  private create(resource: Resource, object: ApiObject, version: ApiVersion, reply: ReplyMode, dryRun = false): void {
    const { namespace, name } = object.metadata;
    const key = storeKey(resource, namespace, name);
    const to = this.replyTo(reply, version, 201);
    const refused = invalidity(resource, object, version);
    if (refused) return this.answer(to, { ok: false, error: refused });
    const nsKey = this.guardOf(resource, namespace);
    const creation = this.creation(resource, object, version);
    const mutate = (prev: ApiObject | undefined, guard: ApiObject | undefined): ObjectMutation => (prev ? { fail: alreadyExistsInfo(resource, name, version) } : creation(guard));
    if (dryRun) return this.answerDryRun(to, mutate(this.latestObject(key), nsKey === undefined ? undefined : this.latestObject(nsKey)));
    const put = (): void =>
      this.writeObject(
        key,
        mutate,
        (outcome) => {
          if (!outcome.ok && object.kind === 'Service') this.releaseClusterIP(object.spec.clusterIP);
          this.answerWrite(to, resource, name, outcome);
        },
        false,
        nsKey,
      );
    if (object.kind !== 'Service' || object.spec.clusterIP === 'None') return put();
    this.allocateClusterIP(object, (error) => {
      if (error) this.answer(to, { ok: false, error });
      else put();
    });
  }

  /** The key a create in `namespace` is guarded by (undefined: none, or the namespaces are followed). */
  private guardOf(resource: Resource, namespace: string): string | undefined {
    return RESOURCES[resource].namespaced && !this.followed ? storeKey('namespaces', '', namespace) : undefined;
  }

  /**
   * What a create of `object` writes, given its namespace's state (the guard's; in the registry of
   * events, the namespaces it follows, as Kubernetes' admission takes them from an informer).
   */
  private creation(resource: Resource, object: ApiObject, version: ApiVersion): (guard: ApiObject | undefined) => ObjectMutation {
    const { namespace, name } = object.metadata;
    object.metadata.uid = newUid();
    object.metadata.creationTimestamp = timestamp(this.ctx.clock.now());
    return (guard) => {
      if (!RESOURCES[resource].namespaced) return object;
      const followed = this.followed?.informer;
      const ns = followed ? followed.objects.get(`/${namespace}`) : guard;
      // kubectl's API checks the namespace exists (the 2014 API and the actors never did).
      if (version === 'v1' && !ns && (!followed || followed.synced)) return { fail: notFoundInfo('namespaces', namespace, version) };
      // Kubernetes' NamespaceLifecycle admission: nothing new in a namespace on its way out.
      if (ns?.kind === 'Namespace' && ns.status.phase === 'Terminating') {
        return { fail: forbidden(kindName(resource, version), name, `unable to create new content in namespace ${namespace} because it is being terminated`).info };
      }
      return object;
    };
  }

  private update(resource: Resource, object: ApiObject, version: ApiVersion, reply: ReplyMode, orCreate: boolean, dryRun = false): void {
    const { namespace, name, resourceVersion } = object.metadata;
    const key = storeKey(resource, namespace, name);
    const prev = this.latestObject(key);
    // Nothing there, nor on its way: a create (a Service's gets its address).
    if (!prev && orCreate && (dryRun || !this.writer.writing(key))) return this.create(resource, object, version, reply, dryRun);
    const to = this.replyTo(reply, version, 200);
    const refused = invalidity(resource, object, version);
    if (refused) return this.answer(to, { ok: false, error: refused });
    // A write of the key is under way (the event's create, say): whether this one updates or
    // creates is decided when its turn comes, from what that write left.
    const recreate = orCreate ? this.creation(resource, object, version) : undefined;
    const mutate = (current: ApiObject | undefined, guard?: ApiObject): ObjectMutation => {
      if (!current) return recreate ? recreate(guard) : { fail: notFoundInfo(resource, name, version) };
      if (resourceVersion && resourceVersion !== current.metadata.resourceVersion) return { fail: conflictInfo(resource, name, version) };
      // Identity and status belong to the server: an update changes metadata labels/annotations and spec.
      const next = { ...object, metadata: { ...object.metadata, uid: current.metadata.uid, creationTimestamp: current.metadata.creationTimestamp } } as ApiObject;
      if ('status' in current && 'status' in next) (next as { status: unknown }).status = current.status;
      if (current.kind === 'Pod' && next.kind === 'Pod' && !next.spec.host) next.spec = { ...next.spec, host: current.spec.host };
      // A service keeps its cluster IP (an update that leaves it out does not release it).
      if (current.kind === 'Service' && next.kind === 'Service') next.spec = { ...next.spec, clusterIP: current.spec.clusterIP };
      // A node's pod range is set once (a v1beta1 minion, which has none, keeps it).
      if (current.kind === 'Node' && next.kind === 'Node' && current.spec.podCIDR) {
        if (next.spec.podCIDR && next.spec.podCIDR !== current.spec.podCIDR) {
          return { fail: invalidOf(resource, name, version, [{ reason: 'FieldValueForbidden', message: 'Forbidden: node updates may not change podCIDR except from "" to valid', field: 'spec.podCIDR' }]) };
        }
        next.spec = { ...next.spec, podCIDR: current.spec.podCIDR };
      }
      return next;
    };
    if (dryRun) return this.answerDryRun(to, mutate(prev));
    this.writeObject(key, mutate, (outcome) => this.answerWrite(to, resource, name, outcome), false, recreate && this.guardOf(resource, namespace));
  }

  /** Answers a dry run with what its write would have made (judged on this registry's cache). */
  private answerDryRun(to: ReplyTo, outcome: ObjectMutation): void {
    if (outcome === null) return; // only deletions make null, and they have no dry run here
    if ('fail' in outcome) return this.answer(to, { ok: false, error: outcome.fail });
    this.answer(to, { ok: true, code: to.code, body: encodeAs(outcome, to.version) });
  }

  private remove(resource: Resource, namespace: string, name: string, version: ApiVersion, uid: string | undefined, reply: ReplyMode): void {
    const key = storeKey(resource, RESOURCES[resource].namespaced ? namespace : '', name);
    const to = this.replyTo(reply, version, 200);
    const prev = this.latestObject(key);
    if (!prev || (uid !== undefined && prev.metadata.uid !== uid)) return this.answer(to, { ok: false, error: notFoundInfo(resource, name, version) });
    if (resource === 'namespaces') return this.terminate(name, version, to);
    let deleted: ApiObject | undefined;
    this.writeObject(key, (current) => {
      if (!current || (uid !== undefined && current.metadata.uid !== uid)) return { fail: notFoundInfo(resource, name, version) };
      deleted = current;
      return null;
    }, (outcome) => {
      // A deletion is answered with the object as it was, at the deletion's revision.
      const object = outcome.ok ? ({ ...deleted!, metadata: { ...deleted!.metadata, resourceVersion: outcome.revision } } as ApiObject) : undefined;
      const answer = () => this.answerWrite(to, resource, name, outcome.ok ? { ...outcome, object } : outcome, true);
      // A deleted service's address is free again by the time the deletion is answered.
      if (outcome.ok && deleted?.kind === 'Service') this.releaseClusterIP(deleted.spec.clusterIP, answer);
      else answer();
    });
  }

  /**
   * Deleting a namespace, as Kubernetes does it: the namespace is marked Terminating in the store
   * (so every control plane refuses new content in it), then its contents are deleted, then it is
   * (see `finalizeNamespaces`). The deletion is answered with the Terminating namespace.
   */
  private terminate(name: string, version: ApiVersion, to: ReplyTo): void {
    this.writeObject(storeKey('namespaces', '', name), (current) => {
      if (current?.kind !== 'Namespace') return { fail: notFoundInfo('namespaces', name, version) };
      return { ...current, metadata: { ...current.metadata }, status: { phase: 'Terminating' } };
    }, (outcome) => this.answerWrite(to, 'namespaces', name, outcome, true));
  }

  /**
   * The namespace controller's work, done by every registry (a deletion that finds nothing is
   * harmless): each Terminating namespace loses its contents, and once it has none, itself. Its
   * state is in the store, so whichever control plane is up finishes what another began.
   */
  private finalizeNamespaces(): void {
    this.namespacesDirty = false;
    for (const namespace of this.terminating) {
      let empty = true;
      for (const r of Object.keys(RESOURCES) as Resource[]) {
        if (!RESOURCES[r].namespaced) continue;
        for (const obj of this.objects.get(r)!.candidates({ namespace })) {
          if (obj.metadata.namespace !== namespace) continue;
          empty = false;
          const key = storeKey(r, namespace, obj.metadata.name);
          if (this.finalizing.has(key)) continue;
          this.finalizing.add(key);
          this.writeObject(key, (current) => (current?.metadata.uid === obj.metadata.uid ? null : { fail: notFoundInfo(r, obj.metadata.name, 'internal') }), () => this.finalizing.delete(key));
        }
      }
      if (!empty) continue;
      // The registry of events says so, once; the main registry waits for it before the namespace goes.
      if (this.followed) {
        if (!this.followed.reported.has(namespace)) this.ctx.send(this.props.namespaces!, { op: 'purged', namespace });
        this.followed.reported.add(namespace);
        continue;
      }
      if (this.props.events && !this.purged.has(namespace)) continue;
      const key = storeKey('namespaces', '', namespace);
      if (this.finalizing.has(key)) continue;
      this.finalizing.add(key);
      this.writeObject(key, (current) => (current?.kind === 'Namespace' && current.status.phase === 'Terminating' ? null : { fail: notFoundInfo('namespaces', namespace, 'internal') }), () => this.finalizing.delete(key));
    }
  }

  private setStatus(msg: Extract<RegistryRequest, { op: 'setStatus' }>, reply: ReplyMode): void {
    const key = storeKey(msg.resource, RESOURCES[msg.resource].namespaced ? msg.namespace : '', msg.name);
    const version = msg.version ?? 'internal';
    const to = this.replyTo(reply, version, 200);
    const mutate = (current: ApiObject | undefined): ObjectMutation => {
      if (!current || (msg.uid !== undefined && current.metadata.uid !== msg.uid)) return { fail: notFoundInfo(msg.resource, msg.name, version) };
      if (msg.resourceVersion && msg.resourceVersion !== current.metadata.resourceVersion) return { fail: conflictInfo(msg.resource, msg.name, version) };
      if (!('status' in current)) return { fail: badRequest(`${RESOURCES[msg.resource].singular} has no status`).info };
      return { ...current, metadata: { ...current.metadata }, status: msg.status } as ApiObject;
    };
    if (msg.dryRun) return this.answerDryRun(to, mutate(this.latestObject(key)));
    this.writeObject(key, mutate, (outcome) => this.answerWrite(to, msg.resource, msg.name, outcome), true);
  }

  private bind(b: Binding): void {
    const key = storeKey('pods', b.namespace, b.name);
    const prev = this.latestObject(key);
    if (!prev || prev.kind !== 'Pod' || prev.metadata.uid !== b.uid || prev.spec.host) return;
    this.writeObject(key, (current) => {
      if (!current || current.kind !== 'Pod' || current.metadata.uid !== b.uid || current.spec.host) return { fail: badRequest('not bindable').info };
      return { ...current, metadata: { ...current.metadata }, spec: { ...current.spec, host: b.host } };
    }, () => {});
  }

  /**
   * Writes one object by compare-and-swap: `mutate` turns the key's latest object (undefined:
   * none) into the new one (null: delete it), and runs again from a fresh read when another writer
   * won the race.
   */
  private writeObject(
    key: string,
    mutate: (current: ApiObject | undefined, guard: ApiObject | undefined) => ObjectMutation,
    done: (outcome: WriteOutcome) => void,
    statusOnly = false,
    guard?: string,
  ): void {
    this.writer.submit({
      key,
      guard,
      mutate: (known, guarding): Mutation => {
        const current = known && (known.object ??= decodeObject(known.value!, known.modRevision));
        const next = mutate(current, guarding && (guarding.object ??= decodeObject(guarding.value!, guarding.modRevision)));
        if (next === null) return { delete: true };
        if ('fail' in next) return next;
        return { put: storeValue(next), object: next, statusOnly };
      },
      done,
    });
  }

  private replyTo(reply: ReplyMode, version: ApiVersion, code: number): ReplyTo {
    return { to: reply === false ? null : this.ctx.sender, quiet: reply === 'errors', version, code };
  }

  /** Answers a write once this registry's cache has it (so the writer reads it back). */
  private answerWrite(to: ReplyTo, resource: Resource, name: string, outcome: WriteOutcome, deletion = false): void {
    if (!outcome.ok) {
      const error = 'error' in outcome ? outcome.error : 'conflict' in outcome ? conflictInfo(resource, name, to.version) : { ...internalError(`store write failed: ${outcome.storeError}`).info, name };
      return this.answer(to, { ok: false, error });
    }
    if (!to.to || to.quiet) return;
    const object = outcome.object!;
    this.whenApplied(outcome.revision, () => {
      let body: string;
      if (deletion) body = to.version === 'internal' ? '{}' : CODECS[to.version].deleted(object);
      else body = to.version === 'internal' && outcome.value !== undefined ? internalJson(outcome.value, outcome.revision) : encodeAs(object, to.version);
      this.answer(to, { ok: true, code: to.code, body });
    });
  }

  private answer(to: ReplyTo, reply: RegistryReply): void {
    if (to.to && (!reply.ok || !to.quiet)) this.ctx.send(to.to, reply);
  }

  private fail(error: StatusInfo): void {
    this.ctx.reply({ ok: false, error } satisfies RegistryReply);
  }

  // ---- cluster IPs -------------------------------------------------------------------------------

  /** Takes `service`'s cluster IP (the one it asks for, or the next free one) in the stored range, then calls `done`. */
  private allocateClusterIP(service: Service, done: (error?: StatusInfo) => void): void {
    const wanted = service.spec.clusterIP;
    // An address outside the range is the user's to manage (the range only guards its own).
    if (wanted && !ServiceIPRange.contains(wanted)) return done();
    let ip = '';
    this.writer.submit({
      key: SERVICE_IPS_KEY,
      mutate: (known) => {
        const range = this.rangeOf(known);
        ip = wanted || range.firstFree(this.nextIPSlot);
        if (!ip) return { fail: internalError('no cluster IP left in 10.0.0.0/16').info };
        if (range.has(ip)) return { fail: invalid('Service', service.metadata.name, [{ reason: 'FieldValueInvalid', field: 'spec.clusterIP', message: `Invalid value: "${ip}": provided IP is already allocated` }]).info };
        return { put: range.with(ip).encode() };
      },
      done: (outcome) => {
        if (!outcome.ok) return done('error' in outcome ? outcome.error : internalError(`cluster IP allocation failed: ${'storeError' in outcome ? outcome.storeError : 'too many conflicts'}`).info);
        service.spec.clusterIP = ip;
        this.nextIPSlot = ServiceIPRange.after(ip);
        done();
      },
    });
  }

  /** Gives a cluster IP back to the range, then calls `done` (whether or not the write succeeded: the address then stays taken). */
  private releaseClusterIP(ip: string, done: () => void = () => {}): void {
    if (!ip || !ServiceIPRange.contains(ip)) return done();
    this.writer.submit({
      key: SERVICE_IPS_KEY,
      mutate: (known) => {
        const range = this.rangeOf(known);
        return range.has(ip) ? { put: range.without(ip).encode() } : { fail: badRequest('not allocated').info };
      },
      done,
    });
  }

  /** The stored range; before it was ever written, the one the cached services' addresses make. */
  private rangeOf(known: Known | undefined): ServiceIPRange {
    if (known) return ServiceIPRange.decode(known.value!);
    const ips: string[] = [];
    for (const svc of this.objects.get('services')!.values()) if (svc.kind === 'Service') ips.push(svc.spec.clusterIP);
    return ServiceIPRange.of(ips);
  }

  // ---- watches -----------------------------------------------------------------------------------

  private record(change: Change): void {
    this.history.push(change);
    if (this.history.length > (this.props.historySize ?? 10_000)) this.horizon = this.history.shift()!.revision;
    this.watchIndex.get(change.resource)!.forEach(change.object, change.prev, (w) => this.deliver(w, change, true));
    if (this.relaying.size > 0) {
      for (const [slot, targets] of this.relaying) {
        let batch = this.relayed.get(slot);
        if (!batch) this.relayed.set(slot, (batch = []));
        batch.push(change.json!, change.revision, targets);
      }
      this.relaying.clear();
    }
    change.json = change.value = undefined;
  }

  /** Sends what `record` gathered for other shards' watchers to their shards' relays. */
  private flushRelayed(): void {
    for (const [slot, batch] of this.relayed) {
      let relay = this.relays.get(slot);
      if (!relay) this.relays.set(slot, (relay = this.ctx.spawn(WatchRelay, `watch-relay-${slot}`, undefined, { slot })));
      this.ctx.send(relay, batch);
    }
    this.relayed.clear();
  }

  /**
   * Sends one change to a watcher as the event its filter sees (a label change can add or remove);
   * with `relay`, a watcher on another shard gets it through that shard's relay (watch-relay.ts).
   */
  private deliver(w: Watcher, change: Change, relay = false): void {
    if (change.statusOnly && w.statusChanges !== true) {
      if (w.statusChanges === false || change.object.kind !== 'Pod' || change.prev?.kind !== 'Pod') return;
      if (podReady(change.object) === podReady(change.prev)) return;
    }
    const now = matches(change.resource, w.filter, change.object);
    const before = change.prev !== undefined && change.type !== 'ADDED' && matches(change.resource, w.filter, change.prev);
    let type: string = change.type;
    if (change.type === 'MODIFIED') {
      if (now && !before) type = 'ADDED';
      else if (!now && before) type = 'DELETED';
      else if (!now) return;
    } else if (!now) return;
    if (w.version === 'internal') {
      if (w.inbox.slot === this.ctx.self.slot) {
        this.ctx.send(w.inbox, { watch: w.id, type: type as WatchEvent['type'], shared: change.object, revision: change.revision } satisfies WatchEvent);
        return;
      }
      change.json ??= change.value === undefined ? JSON.stringify(change.object) : internalJson(change.value, change.revision);
      if (relay && w.inbox.slot >= 0) {
        let targets = this.relaying.get(w.inbox.slot);
        if (!targets) this.relaying.set(w.inbox.slot, (targets = []));
        targets.push(w.inbox.id, w.id, type);
        return;
      }
      this.ctx.send(w.inbox, { watch: w.id, type: type as WatchEvent['type'], object: change.json, revision: change.revision } satisfies WatchEvent);
    } else this.ctx.send(w.inbox, `{"type":"${type}","object":${encode(change.object, w.version)}}`);
  }

  private watch(msg: Extract<RegistryRequest, { op: 'watch' }>): void {
    const internal = msg.version === 'internal';
    const from = msg.fromRevision;
    if (from > 0 && from < this.horizon) {
      if (internal) return this.ctx.send(msg.inbox, { watch: msg.id, type: 'GONE', revision: this.revision } satisfies WatchEvent);
      return this.fail(gone(`too old resource version: ${from} (${this.horizon})`).info);
    }
    const old = this.watchers.get(msg.id);
    if (old) this.watchIndex.get(old.resource)!.delete(old);
    const w: Watcher = { id: msg.id, resource: msg.resource, filter: msg.filter, version: msg.version, inbox: msg.inbox, statusChanges: msg.statusChanges ?? true };
    if (!internal) this.ctx.reply({ ok: true, code: 200, body: '' } satisfies RegistryReply);
    if (from > 0) {
      for (const change of this.history) {
        if (change.revision <= from || change.resource !== w.resource) continue;
        this.deliver(w, change);
        change.json = undefined;
      }
    } else {
      // No resourceVersion: the current state first, as ADDED events, then every change.
      for (const obj of this.objects.get(w.resource)!.candidates(w.filter)) {
        if (!matches(w.resource, w.filter, obj)) continue;
        if (internal) {
          const local = w.inbox.slot === this.ctx.self.slot;
          const event: WatchEvent = local
            ? { watch: w.id, type: 'ADDED', shared: obj, revision: obj.metadata.resourceVersion }
            : { watch: w.id, type: 'ADDED', object: JSON.stringify(obj), revision: obj.metadata.resourceVersion };
          this.ctx.send(w.inbox, event);
        } else this.ctx.send(w.inbox, `{"type":"ADDED","object":${encode(obj, msg.version as WireVersion)}}`);
      }
    }
    if (internal) this.ctx.send(w.inbox, { watch: w.id, type: 'SYNCED', revision: this.revision } satisfies WatchEvent);
    this.watchers.set(msg.id, w);
    this.watchIndex.get(w.resource)!.add(w);
    // An actor's watches end with it (a stopped controller, a crashed shard's minions).
    if (internal) this.ctx.watch(w.inbox);
  }

  /** Ends watches whose history is lost: GONE (internal) or a 410 ERROR event (the API's). */
  private endWatches(watchers: Map<string, Watcher>): void {
    for (const w of watchers.values()) {
      this.ctx.send(w.inbox, w.version === 'internal' ? ({ watch: w.id, type: 'GONE', revision: 0 } satisfies WatchEvent) : watchGoneLine(w.version));
      this.watchIndex.get(w.resource)?.delete(w);
    }
    watchers.clear();
  }

  override onTerminated(ref: ActorRef): void {
    if (this.followed && sameRef(ref, this.props.namespaces)) this.ctx.timers.once('rewatch', REWATCH_MS, { op: 'rewatch' });
    for (const [id, w] of this.watchers) {
      if (w.inbox.id !== ref.id || w.inbox.slot !== ref.slot) continue;
      this.watchers.delete(id);
      this.watchIndex.get(w.resource)!.delete(w);
    }
  }
}

/**
 * A random uid as one flat string. `randomUUID()` returns a rope of some twenty pieces (its hex
 * bytes joined one by one), about 450 bytes where the flat string takes 56: and every object the
 * registry holds keeps its uid.
 */
function newUid(): string {
  return Buffer.from(randomUUID(), 'latin1').toString('latin1');
}

/** An object as stored, at its mod revision. */
function decodeObject(value: string, modRevision: number): ApiObject {
  const object = JSON.parse(value) as ApiObject;
  object.metadata.resourceVersion = modRevision;
  return object;
}

/** Whether two states of an object differ in their status (and resourceVersion) only. */
function sameButStatus(a: ApiObject, b: ApiObject): boolean {
  const strip = (o: ApiObject) => JSON.stringify({ ...o, status: undefined, metadata: { ...o.metadata, resourceVersion: 0 } });
  return 'status' in a && strip(a) === strip(b);
}

/** The resource of an object's store key (`/registry/pods/default/x`), or undefined for other keys. */
function resourceOfKey(key: string): Resource | undefined {
  const end = key.indexOf('/', PREFIX.length);
  const resource = key.slice(PREFIX.length, end < 0 ? undefined : end);
  return end > 0 && Object.hasOwn(RESOURCES, resource) ? (resource as Resource) : undefined;
}

/** Why `object` may not be written (Invalid, its fields in `version`'s terms), or undefined when it is valid. */
function invalidity(resource: Resource, object: ApiObject, version: ApiVersion): StatusInfo | undefined {
  let causes: StatusCause[];
  try {
    causes = validate(object);
  } catch (err) {
    // Only an actor's write can get here (the API decodes what it is sent): not the model's shape.
    return badRequest(`${kindName(resource, version)} ${JSON.stringify(object?.metadata?.name ?? '')} is not a ${RESOURCES[resource].kind} object: ${(err as Error).message}`).info;
  }
  return causes.length === 0 ? undefined : invalidOf(resource, object.metadata.name, version, causes);
}

/** An Invalid Status for `causes` (internal field paths), in `version`'s terms. */
function invalidOf(resource: Resource, name: string, version: ApiVersion, causes: StatusCause[]): StatusInfo {
  if (version === 'internal') return invalid(RESOURCES[resource].kind, name, causes).info;
  const codec = CODECS[version];
  return invalid(codec.invalidKind(resource), name, causes.map((c) => ({ ...c, field: codec.fieldPath(resource, c.field) }))).info;
}

/** How errors name a resource in `version`. */
function kindName(resource: Resource, version: ApiVersion): string {
  return version === 'internal' ? RESOURCES[resource].singular : CODECS[version].kindName(resource);
}

function notFoundInfo(resource: Resource, name: string, version: ApiVersion): StatusInfo {
  return notFound(kindName(resource, version), name).info;
}

function alreadyExistsInfo(resource: Resource, name: string, version: ApiVersion): StatusInfo {
  return alreadyExists(kindName(resource, version), name).info;
}

function conflictInfo(resource: Resource, name: string, version: ApiVersion): StatusInfo {
  const detail = 'the object has been modified; please apply your changes to the latest version and try again';
  return conflict(kindName(resource, version), name, detail).info;
}
