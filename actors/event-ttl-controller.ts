/**
 * The event TTL controller: events live for a while (Kubernetes keeps them an hour, the API
 * server's `--event-ttl`, as an etcd lease renewed on every write), then go. It watches every
 * event and every sweep deletes those whose last write (`lastTimestamp`) is older than the TTL.
 * Level-triggered: a restarted registry (or this actor, restarted) means a fresh list, so nothing
 * outlives a restart.
 *
 * Events are also bounded in number (`maxEvents`): beyond it, the events written longest ago are
 * deleted first, at once. Kubernetes keeps events in etcd, whose storage quota is what bounds them
 * there (the API server does not cache them); the registry keeps every object in memory, so an
 * hour of events at a steady churn (a thousand pods a second: millions) would be a memory that only
 * grows. The events kept are the most recent ones, which are the ones `kubectl describe` shows.
 *
 * A large burst writes hundreds of thousands of events, so this watch is kept as cheap as it can
 * be: it runs on the shard of the registry of events, which hands a watcher there its own objects,
 * neither encoded nor copied, and its informer keeps no copies (this controller's own map, in the
 * order of last writes, is the only one). Its work queue has two keys: the sweep, looked at again
 * every `sweepMs`, and the eviction, once per burst of new events beyond `maxEvents`.
 */
import type { Event } from '../src/api/model.js';
import { Controller, type ControllerProps } from '../src/cluster/controller.js';
import type { Reconciled } from '../src/cluster/work-queue.js';

/** Props of the event TTL controller. */
export interface EventTtlControllerProps extends ControllerProps {
  /** How long an event lives after its last write (Kubernetes: 1 hour). */
  ttlMs: number;
  /** Events kept at most; beyond it, the ones written longest ago are deleted (default DEFAULT_MAX_EVENTS). */
  maxEvents?: number;
  /** How often expired events are looked for (default: a tenth of the TTL, from 1 s to 1 min). */
  sweepMs?: number;
}

/**
 * How many events are kept by default: as many changes as the registry keeps for watches. About
 * 11 MB of heap on the registry's shard (measured: 1.1 KB an event, with the store's and the
 * indexes' entries); ten seconds of events at a thousand new pods a second, far more than anyone reads.
 */
export const DEFAULT_MAX_EVENTS = 10_000;

/** The work queue's keys: the sweep, and the eviction of the events beyond `maxEvents`. */
const SWEEP = 'sweep';
const EVICT = 'evict';

/** The event TTL controller actor. */
export class EventTtlController extends Controller<never, EventTtlControllerProps> {
  static override readonly kind = 'helmsman.event-ttl-controller';

  /** Every event, by `namespace/name`, in the order of their last writes: the registry's own objects (read, never changed). */
  private readonly events = new Map<string, Readonly<Event>>();
  private synced = false;
  private maxEvents = DEFAULT_MAX_EVENTS;
  private sweepMs = 0;

  override preStart(): void {
    const { ttlMs } = this.props;
    if (!(ttlMs > 0)) throw new RangeError(`ttlMs must be a positive number (got ${ttlMs})`);
    this.maxEvents = this.props.maxEvents ?? DEFAULT_MAX_EVENTS;
    if (!(Number.isInteger(this.maxEvents) && this.maxEvents > 0)) throw new RangeError(`maxEvents must be a positive integer (got ${this.maxEvents})`);
    this.sweepMs = this.props.sweepMs ?? Math.min(60_000, Math.max(1000, ttlMs / 10));
    this.inform<Event>({
      name: 'events',
      resource: 'events',
      keep: false,
      onChange: (key, event) => {
        // Out and in again: the map stays in the order of last writes.
        this.events.delete(key);
        if (!event) return;
        this.events.set(key, event);
        // Once for a burst of new events: each eviction walks the map from its oldest entry.
        if (this.synced && this.events.size > this.maxEvents) this.enqueue(EVICT);
      },
      onSynced: () => {
        // A list comes in the registry's order: put it in the order of last writes.
        const listed = [...this.events].sort(([, a], [, b]) => (a.lastTimestamp < b.lastTimestamp ? -1 : a.lastTimestamp > b.lastTimestamp ? 1 : 0));
        this.events.clear();
        for (const [key, event] of listed) this.events.set(key, event);
        this.synced = true;
        this.evictOldest();
      },
    });
    this.queue.addAfter(SWEEP, this.sweepMs);
  }

  /** Evicts, or deletes every event last written longer than the TTL ago and looks again a sweep later. */
  protected override reconcile(key: string): Reconciled {
    if (key === EVICT) return this.evictOldest();
    const deadline = this.ctx.clock.now() - this.props.ttlMs;
    // Events of one burst share their timestamps: each distinct one is parsed once per sweep.
    const parsed = new Map<string, number>();
    for (const event of this.events.values()) {
      const last = event.lastTimestamp;
      let at = parsed.get(last);
      if (at === undefined) parsed.set(last, (at = Date.parse(last) || 0));
      if (at > deadline) continue;
      // The watch takes it out of the map; should a sweep come first, the second delete is refused, harmlessly.
      this.delete(event);
    }
    return { requeueAfterMs: this.sweepMs };
  }

  /** Deletes the events written longest ago until no more than `maxEvents` are left. */
  private evictOldest(): void {
    // Taken out of the map at once (not when the watch says they are gone), so each is deleted once.
    for (const [key, event] of this.events) {
      if (this.events.size <= this.maxEvents) return;
      this.events.delete(key);
      this.delete(event);
    }
  }

  private delete(event: Readonly<Event>): void {
    const { namespace, name, uid } = event.metadata;
    this.ctx.send(this.props.registry, { op: 'delete', resource: 'events', namespace, name, uid, version: 'internal', reply: false });
  }
}
