/**
 * ClusterClient: the typed, in-process client of an embedded cluster. It talks to the registry
 * actor directly (no HTTP): create / get / list / update / delete, watch, and `waitFor` a
 * condition over the objects a filter selects. Errors are the API's `StatusError`s.
 */
import type { ActorSystem } from '../kernel/index.js';
import { emptyMeta, type ApiObject, type Endpoints, type Event, type Lease, type Namespace, type Node, type Pod, type ReplicationController, type Service } from '../api/model.js';
import type { Filter } from '../api/filter.js';
import { parseFieldSelector, parseLabelSelector, selectorFromSet } from '../api/selector.js';
import { StatusError } from '../api/status.js';
import { decodeV1beta1 } from '../api/v1beta1.js';
import { RESOURCES, type Resource } from '../api/resources.js';
import type { RegistryReply, RegistryRequest, WatchEvent } from '../registry/protocol.js';
import { registryFor, type Registries } from '../registry/routing.js';

/** The internal type of each resource's objects. */
export interface ObjectTypes {
  pods: Pod;
  replicationcontrollers: ReplicationController;
  services: Service;
  nodes: Node;
  endpoints: Endpoints;
  events: Event;
  namespaces: Namespace;
  leases: Lease;
}

/** What a list, watch or waitFor selects. */
export interface Selection {
  /** Default: every namespace. */
  namespace?: string;
  /** A label selector (`name=redis,tier in (a,b)`) or a set of labels to match exactly. */
  labels?: string | Record<string, string>;
  /** A field selector (`spec.host=minion-1`). */
  fields?: string;
}

/** A watch's change. */
export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** The typed client of an embedded cluster. */
export class ClusterClient {
  constructor(
    private readonly system: ActorSystem,
    private readonly registries: Registries,
    private readonly timeoutMs = 30_000,
  ) {}

  /**
   * Creates an object: either in the v1beta1 wire shape (what kubecfg sends: the seed's JSON files)
   * or in the internal shape (anything with `metadata`). The registry validates it, as it does the API's writes.
   */
  async create<R extends Resource>(resource: R, object: Record<string, unknown> | ObjectTypes[R], namespace = 'default'): Promise<ObjectTypes[R]> {
    const internal = 'metadata' in object ? (structuredClone(object) as ApiObject) : decodeV1beta1(resource, object, { namespace, generateName: true });
    // What the internal shape always has (labels, annotations) where the caller left it out.
    internal.metadata = { ...emptyMeta(), ...internal.metadata };
    if (!internal.metadata.namespace && RESOURCES[resource].namespaced) internal.metadata.namespace = namespace;
    return this.call({ op: 'create', resource, object: internal, version: 'internal' });
  }

  /** Reads one object (404 StatusError when missing). */
  get<R extends Resource>(resource: R, name: string, namespace = 'default'): Promise<ObjectTypes[R]> {
    return this.call({ op: 'get', resource, namespace: RESOURCES[resource].namespaced ? namespace : '', name, version: 'internal' });
  }

  /** Lists the objects a selection picks. */
  async list<R extends Resource>(resource: R, selection: Selection = {}): Promise<ObjectTypes[R][]> {
    const body = await this.call<{ items: ObjectTypes[R][] }>({ op: 'list', resource, filter: filterOf(selection), version: 'internal' });
    return body.items;
  }

  /** Replaces an object's metadata and spec (a stale resourceVersion is a 409 Conflict; 0 skips the check). */
  update<R extends Resource>(resource: R, object: ObjectTypes[R]): Promise<ObjectTypes[R]> {
    return this.call({ op: 'update', resource, object, version: 'internal' });
  }

  /** Deletes an object (404 StatusError when missing). */
  async delete(resource: Resource, name: string, namespace = 'default'): Promise<void> {
    await this.call({ op: 'delete', resource, namespace, name, version: 'internal' });
  }

