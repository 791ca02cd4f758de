/**
 * The registry owns the store: every read and write of API objects goes through this one actor,
 * so writes are ordered and checked (optimistic concurrency) in one place. It keeps the committed
 * objects in memory (a watch cache over the store), a bounded history of changes for watches, and
 * each object's encoding per API version, so a list is a join of cached strings.
 *
 * Writes are group-committed: while commits are in flight, later writes gather into the next.
 * A writer is answered only after its commit is durable; readers see committed state only.
 */
import { randomUUID } from 'node:crypto';
import { Actor, type ActorRef } from '../src/kernel/index.js';
import { emptyMeta, podReady, timestamp, type ApiObject } from '../src/api/model.js';
import { RESOURCES, storeKey, type Resource } from '../src/api/resources.js';
import { matches, type Filter } from '../src/api/filter.js';
import { alreadyExists, badRequest, conflict, gone, internalError, invalid, notFound, type StatusInfo } from '../src/api/status.js';
import { CODECS, watchGoneLine, type WireVersion } from '../src/api/codecs.js';
import { LmdbStore } from '../src/store/lmdb.js';
import { MemoryStore } from '../src/store/memory.js';
import { StoreConflictError, type Store, type StoreKind, type WriteOp } from '../src/store/store.js';
import { WatchIndex } from '../src/api/watch-index.js';
import { ObjectIndex } from '../src/api/object-index.js';

export type { Filter } from '../src/api/filter.js';

/**
 * The encodings the registry answers in: a wire version for the gateway, or `internal` (the
 * internal model as JSON) for the cluster's actors.
 */
export type ApiVersion = WireVersion | 'internal';

/**
 * How a write is answered: `true` (default) always; `false` never (fire and forget: a controller
 * learns the outcome from its watch, as a level-triggered loop should); `'errors'` only when it
 * fails (with the object's name in the Status).
 */
export type ReplyMode = boolean | 'errors';

/** What the gateway and the cluster's actors ask the registry. */
export type RegistryRequest =
  | { op: 'get'; resource: Resource; namespace: string; name: string; version: ApiVersion }
  | { op: 'list'; resource: Resource; filter: Filter; version: ApiVersion }
  | { op: 'create'; resource: Resource; object: ApiObject; version: ApiVersion; reply?: ReplyMode }
  /**
   * `orCreate` creates the object when there is none to update: an event recorder's write, as
   * client-go's recorder creates an event again when its update finds it expired.
   */
  | { op: 'update'; resource: Resource; object: ApiObject; version: ApiVersion; reply?: ReplyMode; orCreate?: boolean }
  | { op: 'delete'; resource: Resource; namespace: string; name: string; version: ApiVersion; uid?: string; reply?: ReplyMode }
  /** Replaces an object's status (kubelets, controllers); `uid`, when given, must match. */
  | { op: 'setStatus'; resource: Resource; namespace: string; name: string; uid?: string; status: unknown; reply?: ReplyMode }
  /** Binds unbound pods to minions (the scheduler); a pod gone, recreated or already bound is skipped. */
  | { op: 'bind'; bindings: Binding[] }
  /**
   * `statusChanges: false` leaves out changes that only replaced the status (for watchers that
   * only act on spec); `'readiness'` keeps, of those, the ones that made a pod ready or unready.
   */
  | { op: 'watch'; id: string; resource: Resource; filter: Filter; fromRevision: number; version: ApiVersion; inbox: ActorRef; statusChanges?: StatusChanges }
  | { op: 'unwatch'; id: string };

/** Which status-only changes a watcher receives: all (default), none, or pod readiness flips. */
export type StatusChanges = boolean | 'readiness';

/** One pod's binding to a minion. */
export interface Binding {
  namespace: string;
  name: string;
  uid: string;
  host: string;
}

/**
 * What an `internal` watcher receives: changes with the object as internal-model JSON, `SYNCED`
 * once the initial state (or the replayed history) has been sent, and `GONE` when the registry
 * restarted and the watcher must watch again from a fresh list.
 */
