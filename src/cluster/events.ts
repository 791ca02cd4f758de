/**
 * EventRecorder: how an actor records `Event`s about the objects it acts on, as client-go's
 * `tools/record` does for Kubernetes' components. Every event goes through a correlator first
 * (`events_cache.go`'s EventCorrelator):
 *
 * - the **aggregator**: more than 10 events of one object and reason that differ only by message
 *   within 10 minutes become one event, `(combined from similar events): <latest message>`;
 * - the **logger**: the same event again (object, field, type, reason, message) within 10 minutes
 *   is not a new object but the old one with `count` + 1 and a new `lastTimestamp` (an `update` of
 *   the same name);
 * - the **spam filter**: a token bucket per source and object (burst 25, one more every 5
 *   minutes) drops the excess, so a crash-looping pod cannot flood the registry.
 *
 * All of its state is per involved object, kept in a bounded LRU map as the correlator's caches
 * are. Writes are fire and forget (`reply: false`): an event is a diagnostic, never worth holding
 * an actor or retrying; a lost one is a shorter history, not a wrong cluster.
 *
 * Writes leave once the actor's synchronous work is done (a microtask, or `flush()`), and the
 * repeats of one event within it are one write with their last count and message: a replication
 * controller creating a hundred pods in one turn writes its combined `SuccessfulCreate` event
 * once, where client-go sends an update for each repeat the spam filter lets through (15) that
 * end in the same object.
 *
 * Kubernetes learns when an update hits an event that has expired (a NotFound) and creates it
 * again; a fire-and-forget writer cannot, so its updates ask the registry to do that for it
 * (`orCreate`): an event that expired, or that the event TTL controller deleted to keep within
 * `maxEvents`, comes back with its count. A repeat older than the correlation window (10 minutes)
 * is recorded as a new event instead of an update.
 */
import type { ActorRef, Clock } from '../kernel/index.js';
import { timestamp, type ApiObject, type Event, type ObjectReference } from '../api/model.js';
import { generatedNameBase } from '../api/names.js';
import type { RegistryRequest } from '../registry/protocol.js';

/** Kubernetes' two event types. */
export type EventType = 'Normal' | 'Warning';

/** Who records: `default-scheduler`, `kubelet` (with its minion as `host`), `replication-controller`, `node-controller`. */
export interface EventSource {
  component: string;
  host?: string;
}

/** What a recorder needs of its actor: the actor's `ctx` fits. */
export interface EventSink {
  send(ref: ActorRef<any>, msg: RegistryRequest): void;
  readonly clock: Clock;
}

/** Correlator settings; the defaults are client-go's. */
export interface EventRecorderOptions {
  /** Events a source may record about one object at once (default 25). */
  burst?: number;
  /** How often the bucket gains a token back (default 300,000 ms: one every 5 minutes). */
  refillEveryMs?: number;
  /** How long a repeat counts as the same event, and similar events as one group (default 600,000 ms). */
  windowMs?: number;
  /** Distinct messages of one reason within the window from which they are combined (default 10). */
  maxSimilar?: number;
  /** Objects whose history is kept (default 4,096, client-go's LRU size). */
  cacheSize?: number;
}

/** What the logger remembers of one event: enough to update it. */
interface Seen {
  /** The name's suffix after `<involvedObject.name>.` (kept alone: memory is per pod, per event). */
  suffix: string;
  firstTimestamp: string;
  count: number;
  lastMs: number;
  /** Whether the registry was ever sent it (the spam filter may have dropped the first). */
  written: boolean;
}

/** What the aggregator remembers of one reason: distinct messages in the current window. */
interface Group {
  distinct: number;
  lastMs: number;
}

/** Everything known about one involved object. */
interface ObjectRecord {
  /** The spam filter's token bucket. */
  tokens: number;
  refilledAt: number;
  /** Seen events (`\0`-joined field, type, reason, message) and groups (`\u0001`-prefixed), in the order they came. */
  entries: Map<string, Seen | Group>;
}

