/**
 * CrashLoopBackOff as the kubelet does it: each quick crash doubles the wait before the next
 * restart (10 s, 20 s, 40 s ... up to 5 min); a container that ran long enough starts afresh.
 */

/** The kubelet's backoff settings (all in ms of the cluster's clock). */
export interface BackoffConfig {
  /** The first wait (default 10,000). 0 restarts at once, every time. */
  initialMs: number;
  /** The longest wait (default 300,000). */
  maxMs: number;
  /** A run at least this long resets the backoff (default 600,000). */
  resetAfterMs: number;
}

/** Kubernetes' defaults. */
export const DEFAULT_BACKOFF: BackoffConfig = { initialMs: 10_000, maxMs: 300_000, resetAfterMs: 600_000 };

/** One container's backoff state. */
export class Backoff {
  private next: number;

  constructor(private readonly config: BackoffConfig) {
    this.next = config.initialMs;
  }

  /** The wait before restarting a container that ran for `ranMs`, advancing the state. */
  delayAfter(ranMs: number): number {
    if (ranMs >= this.config.resetAfterMs) this.next = this.config.initialMs;
    const delay = Math.min(this.next, this.config.maxMs);
    this.next = Math.min(this.config.maxMs, Math.max(this.next * 2, 0));
    return delay;
  }
}
