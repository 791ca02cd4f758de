import type { Worker } from 'node:worker_threads';
import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import type { CellInfo, DeadLetter, NodeStats } from './node.js';
import { ControlTimeoutError, ShardCrashedError } from './errors.js';

/**
 * ShardControl is what a shard exposes over comlink for low-rate control and introspection. Data
 * (actor messages, spawns, supervision) never goes this way: it travels on the batched data channel,
 * which keeps it ordered.
 */
export interface ShardControl {
  /** Resolves once the shard has imported its modules; returns its slot. */
  ready(): number;
  stats(): NodeStats;
  cells(): CellInfo[];
  deadLetters(): DeadLetter[];
  /** The shard's counters and V8 heap in use, and its actors when `withCells`. */
  report(withCells: boolean): ShardReport;
  /** Heap in use (after a full GC when `gc`), for memory benchmarks. */
  heapUsed(gc: boolean): number;
  /** The earliest virtual timer due on the shard (virtual clock only). */
  nextDue(): number | undefined;
  /** Fires the shard's due virtual timers; returns how many fired. */
  fireDue(): number;
  /** Resolves after the shard has handled everything it had queued. */
  settle(): Promise<void>;
}

/** What a shard says of itself for `ActorSystem.report`. */
export interface ShardReport {
  stats: NodeStats;
  heapUsedBytes: number;
  cells?: CellInfo[];
}

/** The main thread's handle on one shard's control channel: calls time out and fail when the worker exits. */
export class ControlClient {
  private readonly remote: Comlink.Remote<ShardControl>;
  private readonly exited: Promise<never>;
  private failExit: (err: Error) => void = () => {};

  constructor(
    readonly slot: number,
    private readonly port: import('node:worker_threads').MessagePort,
    worker: Worker,
    private readonly timeoutMs: number,
  ) {
    this.remote = Comlink.wrap<ShardControl>(nodeEndpoint(port as any));
    this.exited = new Promise<never>((_, reject) => {
      this.failExit = reject;
    });
    this.exited.catch(() => {});
    worker.once('exit', (code) => this.failExit(new ShardCrashedError(`shard ${slot} exited (code ${code})`, slot)));
  }

  /** Calls `method` on the shard. Rejects with ControlTimeoutError or ShardCrashedError instead of hanging. */
  call<K extends keyof ShardControl>(
    method: K,
    ...args: Parameters<ShardControl[K]>
  ): Promise<Awaited<ReturnType<ShardControl[K]>>> {
    return this.callWithin(this.timeoutMs, method, ...args);
  }

  /** `call` with its own timeout. */
  async callWithin<K extends keyof ShardControl>(
    timeoutMs: number,
    method: K,
    ...args: Parameters<ShardControl[K]>
  ): Promise<Awaited<ReturnType<ShardControl[K]>>> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new ControlTimeoutError(`shard ${this.slot} did not answer ${method} within ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    try {
      const fn = this.remote[method] as unknown as (...a: unknown[]) => Promise<unknown>;
      return (await Promise.race([fn(...args), timeout, this.exited])) as Awaited<ReturnType<ShardControl[K]>>;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Closes the control port (comlink's own release would wait for an answer a dead shard never gives). */
  close(): void {
    this.failExit(new ShardCrashedError(`shard ${this.slot} control channel closed`, this.slot));
    this.port.close();
  }
}

/** Exposes `api` on `port` (shard side). */
export function exposeControl(api: ShardControl, port: import('node:worker_threads').MessagePort): void {
  Comlink.expose(api, nodeEndpoint(port as any));
}
