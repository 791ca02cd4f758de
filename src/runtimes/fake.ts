/**
 * A kwok-like simulated container runtime: containers are records in memory whose starts, runs and
 * exits follow configurable latencies, durations and seeded crash probabilities, all timed by an
 * injected Clock (so a VirtualClock drives them in tests). It holds 100,000+ containers in one
 * thread: a container that starts instantly and runs until removed costs one small record and no
 * timer.
 *
 * Behaviour can be overridden per pod through annotations or labels (an annotation wins over a
 * label of the same key), e.g. to make one chosen pod crash-loop:
 *
 * ```yaml
 * annotations: { fake.helmsman.io/crash: "true", fake.helmsman.io/run-ms: "500" }
 * ```
 *
 * Override values that do not parse (a non-numeric `start-ms`, an exit code out of 0..255, a
 * `crash` that is neither `true` nor `false`) are ignored: the runtime's options apply instead. They
 * come from user-written objects, and a bad one must not break a shard's runtime.
 */
import { RealClock, type Clock, type TimerHandle } from '../kernel/clock.js';
import { ContainerStartError, type ContainerExit, type ContainerRuntime, type ContainerSpec, type RuntimeContainer } from './runtime.js';
import { containerOf, ExitListeners } from './exits.js';

/** Pod override: milliseconds before each of the pod's containers runs (a number >= 0). */
export const FAKE_START_MS = 'fake.helmsman.io/start-ms';
/** Pod override: milliseconds each run lasts before it exits by itself (a number >= 0). */
export const FAKE_RUN_MS = 'fake.helmsman.io/run-ms';
/** Pod override: the exit code of a run that ends by itself (an integer 0..255). */
export const FAKE_EXIT_CODE = 'fake.helmsman.io/exit-code';
/**
 * Pod override: `true` makes every run of the pod's containers crash (exit code 1, reason `Error`)
 * after `run-ms` (its override, or 0 ms); `false` makes them never crash whatever `crashRate` says.
 */
export const FAKE_CRASH = 'fake.helmsman.io/crash';
/** Pod override: `true` makes every start fail with `ErrImagePull`; `false` makes every image present. */
export const FAKE_IMAGE_MISSING = 'fake.helmsman.io/image-missing';

/** Options of a FakeRuntime; all are optional and validated by the constructor. */
export interface FakeRuntimeOptions {
  /** Milliseconds before `start` resolves and the container runs (default 0: no timer at all). */
  startLatencyMs?: number;
  /** Milliseconds a run lasts before it exits with `exitCode`; null (the default) runs until removed. */
  runDurationMs?: number | null;
  /** The exit code of a run that ends by itself (an integer 0..255, default 0). */
  exitCode?: number;
  /** The probability (0..1, default 0) that a run crashes: exit code 1, reason `Error`. */
  crashRate?: number;
  /**
   * Milliseconds after its start that a crashing run crashes (default 0: on a 0 ms clock timer, so
   * just after `start` resolves). A run whose `runDurationMs` is shorter ends normally instead.
   */
  crashAfterMs?: number;
  /**
   * The seed of every random decision (an integer, default 1). A decision is a hash of (seed, pod
   * uid, container name, restart count), so it does not depend on the order of calls.
   */
  seed?: number;
  /** Images whose start rejects with `ContainerStartError('ErrImagePull', ...)` (default none). */
  missingImages?: string[];
}

/** How many of a FakeRuntime's containers (not yet removed) run and how many have exited. */
export interface FakeRuntimeStats {
  running: number;
  exited: number;
}

/** One container's record: a class so that every record has the same small shape. */
class Entry {
  state: 'running' | 'exited' = 'running';
  exitCode: number | undefined = undefined;
  finishedAt: number | undefined = undefined;
  reason: string | undefined = undefined;
  /** The pending exit (run duration or crash), if any. */
  timer: TimerHandle | undefined = undefined;
  constructor(
    readonly id: string,
    readonly podUid: string,
    readonly name: string,
    readonly image: string,
    readonly restartCount: number,
    readonly startedAt: number,
  ) {}
}

