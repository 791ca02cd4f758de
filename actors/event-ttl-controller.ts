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
 * be. It runs on the registry's shard, where the registry hands a watcher its own objects, neither
 * encoded nor copied; and it files them by uid — a string the event already has, unlike the
 * `namespace/name` key an informer builds for every change — instead of through an Informer.
 */
import { Actor, type ActorRef } from '../src/kernel/index.js';
import type { Event } from '../src/api/model.js';
import { isWatchEvent } from '../src/cluster/informer.js';
import type { WatchEvent } from '../src/registry/protocol.js';

/** Props of the event TTL controller. */
export interface EventTtlControllerProps {
  /** The registry actor. */
  registry: ActorRef;
  /** How long an event lives after its last write (Kubernetes: 1 hour). */
  ttlMs: number;
  /** Events kept at most; beyond it, the ones written longest ago are deleted (default DEFAULT_MAX_EVENTS). */
  maxEvents?: number;
  /** How often expired events are looked for (default: a tenth of the TTL, from 1 s to 1 min). */
  sweepMs?: number;
}

/** What the event TTL controller handles (besides the registry's watch events). */
export type EventTtlControllerMsg = { op: 'sweep' } | { op: 'rewatch' };

/** How long to wait before watching a terminated registry again (as the Controller does). */
const REWATCH_MS = 200;

/**
 * How many events are kept by default: as many changes as the registry keeps for watches. About
 * 11 MB of heap on the registry's shard (measured: 1.1 KB an event, with the store's and the
 * indexes' entries); ten seconds of events at a thousand new pods a second, far more than anyone reads.
 */
export const DEFAULT_MAX_EVENTS = 10_000;

/** The event TTL controller actor. */
export class EventTtlController extends Actor<EventTtlControllerMsg | WatchEvent, EventTtlControllerProps> {
  static override readonly kind = 'helmsman.event-ttl-controller';

  /** Every event, by uid, in the order of their last writes: the registry's own objects (read, never changed). */
  private events = new Map<string, Event>();
  /** The events of a list in progress, which replace `events` once it is complete. */
  private listing: Map<string, Event> | undefined;
  private watchId = '';
  private generation = 0;
  private maxEvents = DEFAULT_MAX_EVENTS;

  override preStart(): void {
    const { ttlMs } = this.props;
    if (!(ttlMs > 0)) throw new RangeError(`ttlMs must be a positive number (got ${ttlMs})`);
    this.maxEvents = this.props.maxEvents ?? DEFAULT_MAX_EVENTS;
    if (!(Number.isInteger(this.maxEvents) && this.maxEvents > 0)) throw new RangeError(`maxEvents must be a positive integer (got ${this.maxEvents})`);
    this.ctx.watch(this.props.registry);
    this.watch();
    const sweepMs = this.props.sweepMs ?? Math.min(60_000, Math.max(1000, ttlMs / 10));
    this.ctx.timers.periodic('sweep', sweepMs, { op: 'sweep' });
  }

  receive(msg: EventTtlControllerMsg | WatchEvent): void {
    if (isWatchEvent(msg)) return this.changed(msg);
    if (msg.op === 'rewatch') {
      this.ctx.watch(this.props.registry);
      return this.watch();
    }
    this.sweep();
  }

  override onTerminated(ref: ActorRef): void {
    if (ref.id === this.props.registry.id && ref.slot === this.props.registry.slot) this.ctx.timers.once('rewatch', REWATCH_MS, { op: 'rewatch' });
  }

  /** Lists and watches every event afresh (a new id, so a late event of the old watch is ignored). */
  private watch(): void {
    if (this.watchId) this.ctx.send(this.props.registry, { op: 'unwatch', id: this.watchId });
    this.watchId = `${this.ctx.self.slot}:${this.ctx.self.id}:events:${++this.generation}`;
    this.listing = new Map();
    this.ctx.send(this.props.registry, { op: 'watch', id: this.watchId, resource: 'events', filter: {}, fromRevision: 0, version: 'internal', inbox: this.ctx.self });
  }

  private changed(msg: WatchEvent): void {
    if (msg.watch !== this.watchId) return;
    switch (msg.type) {
      case 'GONE':
        return this.watch();
      case 'SYNCED':
        if (this.listing) {
          // A list comes in the registry's order: put it in the order of last writes.
          const listed = [...this.listing.values()].sort((a, b) => (a.lastTimestamp < b.lastTimestamp ? -1 : a.lastTimestamp > b.lastTimestamp ? 1 : 0));
          this.events = new Map(listed.map((e) => [e.metadata.uid, e]));
          this.listing = undefined;
          this.evictOldest();
        }
        return;
      default: {
        const event = (msg.shared ?? JSON.parse(msg.object!)) as Event;
        const into = this.listing ?? this.events;
        // Out and in again: the map stays in the order of last writes.
        into.delete(event.metadata.uid);
        if (msg.type === 'DELETED') return;
        into.set(event.metadata.uid, event);
        if (into === this.events && into.size > this.maxEvents) this.evictOldest();
      }
    }
  }

  /** Deletes the events written longest ago until no more than `maxEvents` are left. */
  private evictOldest(): void {
    // Taken out of the map at once (not when the watch says they are gone), so each is deleted once.
    for (const event of this.events.values()) {
      if (this.events.size <= this.maxEvents) return;
      this.events.delete(event.metadata.uid);
      this.delete(event);
    }
  }

  private delete(event: Event): void {
    const { namespace, name, uid } = event.metadata;
    this.ctx.send(this.props.registry, { op: 'delete', resource: 'events', namespace, name, uid, version: 'internal', reply: false });
  }

  /** Deletes every event last written longer than the TTL ago. */
  private sweep(): void {
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
  }
}
