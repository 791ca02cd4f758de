/**
 * WorkQueue: the rate-limited work queue of client-go and controller-runtime, for one actor. A
 * controller adds the key (`namespace/name`) of whatever changed; keys added again before they are
 * reconciled coalesce, and the actor is woken once per burst (one message to itself, which queues
 * behind everything that arrived before it) to reconcile every dirty key. A key whose reconcile
 * asks for it is added again later: after a delay it names, or after a per-key exponential backoff
 * (client-go's `ItemExponentialFailureRateLimiter`: 5 ms, doubling, at most 1,000 s) that a
 * successful reconcile resets. Delays run on the actor's timers, so on the system's clock (a
 * virtual one in tests).
 */
import type { Context } from '../kernel/index.js';

/** What a reconcile asks of the queue: nothing (done), a retry with backoff, or a look again after a while. */
export type Reconciled = void | { requeue: true } | { requeueAfterMs: number };

/** The messages a work queue sends its actor. */
export type WorkQueueMsg = { op: '$reconcile' } | { op: '$requeue'; key: string };

/** The backoff of a key that keeps asking to be retried. */
export interface RateLimit {
  /** The first delay (client-go: 5 ms). */
  baseMs: number;
  /** The longest (client-go: 1,000 s). */
  maxMs: number;
}

/** client-go's `DefaultControllerRateLimiter` item backoff. */
export const DEFAULT_RATE_LIMIT: RateLimit = { baseMs: 5, maxMs: 1_000_000 };

/** The delay before the `retries`-th retry in a row (1 for the first): `baseMs` doubled each time, at most `maxMs`. */
export function retryDelayMs(limit: RateLimit, retries: number): number {
  return Math.min(limit.maxMs, limit.baseMs * 2 ** Math.max(0, retries - 1));
}

/** Whether a message is one of a work queue's own. */
export function isWorkQueueMsg(msg: unknown): msg is WorkQueueMsg {
  const op = (msg as { op?: unknown } | null)?.op;
  return op === '$reconcile' || op === '$requeue';
}

/** One actor's queue of keys to reconcile; see the module comment. */
export class WorkQueue {
  /** Keys waiting for the next drain, in the order they were added. */
  private readonly dirty = new Set<string>();
  /** Whether a `$reconcile` message is on its way. */
  private woken = false;
  /** Retries in a row, by key. */
  private readonly failures = new Map<string, number>();
  /** When each delayed key is due (the soonest of its delays wins). */
  private readonly delayed = new Map<string, number>();

  constructor(
    private readonly ctx: Context<any>,
    private readonly limit: RateLimit = DEFAULT_RATE_LIMIT,
  ) {}

  /** Marks `key` to be reconciled in the next drain. */
  add(key: string): void {
    if (this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.woken) return;
    this.woken = true;
    this.ctx.send(this.ctx.self, { op: '$reconcile' });
  }

  /** Adds `key` after `delayMs` (at once for 0), unless it is already due sooner. */
  addAfter(key: string, delayMs: number): void {
    if (!(delayMs > 0)) return this.add(key);
    const due = this.ctx.clock.now() + delayMs;
    const pending = this.delayed.get(key);
    if (pending !== undefined && pending <= due) return;
    this.delayed.set(key, due);
    this.ctx.timers.once(timerKey(key), delayMs, { op: '$requeue', key });
  }

  /** Adds `key` after its backoff, which doubles with every call until `forget`. */
  addRateLimited(key: string): void {
    const retries = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, retries);
    this.addAfter(key, retryDelayMs(this.limit, retries));
  }

  /** Resets the backoff of `key` (its reconcile succeeded). */
  forget(key: string): void {
    this.failures.delete(key);
  }

  /** Drops `key` from the queue, its delay and its backoff. */
  remove(key: string): void {
    this.dirty.delete(key);
    this.failures.delete(key);
    if (this.delayed.delete(key)) this.ctx.timers.cancel(timerKey(key));
  }

  /** Handles one of the queue's own messages: the keys to reconcile now (in the order they came). */
  take(msg: WorkQueueMsg): string[] {
    if (msg.op === '$requeue') {
      this.delayed.delete(msg.key);
      this.add(msg.key);
      return [];
    }
    this.woken = false;
    const keys = [...this.dirty];
    this.dirty.clear();
    return keys;
  }

  /** Applies what a reconcile of `key` asked for. */
  settle(key: string, result: Reconciled): void {
    if (!result) return this.forget(key);
    if ('requeue' in result) return this.addRateLimited(key);
    this.forget(key);
    this.addAfter(key, result.requeueAfterMs);
  }
}

function timerKey(key: string): string {
  return `$requeue:${key}`;
}