/** A start waiting out its latency, so that `close` can cancel it. */
interface PendingStart {
  timer: TimerHandle;
  reject: (err: Error) => void;
}

/** The simulated runtime; see the module comment. `kind` is `fake`. */
export class FakeRuntime implements ContainerRuntime {
  readonly kind = 'fake';
  private readonly startLatencyMs: number;
  private readonly runDurationMs: number | null;
  private readonly exitCode: number;
  private readonly crashRate: number;
  private readonly crashAfterMs: number;
  private readonly seed: number;
  private readonly missingImages: ReadonlySet<string>;
  private readonly byId = new Map<string, Entry>();
  private readonly byPod = new Map<string, Entry[]>();
  private readonly listeners = new ExitListeners();
  private readonly pending = new Set<PendingStart>();
  private nextId = 1;
  private running = 0;
  private exited = 0;
  private closed = false;

  constructor(
    options: FakeRuntimeOptions = {},
    private readonly clock: Clock = new RealClock(),
  ) {
    if (options === null || typeof options !== 'object') throw new TypeError('FakeRuntime options must be an object');
    this.startLatencyMs = millis('startLatencyMs', options.startLatencyMs, 0);
    this.runDurationMs = options.runDurationMs === null ? null : millis('runDurationMs', options.runDurationMs, null);
    this.exitCode = checkExitCode('exitCode', options.exitCode ?? 0);
    const crashRate = options.crashRate ?? 0;
    if (typeof crashRate !== 'number') throw new TypeError('crashRate must be a number');
    if (!(crashRate >= 0 && crashRate <= 1)) throw new RangeError(`crashRate must be between 0 and 1 (got ${crashRate})`);
    this.crashRate = crashRate;
    this.crashAfterMs = millis('crashAfterMs', options.crashAfterMs, 0);
    const seed = options.seed ?? 1;
    if (typeof seed !== 'number') throw new TypeError('seed must be a number');
    if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer (got ${seed})`);
    this.seed = seed;
    const missing = options.missingImages ?? [];
    if (!Array.isArray(missing) || !missing.every((i) => typeof i === 'string')) throw new TypeError('missingImages must be an array of strings');
    this.missingImages = new Set(missing);
  }

  /**
   * Starts a container: rejects at once with `ErrImagePull` when its image is missing, otherwise
   * resolves after the start latency (immediately, without a timer, when it is 0).
   */
  start(spec: ContainerSpec): Promise<RuntimeContainer> {
    if (this.closed) return Promise.reject(new Error('FakeRuntime is closed'));
    const { pod, container } = spec;
    const imageMissing = flag(override(pod, FAKE_IMAGE_MISSING)) ?? this.missingImages.has(container.image);
    if (imageMissing) return Promise.reject(new ContainerStartError('ErrImagePull', `image "${container.image}" not found`));
    const latency = nonNegative(override(pod, FAKE_START_MS)) ?? this.startLatencyMs;
    if (latency === 0) return Promise.resolve(this.run(spec));
    return new Promise<RuntimeContainer>((resolve, reject) => {
      const start: PendingStart = {
        reject,
        timer: this.clock.setTimer(() => {
          this.pending.delete(start);
          resolve(this.run(spec));
        }, latency),
      };
      this.pending.add(start);
    });
  }

  /** The pod's containers not yet removed, running and exited, as fresh copies. */
  async list(podUid: string): Promise<RuntimeContainer[]> {
    return (this.byPod.get(podUid) ?? []).map(containerOf);
  }

  /**
   * Removes a container at once (`graceMs` is accepted and ignored: a simulated container stops
   * instantly). Cancels its pending exit and emits no exit event; a no-op for an unknown id.
   */
  async remove(id: string, _graceMs: number): Promise<void> {
    const entry = this.byId.get(id);
    if (!entry) return;
    this.byId.delete(id);
    if (entry.timer !== undefined) this.clock.clearTimer(entry.timer);
    entry.timer = undefined;
    if (entry.state === 'running') this.running--;
    else this.exited--;
    const siblings = this.byPod.get(entry.podUid);
    if (siblings) {
      const i = siblings.indexOf(entry);
      if (i >= 0) siblings.splice(i, 1);
      if (siblings.length === 0) this.byPod.delete(entry.podUid);
    }
  }

  /**
   * Subscribes to the exits of one pod's containers (listeners of other pods never see them).
   * A listener that throws does not keep the others from the exit; its error is rethrown on a
   * microtask so it is not lost.
   */
  onExit(podUid: string, listener: (exit: ContainerExit) => void): () => void {
    return this.listeners.on(podUid, listener);
  }

  /** Two synthetic lines at most (started, exited), or the last `tailLines` of them; '' for an unknown id. */
  async logs(id: string, tailLines?: number): Promise<string> {
    const entry = this.byId.get(id);
    if (!entry) return '';
    const lines = [`${iso(entry.startedAt)} fake: started container "${entry.name}" (image ${entry.image}, restart ${entry.restartCount})`];
    if (entry.state === 'exited') {
      lines.push(`${iso(entry.finishedAt!)} fake: container "${entry.name}" exited with code ${entry.exitCode}${entry.reason ? ` (${entry.reason})` : ''}`);
    }
    const tail = tailLines === undefined || !(tailLines >= 0) ? lines : tailLines === 0 ? [] : lines.slice(-Math.floor(tailLines));
    return tail.map((l) => `${l}\n`).join('');
  }

  /**
   * Cancels every timer: pending exits never happen and pending starts reject. The containers stay
   * listed (they belong to their pods); later starts reject.
   */
  async close(): Promise<void> {
    this.closed = true;
    for (const start of this.pending) {
      this.clock.clearTimer(start.timer);
      start.reject(new Error('FakeRuntime closed while the container was starting'));
    }
    this.pending.clear();
    for (const entry of this.byId.values()) {
      if (entry.timer !== undefined) this.clock.clearTimer(entry.timer);
      entry.timer = undefined;
    }
  }

  /**
   * Fault injection: kills the pod's running containers (only `containerName` when given) now,
   * emitting their exits with `exitCode` (default 137, as for SIGKILL) and reason `Error`.
   * Returns how many it killed.
   */
  crash(podUid: string, containerName?: string, exitCode = 137): number {
    checkExitCode('exitCode', exitCode);
    const entries = this.byPod.get(podUid);
    if (!entries) return 0;
    let killed = 0;
    for (const entry of entries.slice()) {
      if (entry.state !== 'running' || (containerName !== undefined && entry.name !== containerName)) continue;
      // The entry may have been removed by a listener of an earlier exit.
      if (this.byId.get(entry.id) !== entry) continue;
      this.exit(entry, exitCode, 'Error');
      killed++;
    }
    return killed;
  }

  /** Kills one running container (exit code 137, as SIGKILL); a no-op when it is not running. */
  async kill(id: string): Promise<void> {
    const entry = this.byId.get(id);
    if (entry) this.exit(entry, 137, 'Error');
  }

  async countRunning(): Promise<number> {
    return this.stats().running;
  }

  /** How many containers (not yet removed) run and how many have exited. */
  stats(): FakeRuntimeStats {
    return { running: this.running, exited: this.exited };
  }

  /** Creates the running record and schedules its end, if its run has one. */
  private run(spec: ContainerSpec): RuntimeContainer {
    const { pod, container, restartCount } = spec;
    const entry = new Entry(`fake-${this.nextId++}`, pod.uid, container.name, container.image, restartCount, this.clock.now());
    this.byId.set(entry.id, entry);
    const siblings = this.byPod.get(pod.uid);
    if (siblings) siblings.push(entry);
    else this.byPod.set(pod.uid, [entry]);
    this.running++;

    const runMs = nonNegative(override(pod, FAKE_RUN_MS)) ?? this.runDurationMs;
    const forced = flag(override(pod, FAKE_CRASH));
    let delay: number | null = null;
    let code = 0;
    let reason = '';
    if (forced === true) {
      delay = nonNegative(override(pod, FAKE_RUN_MS)) ?? 0;
      code = 1;
      reason = 'Error';
    } else if (forced === undefined && this.crashRate > 0 && decide(this.seed, pod.uid, container.name, restartCount) < this.crashRate && (runMs === null || this.crashAfterMs < runMs)) {
      delay = this.crashAfterMs;
      code = 1;
      reason = 'Error';
    } else if (runMs !== null) {
      delay = runMs;
      code = exitCodeOf(override(pod, FAKE_EXIT_CODE)) ?? this.exitCode;
      reason = code === 0 ? 'Completed' : 'Error';
    }
    if (delay !== null) entry.timer = this.clock.setTimer(() => this.exit(entry, code, reason), delay);
    return containerOf(entry);
  }

  /** Marks a running container exited and tells its pod's listeners. */
  private exit(entry: Entry, exitCode: number, reason: string): void {
    if (entry.state !== 'running') return;
    if (entry.timer !== undefined) this.clock.clearTimer(entry.timer);
    entry.timer = undefined;
    entry.state = 'exited';
    entry.exitCode = exitCode;
    entry.finishedAt = this.clock.now();
    entry.reason = reason;
    this.running--;
    this.exited++;
    this.listeners.emit({ id: entry.id, podUid: entry.podUid, name: entry.name, exitCode, finishedAt: entry.finishedAt, reason });
  }
}


/** A pod override: the annotation if the pod has one under `key`, else the label. */
function override(pod: ContainerSpec['pod'], key: string): string | undefined {
  return pod.annotations?.[key] ?? pod.labels?.[key];
}

/** `true`/`false` (case-insensitive); undefined for anything else. */
function flag(value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  const v = value.trim().toLowerCase();
  return v === 'true' ? true : v === 'false' ? false : undefined;
}

/** A finite number >= 0; undefined for anything else. */
function nonNegative(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

/** An integer exit code 0..255; undefined for anything else. */
function exitCodeOf(value: string | undefined): number | undefined {
  const n = nonNegative(value);
  return n !== undefined && Number.isInteger(n) && n <= 255 ? n : undefined;
}

/** Validates a duration option: a finite number >= 0, or `fallback` when absent. */
function millis<F extends number | null>(name: string, value: unknown, fallback: F): number | F {
  if (value === undefined) return fallback;
  if (typeof value !== 'number') throw new TypeError(`${name} must be a number of milliseconds`);
  if (!(value >= 0) || !Number.isFinite(value)) throw new RangeError(`${name} must be a finite number >= 0 (got ${value})`);
  return value;
}

/** Validates an exit code: an integer 0..255. */
function checkExitCode(name: string, value: unknown): number {
  if (typeof value !== 'number') throw new TypeError(`${name} must be a number`);
  if (!Number.isInteger(value) || value < 0 || value > 255) throw new RangeError(`${name} must be an integer between 0 and 255 (got ${value})`);
  return value;
}

/**
 * A uniform number in [0, 1) determined by (seed, pod uid, container name, restart count) alone:
 * FNV-1a over the parts (UTF-16 units, each string closed by a 0xffff unit), finished with
 * murmur3's fmix32 so that nearby inputs spread over the whole range.
 */
function decide(seed: number, podUid: string, name: string, restartCount: number): number {
  let h = fnvString(fnvInt(0x811c9dc5, seed), podUid);
  h = fnvInt(fnvString(h, name), restartCount);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 0x1_0000_0000;
}

function fnv(h: number, unit: number): number {
  return Math.imul(h ^ (unit & 0xffff), 0x01000193);
}

function fnvInt(h: number, n: number): number {
  const lo = n >>> 0;
  const hi = Math.floor(n / 0x1_0000_0000) >>> 0;
  return fnv(fnv(fnv(fnv(h, lo), lo >>> 16), hi), hi >>> 16);
}

function fnvString(h: number, s: string): number {
  for (let i = 0; i < s.length; i++) h = fnv(h, s.charCodeAt(i));
  return fnv(h, 0xffff);
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