/** Entries kept per object beyond which the oldest go (a probe failing with ever new messages). */
const MAX_ENTRIES_PER_OBJECT = 64;

/** The prefix of an aggregated event's message (client-go's EventAggregatorByReasonMessageFunc). */
export const COMBINED_PREFIX = '(combined from similar events): ';

/** Records events for one source; see the module comment. */
export class EventRecorder {
  private readonly registry: ActorRef;
  private readonly objects = new Map<string, ObjectRecord>();
  /** Writes waiting for `flush`, by the event they write: the last state of each, and whether it is a create. */
  private readonly pending = new Map<Seen, { event: Event; create: boolean }>();
  private readonly flushFn = (): void => this.flush();
  /** The most recently used key: a pod actor's recorder sees one object only, so its LRU order needs no moves. */
  private lastKey = '';
  private readonly burst: number;
  private readonly refillEveryMs: number;
  private readonly windowMs: number;
  private readonly maxSimilar: number;
  private readonly cacheSize: number;
  /** Name suffixes are nanoseconds as Kubernetes writes them; the clock has milliseconds, so a sequence fills the rest. */
  private sequence = Math.floor(Math.random() * 1_000_000);

  constructor(
    private readonly sink: EventSink,
    /** Where events go: `eventsRegistry` when they are kept apart, else `registry` (an actor's props fit). */
    registries: { registry: ActorRef; eventsRegistry?: ActorRef },
    private readonly source: EventSource,
    options: EventRecorderOptions = {},
  ) {
    this.registry = registries.eventsRegistry ?? registries.registry;
    this.burst = positive('burst', options.burst ?? 25);
    this.refillEveryMs = positive('refillEveryMs', options.refillEveryMs ?? 300_000);
    this.windowMs = positive('windowMs', options.windowMs ?? 600_000);
    this.maxSimilar = positive('maxSimilar', options.maxSimilar ?? 10);
    this.cacheSize = positive('cacheSize', options.cacheSize ?? 4096);
  }

  /**
   * Records that `reason` happened to `involved`: a new Event, an update of the same one (count +
   * 1), or nothing when the spam filter drops it. Never throws, never waits.
   */
  event(involved: ObjectReference, type: EventType, reason: string, message: string): void {
    const now = this.sink.clock.now();
    const record = this.recordOf(involved, now);

    // The aggregator: many messages for one reason within the window become one combined event.
    const groupKey = intern(`\u0001${type}\0${reason}`);
    let key = intern(`${involved.fieldPath ?? ''}\0${type}\0${reason}\0${message}`);
    const previous = record.entries.get(key) as Seen | undefined;
    let group = record.entries.get(groupKey) as Group | undefined;
    if (!group || now - group.lastMs > this.windowMs) record.entries.set(groupKey, (group = { distinct: 0, lastMs: now }));
    if (!previous || now - previous.lastMs > this.windowMs) group.distinct++;
    group.lastMs = now;
    if (group.distinct >= this.maxSimilar) {
      group.distinct = this.maxSimilar - 1;
      key = intern(`\u0002${type}\0${reason}`);
      message = COMBINED_PREFIX + message;
    }

    // The logger: the same event again is the old one, counted.
    let seen = record.entries.get(key) as Seen | undefined;
    if (!seen || now - seen.lastMs > this.windowMs) {
      seen = { suffix: nanoHex(now, this.sequence++ % 1_000_000), firstTimestamp: timestamp(now), count: 0, lastMs: now, written: false };
      record.entries.set(key, seen);
    }
    seen.count++;
    seen.lastMs = now;
    // The oldest entries go first (a map kept in insertion order: moving entries on every use costs more than it saves).
    while (record.entries.size > MAX_ENTRIES_PER_OBJECT) record.entries.delete(record.entries.keys().next().value!);

    // The spam filter: a token bucket per source and object. A dropped event still counts.
    record.tokens = Math.min(this.burst, record.tokens + (now - record.refilledAt) / this.refillEveryMs);
    record.refilledAt = now;
    if (record.tokens < 1) return;
    record.tokens -= 1;

    const event: Event = {
      kind: 'Event',
      metadata: { name: `${generatedNameBase(involved.name)}.${seen.suffix}`, namespace: involved.namespace || 'default', uid: '', resourceVersion: 0, creationTimestamp: '', labels: {}, annotations: {} },
      involvedObject: involved,
      reason,
      message,
      status: '',
      source: this.source,
      firstTimestamp: seen.firstTimestamp,
      lastTimestamp: timestamp(now),
      count: seen.count,
      type,
    };
    const waiting = this.pending.get(seen);
    if (waiting) {
      waiting.event = event;
      return;
    }
    if (this.pending.size === 0) queueMicrotask(this.flushFn);
    this.pending.set(seen, { event, create: !seen.written });
    seen.written = true;
  }

