/**
 * Clock is the kernel's only source of time. Actors, timers, ask timeouts and supervision backoff
 * all read it, so a test or a simulation can swap real time for virtual time.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch (wall time; virtual time for a VirtualClock). */
  now(): number;
  /**
   * Milliseconds on a clock that never jumps (wall time may, when it is set): for measuring how
   * long something took or how long ago it was seen. Virtual time for a VirtualClock.
   */
  monotonic(): number;
  /** Calls `fn` once after `ms` milliseconds. */
  setTimer(fn: () => void, ms: number): TimerHandle;
  /** Cancels a timer; cancelling one that already fired is a no-op. */
  clearTimer(handle: TimerHandle): void;
}

/** TimerHandle is opaque to callers. */
export type TimerHandle = { readonly __timer: unique symbol } | object;

/** RealClock is wall time with Node's timers. Its timers do not keep the process alive. */
export class RealClock implements Clock {
  now(): number {
    return Date.now();
  }
  monotonic(): number {
    return performance.now();
  }
  setTimer(fn: () => void, ms: number): TimerHandle {
    const t = setTimeout(fn, ms);
    // A pending actor timer alone must not keep a process alive; open ports and workers do.
    t.unref();
    return t;
  }
  clearTimer(handle: TimerHandle): void {
    clearTimeout(handle as NodeJS.Timeout);
  }
}

interface VirtualTimer {
  due: number;
  seq: number;
  fn: (() => void) | undefined;
}

/** Hooks an ActorSystem installs so that advancing a VirtualClock moves every shard's time. */
export interface VirtualClockCoordinator {
  advanceTo(target: number): Promise<void>;
}

/**
 * VirtualClock is time that moves only when told to. Its current time lives in a
 * SharedArrayBuffer, so every shard of an ActorSystem reads the same `now()`; each thread keeps its
 * own timers and `advance` (on the thread that created the clock) steps all of them in due order.
 */
export class VirtualClock implements Clock {
  /** The shared cell holding the current time; pass it to `VirtualClock.attach` on another thread. */
  readonly buffer: SharedArrayBuffer;
  private readonly time: Float64Array;
  private heap: VirtualTimer[] = [];
  private seq = 0;
  private coordinator: VirtualClockCoordinator | undefined;

  constructor(start: number = Date.now(), buffer?: SharedArrayBuffer) {
    if (!Number.isFinite(start)) throw new TypeError('start must be a finite number of milliseconds');
    this.buffer = buffer ?? new SharedArrayBuffer(8);
    this.time = new Float64Array(this.buffer);
    if (!buffer) this.time[0] = start;
  }

  /** A view of another thread's VirtualClock through its shared buffer. */
  static attach(buffer: SharedArrayBuffer): VirtualClock {
    return new VirtualClock(0, buffer);
  }

  now(): number {
    return this.time[0]!;
  }
  monotonic(): number {
    return this.time[0]!;
  }

  setTimer(fn: () => void, ms: number): TimerHandle {
    const timer: VirtualTimer = { due: this.now() + Math.max(0, ms), seq: this.seq++, fn };
    this.push(timer);
    return timer;
  }

  clearTimer(handle: TimerHandle): void {
    if (handle) (handle as VirtualTimer).fn = undefined;
  }

  /** The due time of this thread's earliest pending timer, or undefined when none is pending. */
  nextDue(): number | undefined {
    while (this.heap.length > 0 && this.heap[0]!.fn === undefined) this.pop();
    return this.heap[0]?.due;
  }

  /** Fires, in due order, every timer of this thread due at or before the current time. */
  fireDue(): number {
    let fired = 0;
    const now = this.now();
    for (;;) {
      const top = this.heap[0];
      if (top === undefined || top.due > now) break;
      this.pop();
      const fn = top.fn;
      top.fn = undefined;
      if (fn) {
        fired++;
        fn();
      }
    }
    return fired;
  }

  /** Sets the shared time (never backwards). Used by coordinators; tests call `advance`. */
  setNow(t: number): void {
    if (t > this.time[0]!) this.time[0] = t;
  }

  /** @internal Installed by an ActorSystem so that `advance` steps every shard's timers. */
  coordinate(coordinator: VirtualClockCoordinator | undefined): void {
    this.coordinator = coordinator;
  }

  /**
   * Moves time forward by `ms`, firing every timer that falls due on the way, in order, on every
   * thread attached through an ActorSystem. Resolves once the fired timers' messages are handled.
   */
  async advance(ms: number): Promise<void> {
    if (!(ms >= 0) || !Number.isFinite(ms)) throw new RangeError('ms must be a finite number >= 0');
    const target = this.now() + ms;
    if (this.coordinator) return this.coordinator.advanceTo(target);
    for (;;) {
      const due = this.nextDue();
      if (due === undefined || due > target) break;
      this.setNow(due);
      this.fireDue();
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    this.setNow(target);
  }

  private push(t: VirtualTimer): void {
    const h = this.heap;
    h.push(t);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!earlier(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop()!;
    if (h.length === 0) return;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && earlier(h[l]!, h[m]!)) m = l;
      if (r < h.length && earlier(h[r]!, h[m]!)) m = r;
      if (m === i) break;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }
}

function earlier(a: VirtualTimer, b: VirtualTimer): boolean {
  return a.due < b.due || (a.due === b.due && a.seq < b.seq);
}
