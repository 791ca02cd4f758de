/**
 * Informer: a collection kept live in the page — one list, then a watch from its resourceVersion;
 * a watch that ends is resumed from the last version seen, one that is too old (410 Gone) lists
 * again. Subscribers hear of changes at most every REDRAW_MS, however many arrived: at thousands
 * of pods a second the page redraws at its own pace, not the cluster's.
 */
import { ApiError, request, watch } from './api.js';
import type { KubeObject, List, Status } from './types.js';

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
  /** Changes seen per type since the informer started (for rates). */
  readonly seen = { added: 0, modified: 0, deleted: 0 };
  private readonly listeners = new Set<Listener>();
  private readonly hooks = new Set<(type: string, obj: T, prev: T | undefined) => void>();
  private readonly listHooks = new Set<() => void>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly abort = new AbortController();
  private resourceVersion = '';

  constructor(readonly path: string) {}

  /** Lists and watches until `stop`. */
  start(): this {
    void this.run();
    return this;
  }

  stop(): void {
    this.abort.abort();
    clearTimeout(this.timer);
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

  private async run(): Promise<void> {
    const signal = this.abort.signal;
    while (!signal.aborted) {
      try {
        if (!this.resourceVersion) await this.list();
        await watch<T>(this.path, this.resourceVersion, signal, (e) => {
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
          if (e.type === 'DELETED') {
            this.items.delete(key);
            this.seen.deleted++;
          } else {
            this.items.set(key, obj);
            if (e.type === 'ADDED') this.seen.added++;
            else this.seen.modified++;
          }
          for (const h of this.hooks) h(e.type, obj, prev);
          this.changed();
        });
      } catch (err) {
        if (signal.aborted) return;
        this.error = err as Error;
        if (err instanceof ApiError && err.code === 410) this.resourceVersion = '';
        this.changed();
        await new Promise((r) => setTimeout(r, RETRY_MS));
      }
    }
  }

  private async list(): Promise<void> {
    const list = await request<List<T>>('GET', this.path);
    this.items.clear();
    for (const item of list.items) this.items.set(keyOf(item), item);
    this.resourceVersion = list.metadata.resourceVersion ?? '0';
    this.synced = true;
    this.error = undefined;
    for (const h of this.listHooks) h();
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

/** `namespace/name`, or `name` for a cluster-scoped object. */
export function keyOf(obj: KubeObject): string {
  return obj.metadata.namespace ? `${obj.metadata.namespace}/${obj.metadata.name}` : obj.metadata.name;
}