export interface WatchEvent {
  watch: string;
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'SYNCED' | 'GONE';
  /** The object (internal model, JSON) for changes, when the watcher is on another shard. */
  object?: string;
  /**
   * The object itself, for a watcher on the registry's own shard: shared, not copied, so it must
   * never be changed (every object the registry holds is replaced, never modified).
   */
  shared?: ApiObject;
  revision: number;
}

/**
 * The registry's answer: an encoded body, or a Status to render. A list is UTF-8 bytes in a
 * SharedArrayBuffer: it crosses to the gateway without a copy and goes to the socket as it is.
 */
export type RegistryReply = { ok: true; code: number; body: string | SharedArrayBuffer } | { ok: false; error: StatusInfo };



/** Props: which store, where, and how much history to keep for watches. */
export interface RegistryProps {
  store: StoreKind;
  /** The lmdb folder, or the name under which a memory store survives registry restarts. */
  path: string;
  /** Changes kept for watches that resume from a resourceVersion (default 10,000). */
  historySize?: number;
}

type Internal = { op: 'committed'; batch: number; revisions: number[] } | { op: 'commitFailed'; batch: number; conflict: boolean; message: string };

interface PendingWrite {
  op: WriteOp;
  resource: Resource;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  prev: ApiObject | undefined;
  replyTo: ActorRef | null;
  /** Answer only a failure. */
  quiet?: boolean;
  /** A status write. */
  statusOnly?: boolean;
  version: ApiVersion;
  code: number;
}

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
}

interface Watcher {
  id: string;
  resource: Resource;
  filter: Filter;
  version: ApiVersion;
  inbox: ActorRef;
  statusChanges: StatusChanges;
}

/** Commits that may overlap (see `flush`). */
const MAX_IN_FLIGHT = 4;

// A memory store outlives a restart of the registry (not of its shard): a bug must not wipe the cluster.
const memoryStores = new Map<string, MemoryStore>();
// So do the watchers, by store path: a restarted registry has lost the history they were following,
// so it ends their streams with an ERROR (410 Gone) and clients watch again from a fresh list.
const watchersByPath = new Map<string, Map<string, Watcher>>();

/** Each object's encoding per wire version, made once (objects are never changed once stored). */
const encodings = new Map<WireVersion, WeakMap<ApiObject, string>>();
const encodedBytes = new Map<WireVersion, WeakMap<ApiObject, Buffer>>();

/** An object in the encoding a request asked for. */
function encodeAs(obj: ApiObject, version: ApiVersion): string {
  return version === 'internal' ? JSON.stringify(obj) : encode(obj, version);
}

/** The wire JSON of an object, cached. */
function encode(obj: ApiObject, version: WireVersion): string {
  let cache = encodings.get(version);
  if (!cache) encodings.set(version, (cache = new WeakMap()));
  let json = cache.get(obj);
  if (json === undefined) {
    json = JSON.stringify(CODECS[version].encode(obj));
    cache.set(obj, json);
  }
  return json;
}

/** The same as bytes, cached too: a list is then a concatenation of bytes. */
function encodeBytes(obj: ApiObject, version: WireVersion): Buffer {
  let cache = encodedBytes.get(version);
  if (!cache) encodedBytes.set(version, (cache = new WeakMap()));
  let bytes = cache.get(obj);
  if (bytes === undefined) {
    bytes = Buffer.from(encode(obj, version));
    cache.set(obj, bytes);
  }
  return bytes;
}

/** Joins encoded items into one list document in shared memory. */
function listBytes(head: string, tail: string[], items: Buffer[]): SharedArrayBuffer {
  let itemsLength = Math.max(0, items.length - 1);
  for (const b of items) itemsLength += b.length;
  const parts = [head, ...tail];
  const length = parts.reduce((n, p) => n + Buffer.byteLength(p), 0) + itemsLength * tail.length;
  const sab = new SharedArrayBuffer(length);
  const out = Buffer.from(sab);
  let at = out.write(head, 0);
  for (const t of tail) {
    for (let i = 0; i < items.length; i++) {
      if (i > 0) out[at++] = 0x2c; // ','
      at += items[i]!.copy(out, at);
    }
    at += out.write(t, at);
  }
  return sab;
}

