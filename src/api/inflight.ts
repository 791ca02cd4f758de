/**
 * kube-apiserver's in-flight limits: at most `--max-requests-inflight` (400) reads and
 * `--max-mutating-requests-inflight` (200) writes served at once. A request beyond them waits for
 * a seat in its class's queue, first come first served, as API Priority and Fairness (on by
 * default since Kubernetes 1.20) queues it rather than turning it away: a thousand kubelets
 * writing their pods' status at once are served in turn instead of retrying a second later. A
 * full queue, or a wait longer than the limit (kube-apiserver: a quarter of the 60 s request
 * timeout), is 429 TooManyRequests with `Retry-After: 1`, so a flood cannot queue without bound;
 * `queueLength: 0` turns requests away at once, as kube-apiserver without APF does. Long-running
 * requests (watches, followed logs) hold no seat, as there. (APF also shares seats fairly between
 * flows and priority levels; here each class has one queue.)
 */
import type { Middleware } from 'koa';
import { StatusError } from './status.js';

/** The limits (kube-apiserver's flags and defaults). */
export interface InflightLimits {
  maxRequestsInflight?: number;
  maxMutatingRequestsInflight?: number;
  /** Requests of a class that may wait for a seat (default: ten times its seats; 0: none wait). */
  queueLength?: number;
  /** How long a request may wait for a seat before it is 429 (default 15,000 ms). */
  queueWaitMs?: number;
}

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * The one refusal, made once: under a flood this is thrown tens of thousands of times a minute,
 * and an Error's stack trace is most of what making one costs. Nothing changes it on the way out.
 */
const TOO_MANY_REQUESTS = new StatusError({ code: 429, reason: 'TooManyRequests', message: 'Too many requests, please try again later.', retryAfterSeconds: 1 });

/** Whether a request is long-running: a watch or a followed log. */
function longRunning(path: string, query: Record<string, unknown>): boolean {
  if (query.watch === 'true' || query.watch === '1' || path.startsWith('/api/v1beta1/watch/')) return true;
  return query.follow === 'true' && path.endsWith('/log');
}

/** The seats of one class of requests and the requests waiting for one. */
class Seats {
  private busy = 0;
  /** Waiters in arrival order; each is called with true when handed a seat, false when its wait ended. */
  private readonly waiting = new Set<(seated: boolean) => void>();

  constructor(
    private readonly seats: number,
    private readonly queueLength: number,
    private readonly waitMs: number,
  ) {}

  /** Takes a seat, waiting for one if need be; false when refused (queue full, or waited too long). */
  take(): boolean | Promise<boolean> {
    if (this.busy < this.seats) {
      this.busy++;
      return true;
    }
    if (this.waiting.size >= this.queueLength) return false;
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(waiter);
        resolve(false);
      }, this.waitMs);
      const waiter = (seated: boolean): void => {
        clearTimeout(timer);
        resolve(seated);
      };
      this.waiting.add(waiter);
    });
  }

  /** Gives a seat back: to the first waiter, if any. */
  release(): void {
    const next = this.waiting.values().next();
    if (next.done) {
      this.busy--;
      return;
    }
    this.waiting.delete(next.value);
    next.value(true);
  }
}

/** The middleware. */
export function inflightLimits(limits: InflightLimits = {}): Middleware {
  const maxReads = limits.maxRequestsInflight ?? 400;
  const maxWrites = limits.maxMutatingRequestsInflight ?? 200;
  const waitMs = limits.queueWaitMs ?? 15_000;
  const reads = new Seats(maxReads, limits.queueLength ?? maxReads * 10, waitMs);
  const writes = new Seats(maxWrites, limits.queueLength ?? maxWrites * 10, waitMs);
  return async (ctx, next) => {
    if (longRunning(ctx.path, ctx.query)) return next();
    const seats = MUTATING.has(ctx.method) ? writes : reads;
    const taken = seats.take();
    if (!(taken === true || (await taken))) {
      ctx.set('Retry-After', '1');
      throw TOO_MANY_REQUESTS;
    }
    try {
      // A client that left while its request waited is not served.
      if (!ctx.req.socket.destroyed) await next();
    } finally {
      seats.release();
    }
  };
}
