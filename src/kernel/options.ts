import { availableParallelism } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ResourceLimits } from 'node:worker_threads';
import { VirtualClock } from './clock.js';
import type { LogLevel } from './log.js';
import { resolveSupervision, type SupervisorSpec } from './supervision.js';

/** Options of `ActorSystem.start`. Every one is optional. */
export interface ActorSystemOptions {
  /** Worker threads hosting actors (default: the machine's available parallelism). */
  shards?: number;
  /** Modules defining actor kinds (paths or file URLs); every shard and the main thread import them. */
  modules?: (string | URL)[];
  /** `'real'` (default) or a VirtualClock that tests advance by hand. */
  clock?: 'real' | VirtualClock;
  /** Messages an actor may handle in one turn before others on its shard get a go (default 64). */
  throughput?: number;
  /** Envelopes to one shard that are flushed at once without waiting for the end of the turn (default 1000). */
  maxBatch?: number;
  /** Messages a shard handles before yielding to its event loop (default 20000). */
  drainBudget?: number;
  /** Default timeout of `ask` (default 5000 ms). */
  askTimeoutMs?: number;
  /** Timeout of control calls to shards: stats, tree, clock steps (default 5000 ms). */
  controlTimeoutMs?: number;
  /** How long `stop()` waits for actors to stop before it terminates the workers (default 10000 ms). */
  stopTimeoutMs?: number;
  /** The guardian's supervision of root actors (default one_for_one, 10 restarts in 10 s). */
  supervision?: Partial<SupervisorSpec>;
  /** Restart a shard whose worker died (default true). */
  respawn?: boolean;
  /** Worker heap limits; a shard over them dies and is respawned. */
  resourceLimits?: ResourceLimits;
  /** Seed for backoff jitter (default: unseeded). */
  seed?: number;
  /** What the kernel writes to stderr (default 'warn'). */
  logLevel?: LogLevel;
}

/** The validated options with every default filled in. */
export interface ResolvedOptions {
  shards: number;
  modules: string[];
  clock: 'real' | VirtualClock;
  throughput: number;
  maxBatch: number;
  drainBudget: number;
  askTimeoutMs: number;
  controlTimeoutMs: number;
  stopTimeoutMs: number;
  supervision: SupervisorSpec;
  respawn: boolean;
  resourceLimits: ResourceLimits | undefined;
  seed: number | undefined;
  logLevel: LogLevel;
}

/** The guardian's default: lenient enough that a few root failures do not stop every root. */
export const GUARDIAN_SUPERVISION: Readonly<SupervisorSpec> = Object.freeze({
  strategy: 'one_for_one',
  intensity: 10,
  periodMs: 10_000,
});

const KEYS = new Set([
  'shards',
  'modules',
  'clock',
  'throughput',
  'maxBatch',
  'drainBudget',
  'askTimeoutMs',
  'controlTimeoutMs',
  'stopTimeoutMs',
  'supervision',
  'respawn',
  'resourceLimits',
  'seed',
  'logLevel',
]);

function positiveInteger(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || (value as number) < 1) throw new TypeError(`options.${name} must be a positive integer`);
  return value as number;
}

function positiveNumber(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new TypeError(`options.${name} must be a number > 0`);
  }
  return value;
}

/** Turns a module path or URL into a URL string a worker can import. */
export function moduleUrl(spec: string | URL): string {
  if (spec instanceof URL) return spec.href;
  if (/^(file|data|node):/.test(spec)) return spec;
  return pathToFileURL(isAbsolute(spec) ? spec : resolve(spec)).href;
}

/** Validates `options`, with error messages that name the option. */
export function resolveOptions(options: ActorSystemOptions = {}): ResolvedOptions {
  if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
  for (const key of Object.keys(options)) if (!KEYS.has(key)) throw new TypeError(`unknown option "${key}"`);
  const shards = positiveInteger(options.shards, 'shards', availableParallelism());
  if (shards > 1024) throw new RangeError('options.shards must be at most 1024');
  const modules = options.modules ?? [];
  if (!Array.isArray(modules) || modules.some((m) => typeof m !== 'string' && !(m instanceof URL))) {
    throw new TypeError('options.modules must be an array of module paths or URLs');
  }
  const clock = options.clock ?? 'real';
  if (clock !== 'real' && !(clock instanceof VirtualClock)) {
    throw new TypeError('options.clock must be "real" or a VirtualClock');
  }
  if (options.respawn !== undefined && typeof options.respawn !== 'boolean') {
    throw new TypeError('options.respawn must be a boolean');
  }
  if (options.seed !== undefined && !Number.isSafeInteger(options.seed)) {
    throw new TypeError('options.seed must be an integer');
  }
  const logLevel = options.logLevel ?? 'warn';
  if (!['silent', 'error', 'warn'].includes(logLevel)) {
    throw new TypeError('options.logLevel must be one of silent, error, warn');
  }
  if (options.resourceLimits !== undefined && (typeof options.resourceLimits !== 'object' || options.resourceLimits === null)) {
    throw new TypeError('options.resourceLimits must be an object');
  }
  return {
    shards,
    modules: modules.map(moduleUrl),
    clock,
    throughput: positiveInteger(options.throughput, 'throughput', 64),
    maxBatch: positiveInteger(options.maxBatch, 'maxBatch', 1000),
    drainBudget: positiveInteger(options.drainBudget, 'drainBudget', 20_000),
    askTimeoutMs: positiveNumber(options.askTimeoutMs, 'askTimeoutMs', 5000),
    controlTimeoutMs: positiveNumber(options.controlTimeoutMs, 'controlTimeoutMs', 5000),
    stopTimeoutMs: positiveNumber(options.stopTimeoutMs, 'stopTimeoutMs', 10_000),
    supervision: resolveSupervision(options.supervision, GUARDIAN_SUPERVISION, 'options.supervision'),
    respawn: options.respawn ?? true,
    resourceLimits: options.resourceLimits,
    seed: options.seed,
    logLevel,
  };
}