  /**
   * Watches a selection: `handler` gets the current objects as ADDED, then every change, in order.
   * Resolves once the initial state has been delivered; `close()` ends the watch.
   */
  async watch<R extends Resource>(resource: R, selection: Selection, handler: (type: ChangeType, object: ObjectTypes[R]) => void): Promise<{ close(): void }> {
    let synced!: () => void;
    const ready = new Promise<void>((resolve) => (synced = resolve));
    const id = `client:${Math.random().toString(36).slice(2)}`;
    const inbox = this.system.inbox<WatchEvent>((event) => {
      if (event.type === 'SYNCED') synced();
      else if (event.type === 'GONE') this.system.send(registry, request);
      else handler(event.type, (event.shared ? structuredClone(event.shared) : JSON.parse(event.object!)) as ObjectTypes[R]);
    });
    const registry = registryFor(this.registries, resource);
    const request: RegistryRequest = { op: 'watch', id, resource, filter: filterOf(selection), fromRevision: 0, version: 'internal', inbox: inbox.ref };
    this.system.send(registry, request);
    await ready;
    return {
      close: () => {
        inbox.close();
        if (!this.system.stopped) this.system.send(registry, { op: 'unwatch', id });
      },
    };
  }

  /**
   * Resolves with the selected objects once `condition` holds for them (checked on the current
   * state and after every change); rejects after `timeoutMs` (default 30 s, real time) saying what
   * it saw last.
   */
  async waitFor<R extends Resource>(
    resource: R,
    selection: Selection,
    condition: (objects: ObjectTypes[R][]) => boolean,
    timeoutMs = this.timeoutMs,
  ): Promise<ObjectTypes[R][]> {
    const objects = new Map<string, ObjectTypes[R]>();
    let done: (value: ObjectTypes[R][]) => void;
    let fail: (err: Error) => void;
    const result = new Promise<ObjectTypes[R][]>((resolve, reject) => ((done = resolve), (fail = reject)));
    let live = false;
    let queued = false;
    // Checked once per burst of changes, not once per change: a condition over 10,000 pods stays linear.
    const check = (): void => {
      if (!live || queued) return;
      queued = true;
      setImmediate(() => {
        queued = false;
        const all = [...objects.values()];
        if (condition(all)) done(all);
      });
    };
    const watch = await this.watch(resource, selection, (type, object) => {
      const key = `${object.metadata.namespace}/${object.metadata.name}`;
      if (type === 'DELETED') objects.delete(key);
      else objects.set(key, object);
      check();
    });
    live = true;
    check();
    const timer = setTimeout(() => {
      const names = [...objects.values()].map((o) => `${o.metadata.name}${'status' in o && o.kind === 'Pod' ? `(${o.status.phase})` : ''}`);
      fail(new Error(`waitFor ${resource}: condition not met after ${timeoutMs} ms; last saw ${names.length} object(s): ${names.slice(0, 20).join(', ')}${names.length > 20 ? ', …' : ''}`));
    }, timeoutMs);
    try {
      return await result;
    } finally {
      clearTimeout(timer);
      watch.close();
    }
  }

  private async call<T>(request: Extract<RegistryRequest, { resource: Resource }>): Promise<T> {
    const reply = await this.system.ask<RegistryReply>(registryFor(this.registries, request.resource), request, this.timeoutMs);
    if (!reply.ok) throw new StatusError(reply.error);
    return JSON.parse(reply.body as string) as T;
  }
}

/** The registry filter of a selection. */
export function filterOf(selection: Selection): Filter {
  const filter: Filter = {};
  if (selection.namespace) filter.namespace = selection.namespace;
  if (selection.labels !== undefined) {
    filter.labels = typeof selection.labels === 'string' ? parseLabelSelector(selection.labels) : selectorFromSet(selection.labels);
  }
  if (selection.fields) filter.fields = parseFieldSelector(selection.fields);
  return filter;
}