  /** Sends the writes recorded since the last flush now (they also go on their own, after the current synchronous work). */
  flush(): void {
    for (const { event, create } of this.pending.values()) {
      const write = { resource: 'events', object: event, version: 'internal', reply: false } as const;
      this.sink.send(this.registry, create ? { op: 'create', ...write } : { op: 'update', ...write, orCreate: true });
    }
    this.pending.clear();
  }

  /** The object's record, most recently used last; the least recently used go beyond the cache size. */
  private recordOf(involved: ObjectReference, now: number): ObjectRecord {
    // A uid names one object (and is a string the caller already holds); without one, kind, namespace and name do.
    const key = involved.uid || `${involved.kind}\0${involved.namespace ?? ''}\0${involved.name}`;
    let record = this.objects.get(key);
    if (record && key === this.lastKey) return record;
    if (record) this.objects.delete(key);
    else record = { tokens: this.burst, refilledAt: now, entries: new Map() };
    this.objects.set(key, record);
    this.lastKey = key;
    if (this.objects.size > this.cacheSize) this.objects.delete(this.objects.keys().next().value!);
    return record;
  }
}

/** A reference to an object as events name it (core/v1 `ObjectReference`), optionally to a field such as a container. */
export function referenceTo(obj: ApiObject, fieldPath?: string): ObjectReference {
  const { name, namespace, uid, resourceVersion } = obj.metadata;
  const ref: ObjectReference = { kind: obj.kind, name, namespace, uid, apiVersion: 'v1', resourceVersion: String(resourceVersion) };
  if (fieldPath !== undefined) ref.fieldPath = fieldPath;
  return ref;
}

/** The field path of a pod's container, as the kubelet writes it: `spec.containers{web}`. */
export function containerPath(name: string): string {
  return `spec.containers{${name}}`;
}

/** Keys of this thread's recorders: most are the same few (`Started container web`) for every pod. */
const interned = new Map<string, string>();
/**
 * Keys interned before the map starts afresh. Small: many keys are unique (`Successfully assigned
 * default/web-1 to minion-2`), and a large map only keeps those alive; the common ones come back
 * at once.
 */
const MAX_INTERNED = 1024;

/** One string object per distinct key, so that thousands of pods' records share their keys. */
function intern(key: string): string {
  const known = interned.get(key);
  if (known !== undefined) return known;
  if (interned.size >= MAX_INTERNED) interned.clear();
  interned.set(key, key);
  return key;
}

/** `ms` milliseconds and `extra` nanoseconds since the epoch, in hex (16 digits today), as Kubernetes' `%x` of UnixNano. */
function nanoHex(ms: number, extra: number): string {
  return (BigInt(Math.floor(ms)) * 1_000_000n + BigInt(extra)).toString(16);
}

function positive(name: string, value: number): number {
  if (!(typeof value === 'number' && value > 0 && Number.isFinite(value))) throw new RangeError(`${name} must be a positive number (got ${String(value)})`);
  return value;
}
