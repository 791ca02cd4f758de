/**
 * Reflector: one list-and-watch of a collection over HTTP, as client-go's reflector runs it for a
 * kubelet. It lists, then watches from the list's resourceVersion (with bookmarks), and when the
 * stream ends or breaks it watches again from the last resourceVersion it saw, backing off while
 * the control plane cannot be reached. A 410 Gone (the history it follows was compacted away) is
 * the caller's to handle by listing afresh: `onGone`, and this reflector stops.
 */
import type { ApiClient, ApiResult } from './api-client.js';
import { WatchError } from './api-client.js';

/** What a reflector reports. */
export interface ReflectorHandlers {
  /** The collection as listed (every item, then the list's resourceVersion). */
  onList(items: Record<string, unknown>[], resourceVersion: string): void;
  /** A change seen by the watch. */
  onEvent(type: 'ADDED' | 'MODIFIED' | 'DELETED', object: Record<string, unknown>): void;
  /** The history is gone: list again (a new reflector). */
  onGone(): void;
  /** The control plane could not be reached or refused (it is tried again after a backoff). */
  onError?(message: string): void;
}

/** First and last pause between attempts after a failure. */
const BACKOFF_MIN_MS = 200;
const BACKOFF_MAX_MS = 10_000;

/** One list-and-watch; see the module comment. */
export class Reflector {
  private readonly abort = new AbortController();
  private resourceVersion = '';
  private failures = 0;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly api: ApiClient,
    /** The collection's path (`/api/v1/pods`, `/api/v1/namespaces/x/services`). */
    private readonly path: string,
    /** labelSelector, fieldSelector. */
    private readonly query: Record<string, string>,
    private readonly handlers: ReflectorHandlers,
  ) {}

  /** Starts listing. */
  start(): void {
    void this.list();
  }

  /** Stops for good (the stream in flight is aborted). */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.abort.abort();
  }

  private url(extra: Record<string, string>): string {
    const params = new URLSearchParams({ ...this.query, ...extra });
    return `${this.path}?${params}`;
  }

  private async list(): Promise<void> {
    if (this.stopped) return;
    const result: ApiResult<{ items?: Record<string, unknown>[]; metadata?: { resourceVersion?: string } }> = await this.api.request('GET', this.url({}));
    if (this.stopped) return;
    if (!result.ok) return this.retry(() => this.list(), result.error.message);
    this.failures = 0;
    this.resourceVersion = result.body.metadata?.resourceVersion ?? '';
    this.handlers.onList(result.body.items ?? [], this.resourceVersion);
    void this.watch();
  }

  private async watch(): Promise<void> {
    if (this.stopped) return;
    let gone = false;
    const began = performance.now();
    try {
      await this.api.stream(this.url({ watch: 'true', resourceVersion: this.resourceVersion, allowWatchBookmarks: 'true' }), this.abort.signal, (line) => {
        if (gone || this.stopped) return;
        const event = JSON.parse(line) as { type: string; object: Record<string, unknown> & { code?: number; metadata?: { resourceVersion?: string } } };
        if (event.type === 'ERROR') {
          if (event.object.code === 410) gone = true;
          return;
        }
        const rv = event.object.metadata?.resourceVersion;
        if (rv) this.resourceVersion = rv;
        this.failures = 0;
        if (event.type === 'ADDED' || event.type === 'MODIFIED' || event.type === 'DELETED') this.handlers.onEvent(event.type, event.object);
      });
    } catch (err) {
      if (this.stopped) return;
      if (err instanceof WatchError && err.status.code === 410) gone = true;
      else return this.retry(() => this.watch(), (err as Error).message);
    }
    if (this.stopped) return;
    if (gone) {
      this.stop();
      this.handlers.onGone();
      return;
    }
    // The server ended the stream (its timeout): watch on from where it was — at once, unless it
    // ended as soon as it began (then as after a failure, so a server that does so is not hammered).
    if (performance.now() - began < 1000) return this.retry(() => this.watch(), 'the watch ended as soon as it began');
    void this.watch();
  }

  private retry(again: () => Promise<void>, message: string): void {
    this.handlers.onError?.(message);
    const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** this.failures++) * (0.5 + Math.random() / 2);
    this.timer = setTimeout(() => void again(), delay);
  }
}
