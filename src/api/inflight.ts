/**
 * kube-apiserver's in-flight limits: at most `--max-requests-inflight` (400) reads and
 * `--max-mutating-requests-inflight` (200) writes served at once; beyond them a request is turned
 * away at once with 429 TooManyRequests and `Retry-After: 1`, so a flood cannot queue without
 * bound. Long-running requests (watches, followed logs) hold no seat, as there.
 */
import type { Middleware } from 'koa';
import { StatusError } from './status.js';

/** The limits (kube-apiserver's flags and defaults). */
export interface InflightLimits {
  maxRequestsInflight?: number;
  maxMutatingRequestsInflight?: number;
}

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Whether a request is long-running: a watch or a followed log. */
function longRunning(path: string, query: Record<string, unknown>): boolean {
  if (query.watch === 'true' || query.watch === '1' || path.startsWith('/api/v1beta1/watch/')) return true;
  return query.follow === 'true' && path.endsWith('/log');
}

/** The middleware, with its counts (for tests and metrics). */
export function inflightLimits(limits: InflightLimits = {}): Middleware & { inflight(): { reads: number; writes: number } } {
  const maxReads = limits.maxRequestsInflight ?? 400;
  const maxWrites = limits.maxMutatingRequestsInflight ?? 200;
  let reads = 0;
  let writes = 0;
  const middleware: Middleware = async (ctx, next) => {
    if (longRunning(ctx.path, ctx.query)) return next();
    const mutating = MUTATING.has(ctx.method);
    if (mutating ? writes >= maxWrites : reads >= maxReads) {
      ctx.set('Retry-After', '1');
      throw new StatusError({ code: 429, reason: 'TooManyRequests', message: 'Too many requests, please try again later.', retryAfterSeconds: 1 });
    }
    if (mutating) writes++;
    else reads++;
    try {
      await next();
    } finally {
      if (mutating) writes--;
      else reads--;
    }
  };
  return Object.assign(middleware, { inflight: () => ({ reads, writes }) });
}
