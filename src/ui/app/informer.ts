/**
 * Informers: collections kept live in the page — each listed once, then all watched through one
 * multiplexed stream (`/ui/api/watch`: a browser has only six connections to a server, and six
 * watches would take them all). A stream that ends is opened again from the last versions seen; a
 * resource whose version is too old (410 Gone) is listed again first. Subscribers hear of changes
 * at most every REDRAW_MS, however many arrived: at thousands of pods a second the page redraws at
 * its own pace, not the cluster's.
 */
import { ApiError, request, stream } from './api.js';
import type { KubeObject, List, Status, WatchEvent } from './types.js';

/** What an informer's subscribers are told: a change happened (read the informer). */
export type Listener = () => void;

const RETRY_MS = 1_000;
const REDRAW_MS = 150;

export class Informer<T extends KubeObject> {
  /** The objects by `namespace/name`. */
  readonly items = new Map<string, T>();
  /** Whether the first list has arrived. */
  synced = false;
  /** The last error, until the next success. */
  error: ApiError | Error | undefined;
  /** The version the watch goes on from ('' : list first). */
  resourceVersion = '';
  /** Goes up whenever an object is added or removed (not when one changes): views keep sorted keys until it moves. */
  membership = 0;
  private readonly listeners = new Set<Listener>();
  private readonly hooks = new Set<(type: string, obj: T, prev: T | undefined) => void>();
  private readonly listHooks = new Set<() => void>();
  private timer: ReturnType<typeof setTimeout> | undefined;

  /** `resource`: the core v1 resource (its plural). */
  constructor(readonly resource: string) {}

  get path(): string {
    return `/api/v1/${this.resource}`;
  }

  /** Hears of changes (coalesced); returns the unsubscribe. */
  subscribe(fn: Listener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Hears of every single change as it arrives (for counters), not coalesced. */
  onEach(fn: (type: string, obj: T, prev: T | undefined) => void): () => void {
    this.hooks.add(fn);
    return () => this.hooks.delete(fn);
  }

  /** Hears of every fresh list (the items were replaced: recount from `items`). */
  onList(fn: () => void): () => void {
    this.listHooks.add(fn);
    return () => this.listHooks.delete(fn);
  }

  /** Replaces the items with a fresh list. */
  async list(): Promise<void> {
    const list = await request<List<T>>('GET', this.path);
    this.items.clear();
    for (const item of list.items) this.items.set(keyOf(item), item);
    this.resourceVersion = list.metadata.resourceVersion ?? '0';
    this.membership++;
    this.synced = true;
    this.error = undefined;
    for (const h of this.listHooks) h();
    this.changed();
  }

  /** Takes in one watch event; an ERROR is thrown as the server's Status (a 410 means: list again). */
  apply(e: WatchEvent<T>): void {
    if (e.type === 'ERROR') {
      const status = e.object as Status;
      if (status.code === 410) this.resourceVersion = '';
      throw new ApiError(status.code ?? 500, status);
    }
    const obj = e.object as T;
    if (obj.metadata?.resourceVersion) this.resourceVersion = obj.metadata.resourceVersion;
    if (e.type === 'BOOKMARK') return;
    const key = keyOf(obj);
    const prev = this.items.get(key);
    if (e.type === 'DELETED') this.items.delete(key);
    else this.items.set(key, obj);
    if (!prev !== (e.type === 'DELETED')) this.membership++;
    for (const h of this.hooks) h(e.type, obj, prev);
    this.changed();
  }

  /** Says `err` to the views (until the watch is back, or the next list). */
  failed(err: Error): void {
    this.error = err;
    this.changed();
  }

  /** The watch is back: the last error no longer holds. */
  recovered(): void {
    if (this.error === undefined) return;
    this.error = undefined;
    this.changed();
  }

  private changed(): void {
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      for (const fn of this.listeners) fn();
    }, REDRAW_MS);
  }
}

/** Lists and watches a set of informers through one stream, until `stop`. */
export class WatchGroup {
  private readonly abort = new AbortController();

  constructor(private readonly informers: Informer<any>[]) {}

  start(): this {
    void this.run();
    return this;
  }

  stop(): void {
    this.abort.abort();
  }

  private async run(): Promise<void> {
    const signal = this.abort.signal;
    const byResource = new Map(this.informers.map((i) => [i.resource, i]));
    while (!signal.aborted) {
      const attempt = new AbortController();
      const stopAttempt = () => attempt.abort();
      signal.addEventListener('abort', stopAttempt);
      try {
        await Promise.all(this.informers.filter((i) => !i.resourceVersion).map((i) => i.list()));
        const query = this.informers.map((i) => `${i.resource}=${encodeURIComponent(i.resourceVersion)}`).join('&');
        let pending = '';
        await stream(`/ui/api/watch?${query}`, attempt.signal, (chunk) => {
          pending += chunk;
          let nl: number;
          while ((nl = pending.indexOf('\n')) >= 0) {
            const line = pending.slice(0, nl).trim();
            pending = pending.slice(nl + 1);
            if (!line) continue;
            const { resource, ...event } = JSON.parse(line) as WatchEvent<KubeObject> & { resource: string };
            byResource.get(resource)?.apply(event);
          }
        }, () => this.informers.forEach((i) => i.recovered()));
      } catch (err) {
        if (signal.aborted) return;
        // A 410 has cleared its informer's version (it lists again); anything else is shown, and tried again.
        if (!(err instanceof ApiError && err.code === 410)) for (const i of this.informers) i.failed(err as Error);
        await new Promise((r) => setTimeout(r, RETRY_MS));
      } finally {
        signal.removeEventListener('abort', stopAttempt);
        attempt.abort();
      }
    }
  }
}

const collator = new Intl.Collator(undefined, { numeric: true });

/** The informer's keys in natural order (`web-2` before `web-10`), sorted again only when its membership changed. */
export function sortedKeys(informer: Informer<any>): string[] {
  const memo = sorted.get(informer);
  if (memo && memo.membership === informer.membership) return memo.keys;
  const keys = [...informer.items.keys()].sort(collator.compare);
  sorted.set(informer, { membership: informer.membership, keys });
  return keys;
}
const sorted = new WeakMap<Informer<any>, { membership: number; keys: string[] }>();

/** `namespace/name`, or `name` for a cluster-scoped object. */
export function keyOf(obj: KubeObject): string {
  return obj.metadata.namespace ? `${obj.metadata.namespace}/${obj.metadata.name}` : obj.metadata.name;
}
