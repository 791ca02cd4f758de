/**
 * Informer: an actor's local, always-current copy of the objects one watch selects (list, then
 * watch), as client-go's informers are for Kubernetes' controllers. The objects it hands out may be
 * the registry's own (for an actor on the registry's shard): read them, never change them. The registry sends the
 * actor `WatchEvent`s; the actor hands each to `handle`, which updates the copy and tells the
 * actor's callbacks what changed. When the registry restarts or its shard dies, the informer
 * watches again from a fresh list and reports what vanished meanwhile as deletions.
 */
import type { Filter, StatusChanges, WatchEvent } from '../registry/protocol.js';
import type { ApiObject } from '../api/model.js';
import type { Resource } from '../api/resources.js';
import type { ActorRef, Context } from '../kernel/index.js';

/** What an informer watches, and what it tells its actor. */
export interface InformerOptions<T extends ApiObject> {
  /** Names the informer among its actor's (the watch id is made from the actor's ref and it). */
  name: string;
  resource: Resource;
  /** Which objects (default: all). */
  filter?: Filter;
  /** An object appeared, changed or vanished (`object` undefined for a deletion). */
  onChange?(key: string, object: Readonly<T> | undefined, prev: Readonly<T> | undefined): void;
  /** The initial list (or a relist) is complete. */
  onSynced?(): void;
  /**
   * Whether changes of status alone are wanted (default true; false for actors that act on spec
   * only; `'readiness'`: of a pod's status changes, only its readiness flips).
   */
  statusChanges?: StatusChanges;
  /**
   * Whether to keep a copy of every object (default true; false for actors that keep what they
   * need in their own structures: `prev` is then undefined for changes, and a deletion's `prev` is
   * the deleted object).
   */
  keep?: boolean;
}

/** `${namespace}/${name}`: how informers key objects. */
export function objectKey(obj: { metadata: { namespace: string; name: string } }): string {
  return `${obj.metadata.namespace}/${obj.metadata.name}`;
}

/** How informers key a Node (in no namespace): `/${name}`. */
export function nodeKey(name: string): string {
  return `/${name}`;
}

/**
 * Objects parsed from watch events on this thread, by registry and revision. The registry sends one
 * change to every watcher on another shard as the same JSON; the first of them to read it parses
 * it, the rest share the object (as watchers on the registry's shard share the registry's own).
 * Watchers of one change read it within a few messages of each other, so a short memory is enough.
 */
const parsedByRegistry = new Map<string, Map<number, ApiObject>>();
const PARSED_KEPT = 4096;

/** The object of a change event: the registry's own, or parsed once per thread. */
function objectOf(parsed: Map<number, ApiObject>, event: WatchEvent): ApiObject {
  if (event.shared) return event.shared;
  let object = parsed.get(event.revision);
  if (object === undefined) {
    object = JSON.parse(event.object!) as ApiObject;
    if (parsed.size >= PARSED_KEPT) parsed.delete(parsed.keys().next().value!);
    parsed.set(event.revision, object);
  }
  return object;
}

/** A watch and its local copy; see the module comment. */
export class Informer<T extends ApiObject> {
  /** The current objects, by `namespace/name` (empty for an informer made with `keep: false`). */
  readonly objects = new Map<string, Readonly<T>>();
  /** The keys present, for an informer that does not keep objects. */
  private readonly keys = new Set<string>();
  /** Whether the initial list has been received. */
  synced = false;
  /** Keys seen during a relist (anything else is gone once it completes). */
  private relisted: Set<string> | undefined;
  /** This thread's parsed objects of the registry's changes. */
  private readonly parsed: Map<number, ApiObject>;
  readonly resource: Resource;
  readonly filter: Filter;
  private readonly statusChanges: StatusChanges;
  private readonly keep: boolean;

  constructor(
    private readonly ctx: Context<any>,
    private readonly registry: ActorRef,
    /** The watch id: unique per informer in the system. */
    readonly id: string,
    private readonly options: InformerOptions<T>,
  ) {
    this.resource = options.resource;
    this.filter = options.filter ?? {};
    this.statusChanges = options.statusChanges ?? true;
    this.keep = options.keep ?? true;
    const key = `${registry.slot}:${registry.id}`;
    let parsed = parsedByRegistry.get(key);
    if (!parsed) parsedByRegistry.set(key, (parsed = new Map()));
    this.parsed = parsed;
  }

  /** Starts (or restarts) the list-and-watch. */
  start(): void {
    // A registry that lost its store (its shard died) counts revisions from the start again: what
    // was parsed before must not stand for a new change of the same revision.
    this.parsed.clear();
    if (this.synced || this.objects.size > 0 || this.keys.size > 0) this.relisted = new Set();
    this.synced = false;
    this.ctx.send(this.registry, {
      op: 'watch',
      id: this.id,
      resource: this.resource,
      filter: this.filter,
      fromRevision: 0,
      version: 'internal',
      inbox: this.ctx.self,
      statusChanges: this.statusChanges,
    });
  }

  /** Stops watching. */
  stop(): void {
    this.ctx.send(this.registry, { op: 'unwatch', id: this.id });
  }

  /** Applies one event from the registry; returns false when it is not this informer's. */
  handle(event: WatchEvent): boolean {
    if (event.watch !== this.id) return false;
    switch (event.type) {
      case 'GONE':
        this.start();
        return true;
      case 'SYNCED': {
        const relisted = this.relisted;
        this.relisted = undefined;
        if (relisted) {
          for (const [key, prev] of this.objects) {
            if (relisted.has(key)) continue;
            this.objects.delete(key);
            this.options.onChange?.(key, undefined, prev);
          }
          for (const key of this.keys) {
            if (relisted.has(key)) continue;
            this.keys.delete(key);
            const [namespace, name] = splitKey(key);
            this.options.onChange?.(key, undefined, { metadata: { namespace, name } } as T);
          }
        }
        this.synced = true;
        this.options.onSynced?.();
        return true;
      }
      case 'DELETED': {
        const object = objectOf(this.parsed, event) as T;
        const key = objectKey(object);
        const prev = this.objects.get(key);
        this.objects.delete(key);
        this.keys.delete(key);
        this.options.onChange?.(key, undefined, prev ?? object);
        return true;
      }
      default: {
        const object = objectOf(this.parsed, event) as T;
        const key = objectKey(object);
        this.relisted?.add(key);
        if (!this.keep) {
          this.keys.add(key);
          this.options.onChange?.(key, object, undefined);
          return true;
        }
        const prev = this.objects.get(key);
        // A relist re-sends what did not change: no news for the actor.
        if (prev && prev.metadata.resourceVersion === object.metadata.resourceVersion) return true;
        this.objects.set(key, object);
        this.options.onChange?.(key, object, prev);
        return true;
      }
    }
  }
}

function splitKey(key: string): [string, string] {
  const slash = key.indexOf('/');
  return [key.slice(0, slash), key.slice(slash + 1)];
}

/** Whether a message is a registry watch event. */
export function isWatchEvent(msg: unknown): msg is WatchEvent {
  return typeof msg === 'object' && msg !== null && typeof (msg as WatchEvent).watch === 'string' && typeof (msg as WatchEvent).type === 'string';
}
