/**
 * Supervision policy, with Erlang/OTP's semantics: what a supervisor does when a child fails
 * (strategy), which children are restarted at all (restart type), and how often it may restart
 * before it gives up and escalates to its own supervisor (intensity per period).
 */

/** Which children a failure restarts: the failed one, all, or the failed one and those spawned after it. */
export type Strategy = 'one_for_one' | 'one_for_all' | 'rest_for_one';

/**
 * When a child is restarted: `permanent` always (even after it stopped itself), `transient` only
 * after a failure, `temporary` never.
 */
export type RestartType = 'permanent' | 'transient' | 'temporary';

/** Exponential restart backoff: delay = min(maxMs, minMs * 2^n) * (1 + randomFactor * random()). */
export interface Backoff {
  minMs: number;
  maxMs: number;
  randomFactor: number;
  /** A child that ran this long without failing starts again from `minMs` (default: `maxMs`). */
  resetAfterMs?: number;
}

/** A supervisor's policy for its children. */
export interface SupervisorSpec {
  strategy: Strategy;
  /** How many restarts are allowed within `periodMs` before the supervisor escalates. */
  intensity: number;
  periodMs: number;
  backoff?: Backoff | undefined;
}

/** OTP's defaults: one_for_one, at most 1 restart in 5 seconds. */
export const DEFAULT_SUPERVISION: Readonly<SupervisorSpec> = Object.freeze({
  strategy: 'one_for_one',
  intensity: 1,
  periodMs: 5000,
});

const STRATEGIES: readonly Strategy[] = ['one_for_one', 'one_for_all', 'rest_for_one'];
const RESTART_TYPES: readonly RestartType[] = ['permanent', 'transient', 'temporary'];

/** Validates a restart type, naming the option in the error. */
export function validateRestartType(value: unknown, name: string): RestartType {
  if (!RESTART_TYPES.includes(value as RestartType)) {
    throw new TypeError(`${name} must be one of ${RESTART_TYPES.join(', ')}`);
  }
  return value as RestartType;
}

/** Merges `partial` over `base` and validates the result; errors name the option (`name.field`). */
export function resolveSupervision(
  partial: Partial<SupervisorSpec> | undefined,
  base: Readonly<SupervisorSpec> = DEFAULT_SUPERVISION,
  name = 'supervision',
): SupervisorSpec {
  if (partial !== undefined && (typeof partial !== 'object' || partial === null)) {
    throw new TypeError(`${name} must be an object`);
  }
  const spec: SupervisorSpec = { ...base, ...partial };
  if (!STRATEGIES.includes(spec.strategy)) {
    throw new TypeError(`${name}.strategy must be one of ${STRATEGIES.join(', ')}`);
  }
  if (!Number.isInteger(spec.intensity) || spec.intensity < 0) {
    throw new TypeError(`${name}.intensity must be an integer >= 0`);
  }
  if (!Number.isFinite(spec.periodMs) || spec.periodMs <= 0) {
    throw new TypeError(`${name}.periodMs must be a number > 0`);
  }
  if (spec.backoff !== undefined) {
    const b = spec.backoff;
    if (typeof b !== 'object' || b === null) throw new TypeError(`${name}.backoff must be an object`);
    if (!Number.isFinite(b.minMs) || b.minMs < 0) throw new TypeError(`${name}.backoff.minMs must be a number >= 0`);
    if (!Number.isFinite(b.maxMs) || b.maxMs < b.minMs) {
      throw new RangeError(`${name}.backoff.maxMs must be a number >= backoff.minMs`);
    }
    if (!Number.isFinite(b.randomFactor) || b.randomFactor < 0) {
      throw new TypeError(`${name}.backoff.randomFactor must be a number >= 0`);
    }
    if (b.resetAfterMs !== undefined && (!Number.isFinite(b.resetAfterMs) || b.resetAfterMs < 0)) {
      throw new TypeError(`${name}.backoff.resetAfterMs must be a number >= 0`);
    }
  }
  return spec;
}

/**
 * RestartWindow counts a supervisor's restarts in a sliding window of `periodMs`; `allow` says
 * whether one more restart fits within the intensity.
 */
export class RestartWindow {
  private times: number[] = [];

  /** Records a restart at `now`; false when it exceeds the intensity (the supervisor must escalate). */
  allow(spec: SupervisorSpec, now: number): boolean {
    const cutoff = now - spec.periodMs;
    this.times = this.times.filter((t) => t > cutoff);
    this.times.push(now);
    return this.times.length <= spec.intensity;
  }

  /** Restarts currently inside the window. */
  get count(): number {
    return this.times.length;
  }
}

/** The delay before restart number `attempt` (0-based) under `backoff`. */
export function backoffDelay(backoff: Backoff, attempt: number, random: () => number): number {
  const base = Math.min(backoff.maxMs, backoff.minMs * 2 ** Math.min(attempt, 52));
  return base * (1 + backoff.randomFactor * random());
}