/** The registry actor. */
export class Registry extends Actor<RegistryRequest | Internal, RegistryProps> {
  static override readonly kind = 'helmsman.registry';

  private store!: Store;
  private readonly objects = new Map<Resource, ObjectIndex>();
  /** Uncommitted writes by key (null: a pending delete), for conflict checks. */
  private readonly pending = new Map<string, ApiObject | null>();
  private batch: PendingWrite[] = [];
  /** Commits under way, in the order they were started (they are applied in that order). */
  private readonly inFlight = new Map<number, { writes: PendingWrite[]; outcome?: Internal }>();
  private batchSeq = 0;
  private revision = 0;
  private readonly history: Change[] = [];
  /** The oldest revision from which a watch can resume. */
  private horizon = 0;
  private watchers = new Map<string, Watcher>();
  /** Services' cluster IPs in use, and where the search for a free one starts. */
  private readonly clusterIPs = new Set<string>();
  private nextClusterIP = 1;
  private readonly watchIndex = new Map<Resource, WatchIndex<Watcher>>();

  override async preStart(): Promise<void> {
    const orphans = watchersByPath.get(this.props.path);
    if (orphans) for (const w of orphans.values()) this.ctx.send(w.inbox, w.version === 'internal' ? ({ watch: w.id, type: 'GONE', revision: 0 } satisfies WatchEvent) : watchGoneLine(w.version));
    this.watchers = new Map();
    watchersByPath.set(this.props.path, this.watchers);
    if (this.props.store === 'lmdb') this.store = LmdbStore.open(this.props.path);
    else {
      let mem = memoryStores.get(this.props.path);
      if (!mem) memoryStores.set(this.props.path, (mem = new MemoryStore()));
      this.store = mem;
    }
    for (const r of Object.keys(RESOURCES) as Resource[]) {
      this.objects.set(r, new ObjectIndex());
      this.watchIndex.set(r, new WatchIndex());
    }
    const snapshot = await this.store.load();
    for (const { key, value } of snapshot.objects) {
      this.objects.get(resourceOfKey(key))?.set(key, value);
      if (value.kind === 'Service' && value.spec.clusterIP) this.clusterIPs.add(value.spec.clusterIP);
    }
    this.revision = this.horizon = snapshot.revision;
    // Kubernetes starts with the `default` namespace.
    if (!this.objects.get('namespaces')!.get(storeKey('namespaces', '', 'default'))) {
      const ns: ApiObject = { kind: 'Namespace', metadata: emptyMeta('default'), spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } };
      this.create('namespaces', ns, 'internal', false);
    }
  }

  override async postStop(): Promise<void> {
    if (this.props.store === 'lmdb') await this.store.close();
  }

  receive(msg: RegistryRequest | Internal): void {
    switch (msg.op) {
      case 'get':
        return this.get(msg.resource, msg.namespace, msg.name, msg.version);
      case 'list':
        return this.list(msg.resource, msg.filter, msg.version);
      case 'create':
        return this.create(msg.resource, msg.object, msg.version, msg.reply ?? true);
      case 'update':
        return this.update(msg.resource, msg.object, msg.version, msg.reply ?? true, msg.orCreate ?? false);
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
      case 'committed':
      case 'commitFailed':
        return this.settle(msg);
    }
  }

  // ---- reads -------------------------------------------------------------------------------------

  private get(resource: Resource, namespace: string, name: string, version: ApiVersion): void {
    const obj = this.objects.get(resource)!.get(storeKey(resource, namespace, name));
    if (!obj) return this.fail(notFoundInfo(resource, name, version));
    this.ctx.reply({ ok: true, code: 200, body: encodeAs(obj, version) } satisfies RegistryReply);
  }

  private list(resource: Resource, filter: Filter, version: ApiVersion): void {
    if (version === 'internal') {
      const items: string[] = [];
      for (const obj of this.objects.get(resource)!.candidates(filter)) if (matches(resource, filter, obj)) items.push(JSON.stringify(obj));
      this.ctx.reply({ ok: true, code: 200, body: `{"revision":${this.revision},"items":[${items.join(',')}]}` } satisfies RegistryReply);
      return;
    }
    const items: Buffer[] = [];
    for (const obj of this.objects.get(resource)!.candidates(filter)) if (matches(resource, filter, obj)) items.push(encodeBytes(obj, version));
    const { head, tail } = CODECS[version].listEnvelope(resource, this.revision);
    this.ctx.reply({ ok: true, code: 200, body: listBytes(head, tail, items) } satisfies RegistryReply);
  }

  // ---- writes ------------------------------------------------------------------------------------

  /** The latest state of a key, committed or pending. */
  private current(resource: Resource, key: string): ApiObject | undefined {
    const pending = this.pending.get(key);
    if (pending !== undefined) return pending ?? undefined;
    return this.objects.get(resource)!.get(key);
  }

  private create(resource: Resource, object: ApiObject, version: ApiVersion, reply: ReplyMode): void {
    const { namespace, name } = object.metadata;
    const key = storeKey(resource, namespace, name);
    if (this.current(resource, key)) return this.fail(alreadyExistsInfo(resource, name, version), reply);
    // kubectl's API checks the namespace exists (the 2014 API and the actors never did).
    if (version === 'v1' && RESOURCES[resource].namespaced && !this.current('namespaces', storeKey('namespaces', '', namespace))) {
      return this.fail(notFoundInfo('namespaces', namespace, version), reply);
    }
    if (object.kind === 'Service') {
      const ip = object.spec.clusterIP || this.allocateClusterIP();
      if (!ip) return this.fail(internalError('no cluster IP left in 10.0.0.0/16').info, reply);
      if (ip !== 'None' && this.clusterIPs.has(ip) && object.spec.clusterIP) {
        return this.fail(invalid('Service', name, [{ reason: 'FieldValueInvalid', field: 'spec.clusterIP', message: `Invalid value: "${ip}": provided IP is already allocated` }]).info, reply);
      }
      object.spec.clusterIP = ip;
      if (ip !== 'None') this.clusterIPs.add(ip);
    }
    object.metadata.uid = newUid();
    object.metadata.creationTimestamp = timestamp(this.ctx.clock.now());
    object.metadata.resourceVersion = 0;
    this.write({ op: { type: 'put', key, value: object, expect: 0 }, resource, type: 'ADDED', prev: undefined, replyTo: reply === false ? null : this.ctx.sender, quiet: reply === 'errors', version, code: 201 });
  }

  private update(resource: Resource, object: ApiObject, version: ApiVersion, reply: ReplyMode, orCreate: boolean): void {
    const { namespace, name, resourceVersion } = object.metadata;
    const key = storeKey(resource, namespace, name);
    const prev = this.current(resource, key);
    if (!prev && orCreate) return this.create(resource, object, version, reply);
    if (!prev) return this.fail(notFoundInfo(resource, name, version), reply);
    if (resourceVersion && resourceVersion !== prev.metadata.resourceVersion) {
      return this.fail(conflictInfo(resource, name, version), reply);
    }
    // Identity and status belong to the server: an update changes metadata labels/annotations and spec.
    object.metadata = { ...object.metadata, uid: prev.metadata.uid, creationTimestamp: prev.metadata.creationTimestamp };
    if ('status' in prev && 'status' in object) (object as { status: unknown }).status = prev.status;
    if (prev.kind === 'Pod' && object.kind === 'Pod' && !object.spec.host) object.spec.host = prev.spec.host;
    // A service keeps its cluster IP (an update that leaves it out does not release it).
    if (prev.kind === 'Service' && object.kind === 'Service') object.spec.clusterIP = prev.spec.clusterIP;
    this.modify(resource, key, prev, object, version, reply);
  }

  private remove(resource: Resource, namespace: string, name: string, version: ApiVersion, uid: string | undefined, reply: ReplyMode): void {
    const key = storeKey(resource, RESOURCES[resource].namespaced ? namespace : '', name);
    const prev = this.current(resource, key);
    if (!prev || (uid !== undefined && prev.metadata.uid !== uid)) return this.fail(notFoundInfo(resource, name, version), reply);
    if (resource === 'namespaces') this.removeContents(name);
    const expect = this.pending.has(key) ? undefined : prev.metadata.resourceVersion;
    this.write({ op: { type: 'delete', key, expect }, resource, type: 'DELETED', prev, replyTo: reply === false ? null : this.ctx.sender, quiet: reply === 'errors', version, code: 200 });
  }

  /** The next free address of the services' range (10.0.0.0/16, as 2014's portal net), or '' when none is left. */
  private allocateClusterIP(): string {
    for (let i = 0; i < 65_534; i++) {
      const n = ((this.nextClusterIP - 1 + i) % 65_534) + 1;
      const ip = `10.0.${n >> 8}.${n & 255}`;
      if (this.clusterIPs.has(ip)) continue;
      this.nextClusterIP = (n % 65_534) + 1;
      return ip;
    }
    return '';
  }

  /** Deletes every object in a namespace that is being deleted (Kubernetes' namespace controller does it in the background). */
  private removeContents(namespace: string): void {
    for (const r of Object.keys(RESOURCES) as Resource[]) {
      if (!RESOURCES[r].namespaced) continue;
      for (const obj of [...this.objects.get(r)!.candidates({ namespace })]) {
        if (obj.metadata.namespace === namespace) this.remove(r, namespace, obj.metadata.name, 'internal', undefined, false);
      }
    }
  }

  private setStatus(msg: Extract<RegistryRequest, { op: 'setStatus' }>, reply: ReplyMode): void {
    const key = storeKey(msg.resource, RESOURCES[msg.resource].namespaced ? msg.namespace : '', msg.name);
    const prev = this.current(msg.resource, key);
    if (!prev || (msg.uid !== undefined && prev.metadata.uid !== msg.uid)) return this.fail(notFoundInfo(msg.resource, msg.name, 'internal'), reply);
    if (!('status' in prev)) return this.fail(badRequest(`${RESOURCES[msg.resource].singular} has no status`).info, reply);
    const object = { ...prev, metadata: { ...prev.metadata }, status: msg.status } as ApiObject;
    this.modify(msg.resource, key, prev, object, 'internal', reply, true);
  }

  private bind(b: Binding): void {
    const key = storeKey('pods', b.namespace, b.name);
    const prev = this.current('pods', key);
    if (!prev || prev.kind !== 'Pod' || prev.metadata.uid !== b.uid || prev.spec.host) return;
    const object: ApiObject = { ...prev, metadata: { ...prev.metadata }, spec: { ...prev.spec, host: b.host } };
    this.modify('pods', key, prev, object, 'internal', false);
  }

  /** Writes a new state of an existing object. */
  private modify(resource: Resource, key: string, prev: ApiObject, object: ApiObject, version: ApiVersion, reply: ReplyMode, statusOnly = false): void {
    const expect = this.pending.has(key) ? undefined : prev.metadata.resourceVersion;
    this.write({ op: { type: 'put', key, value: object, expect }, resource, type: 'MODIFIED', prev, replyTo: reply === false ? null : this.ctx.sender, quiet: reply === 'errors', version, code: 200, statusOnly });
  }

  private write(w: PendingWrite): void {
    this.pending.set(w.op.key, w.op.type === 'put' ? w.op.value : null);
    this.batch.push(w);
    this.flush();
  }

  /**
   * Starts committing the gathered writes. Up to MAX_IN_FLIGHT commits overlap (the next one need
   * not wait for the previous one's flush to disk); their outcomes are applied in order.
   */
  private flush(): void {
    while (this.inFlight.size < MAX_IN_FLIGHT && this.batch.length > 0) {
      const writes = this.batch;
      this.batch = [];
      const batch = ++this.batchSeq;
      this.inFlight.set(batch, { writes });
      const self = this.ctx.self;
      this.store.commit(writes.map((w) => w.op)).then(
        (revisions) => this.ctx.send(self, { op: 'committed', batch, revisions }),
        (err: Error) => this.ctx.send(self, { op: 'commitFailed', batch, conflict: err instanceof StoreConflictError, message: err.message }),
      );
    }
  }

  /** Records a commit's outcome, then applies every finished commit at the head of the line. */
  private settle(outcome: Internal): void {
    this.inFlight.get(outcome.batch)!.outcome = outcome;
    for (const [batch, entry] of this.inFlight) {
      if (!entry.outcome) break;
      this.inFlight.delete(batch);
      if (entry.outcome.op === 'committed') this.committed(entry.writes, entry.outcome.revisions);
      else this.commitFailed(entry.writes, entry.outcome.conflict, entry.outcome.message);
    }
    this.flush();
  }

  private committed(writes: PendingWrite[], revisions: number[]): void {
    writes.forEach((w, i) => {
      const revision = revisions[i]!;
      const objects = this.objects.get(w.resource)!;
      const key = w.op.key;
      let object: ApiObject;
      if (w.op.type === 'put') {
        object = w.op.value;
        objects.set(key, object);
      } else {
        objects.delete(key);
        if (w.prev?.kind === 'Service') this.clusterIPs.delete(w.prev.spec.clusterIP);
        // A deletion is reported with the object as it was, at the deletion's revision.
        object = { ...w.prev!, metadata: { ...w.prev!.metadata, resourceVersion: revision } } as ApiObject;
      }
      if (this.pending.get(key) === (w.op.type === 'put' ? w.op.value : null)) this.pending.delete(key);
      this.revision = revision;
      this.record({ revision, resource: w.resource, type: w.type, object, prev: w.prev, statusOnly: w.statusOnly });
      if (w.replyTo && !w.quiet) {
        const body = w.op.type === 'put' ? encodeAs(object, w.version) : w.version === 'internal' ? '{}' : CODECS[w.version].deleted(object);
        this.ctx.send(w.replyTo, { ok: true, code: w.code, body } satisfies RegistryReply);
      }
    });
  }

  private commitFailed(writes: PendingWrite[], isConflict: boolean, message: string): void {
    for (const w of writes) {
      if (this.pending.get(w.op.key) === (w.op.type === 'put' ? w.op.value : null)) this.pending.delete(w.op.key);
      const name = w.prev?.metadata.name ?? (w.op.type === 'put' ? w.op.value.metadata.name : '');
      const error = isConflict ? conflictInfo(w.resource, name, w.version) : { ...internalError(`store commit failed: ${message}`).info, name };
      if (w.replyTo) this.ctx.send(w.replyTo, { ok: false, error } satisfies RegistryReply);
    }
  }

  private fail(error: StatusInfo, reply: ReplyMode = true): void {
    if (reply !== false) this.ctx.reply({ ok: false, error } satisfies RegistryReply);
  }

  // ---- watches -----------------------------------------------------------------------------------

  private record(change: Change): void {
    this.history.push(change);
    if (this.history.length > (this.props.historySize ?? 10_000)) this.horizon = this.history.shift()!.revision;
    this.watchIndex.get(change.resource)!.forEach(change.object, change.prev, (w) => this.deliver(w, change));
    change.json = undefined;
  }

  /** Sends one change to a watcher as the event its filter sees (a label change can add or remove). */
  private deliver(w: Watcher, change: Change): void {
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
      change.json ??= JSON.stringify(change.object);
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

  override onTerminated(ref: ActorRef): void {
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

function resourceOfKey(key: string): Resource {
  return key.split('/')[2] as Resource;
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
