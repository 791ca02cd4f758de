import type { TerminationReason } from './actor.js';
import { Cell } from './cell.js';
import type { Clock } from './clock.js';
import {
  ActorNotFoundError,
  AskTimeoutError,
  errorRecord,
  reviveError,
  ShardCrashedError,
  SystemStoppedError,
  type ErrorRecord,
} from './errors.js';
import {
  FLAG_ASK_ERROR,
  FLAG_SYSTEM,
  FLAG_USER,
  type StartMessage,
  type SystemMessage,
  type TerminatedMessage,
} from './protocol.js';
import { ID_LIMIT, IdBlock } from './ids.js';
import { formatRef, makeRef, type ActorRef } from './ref.js';
import { BatchBuilder, HEADER } from './batch.js';
import type { Transport } from './transport.js';

/** Settings a node runs with (the validated subset of ActorSystemOptions each thread gets). */
export interface NodeSettings {
  slot: number;
  shards: number;
  /** The first id of this node's first block of actor ids (see ids.ts). */
  idBase: number;
  /** Asks the main thread for another block of ids; it arrives through `supplyIds`. */
  requestIds: () => void;
  /** Messages one actor may handle per turn before others get a go. */
  throughput: number;
  /** Envelopes per destination that trigger an immediate flush. */
  maxBatch: number;
  /** Messages a node handles before it yields to the event loop (I/O, timers, incoming batches). */
  drainBudget: number;
  defaultAskTimeoutMs: number;
  /**
   * Hold envelopes for other threads until the event loop's check phase rather than the end of the
   * current task, so that what many I/O callbacks send in one loop turn leaves in one postMessage.
   * On for the main thread, where each HTTP request arrives in its own callback.
   */
  batchAcrossIo?: boolean;
  random: () => number;
  log: (level: 'error' | 'warn', message: string) => void;
}

/** One dead letter, kept in a small ring for inspection. */
export interface DeadLetter {
  to: ActorRef;
  from: ActorRef | null;
  /** The message, abbreviated to 200 characters of JSON. */
  message: string;
}

/** A node's counters. */
export interface NodeStats {
  slot: number;
  actors: number;
  mailboxDepth: number;
  maxMailboxDepth: number;
  processed: number;
  deadLetters: number;
  restarts: number;
  pendingAsks: number;
}

/** One actor as its host reports it for `system.tree()`. */
export interface CellInfo {
  id: number;
  slot: number;
  name: string;
  kind: string;
  parent: ActorRef;
  state: string;
  mailbox: number;
  /** Messages handled so far. */
  processed: number;
  restarts: number;
}

interface PendingAsk {
  resolve: (value: any) => void;
  reject: (err: Error) => void;
  timer: unknown;
  target: ActorRef;
  /** A death watch from outside any actor (`terminated`), not an ask. */
  watch: boolean;
  /** An inbox: every message goes to this handler, and the entry stays until closed. */
  inbox?: (msg: unknown) => void;
}

const DEAD_LETTER_RING = 64;
/** How long an envelope for a not-yet-created actor waits for its `start` (real milliseconds). */
const BIRTH_GRACE_MS = 1000;
/** Envelopes held per unborn actor before further ones count as missing. */
const HELD_PER_ACTOR = 10_000;
/** Ids of stopped actors remembered, so that envelopes to them fail at once. */
const GRAVES = 65_536;

/**
 * Node is the actor runtime of one thread (a shard, or the main thread): it hosts cells, runs them
 * from a ready queue with a per-turn budget, routes envelopes locally or into per-destination
 * outboxes flushed once per drain, and keeps pending asks.
 */
export class Node {
  readonly slot: number;
  readonly cells = new Map<number, Cell>();
  processed = 0;
  deadLetterCount = 0;
  restarts = 0;
  /** Called for system messages addressed to id 0: the guardian's own supervisor (main thread only). */
  topLevel: ((msg: SystemMessage, from: ActorRef) => void) | undefined;
  readonly settings: NodeSettings;

  private readonly ids: IdBlock;
  private nextAskId = -1;
  private readonly asks = new Map<number, PendingAsk>();
  private ready: (Cell | undefined)[] = [];
  private readyHead = 0;
  private draining = false;
  private drainScheduled = false;
  private readonly outbox = new Map<number, BatchBuilder>();
  private readonly down = new Set<number>();
  /** Down slots that will not come back (respawn is off). */
  private readonly gone = new Set<number>();
  private readonly deadRing: DeadLetter[] = [];
  private readonly unborn = new Map<number, { items: unknown[]; timer: NodeJS.Timeout }>();
  private readonly graves = new Set<number>();
  private readonly graveRing = new Int32Array(GRAVES);
  private graveNext = 0;
  private stopped = false;
  private readonly drainFn = (): void => this.drain();
  private flushScheduled = false;
  private readonly flushFn = (): void => {
    this.flushScheduled = false;
    this.flush();
  };

  constructor(
    settings: NodeSettings,
    readonly clock: Clock,
    readonly transport: Transport,
  ) {
    this.settings = settings;
    this.slot = settings.slot;
    this.ids = new IdBlock(settings.idBase, settings.requestIds);
  }

  /** A new system-unique actor id. */
  allocateId(): number {
    return this.ids.take();
  }

  /** Receives a block of ids granted by the main thread. */
  supplyIds(base: number): void {
    this.ids.supply(base);
  }

  /** A temporary id for an ask or an outside watch: negative, reused once no longer pending. */
  private askId(): number {
    let id = this.nextAskId;
    while (this.asks.has(id)) id = id <= -ID_LIMIT + 1 ? -1 : id - 1;
    this.nextAskId = id <= -ID_LIMIT + 1 ? -1 : id - 1;
    return id;
  }

  /** Whether `slot` names a shard of this system. */
  isShardSlot(slot: number): boolean {
    return Number.isInteger(slot) && slot >= 0 && slot < this.settings.shards;
  }

  // ---- routing ---------------------------------------------------------------------------------

  /** Routes one envelope: handled here when the target lives on this thread, else queued for its shard. */
  route(targetId: number, targetSlot: number, senderId: number, senderSlot: number, flag: number, payload: unknown): void {
    if (targetSlot === this.slot) {
      this.local(targetId, senderId, senderSlot, flag, payload);
      return;
    }
    let box = this.outbox.get(targetSlot);
    if (box === undefined) {
      box = new BatchBuilder();
      this.outbox.set(targetSlot, box);
    }
    box.add(targetId, senderId, senderSlot, flag, payload);
    if (box.messages >= this.settings.maxBatch) this.sendBatch(targetSlot, box.take());
    else if (this.draining) return;
    else if (this.settings.batchAcrossIo) this.scheduleFlush();
    else this.scheduleDrain();
  }

  /** Delivers a batch that arrived from another thread, then runs what became ready. */
  receiveBatch(flat: unknown[]): void {
    let i = 0;
    while (i < flat.length) {
      const target = flat[i] as number;
      const sid = flat[i + 1] as number;
      const sslot = flat[i + 2] as number;
      const flag = flat[i + 3] as number;
      const end = i + HEADER + (flat[i + 4] as number);
      i += HEADER;
      const cell = flag === FLAG_USER && target > 0 ? this.cells.get(target) : undefined;
      if (cell !== undefined) for (; i < end; i++) cell.enqueue(flat[i], sid, sslot);
      else for (; i < end; i++) this.local(target, sid, sslot, flag, flat[i]);
    }
    if (!this.draining) this.drain();
  }

  private local(targetId: number, senderId: number, senderSlot: number, flag: number, payload: unknown): void {
    if (targetId < 0) {
      this.settleAsk(targetId, flag, payload);
      return;
    }
    const cell = this.cells.get(targetId);
    if (cell !== undefined) {
      if (flag === FLAG_USER) cell.enqueue(payload, senderId, senderSlot);
      else if (flag === FLAG_SYSTEM) cell.enqueueSystem(payload as SystemMessage, senderId, senderSlot);
      return;
    }
    if (flag === FLAG_SYSTEM && (payload as SystemMessage).t === 'start') {
      if (!this.stopped) this.createCell(targetId, payload as StartMessage);
    } else if (flag === FLAG_SYSTEM && targetId === 0 && this.topLevel) {
      this.topLevel(payload as SystemMessage, makeRef(senderId, senderSlot));
    } else if (!this.graves.has(targetId) && !this.stopped) {
      this.holdForBirth(targetId, senderId, senderSlot, flag, payload);
    } else this.missing(targetId, senderId, senderSlot, flag, payload);
  }

  /**
   * An envelope for an actor that is not (or no longer) here. A message goes to the dead letters
   * (an ask is answered with ActorNotFoundError at once); a watch or a stop is answered with
   * `terminated`, so that nobody waits for an actor that is gone.
   */
  private missing(targetId: number, senderId: number, senderSlot: number, flag: number, payload: unknown): void {
    if (flag === FLAG_USER) {
      this.deadLetter(targetId, this.slot, senderId, senderSlot, payload);
      if (senderId < 0) {
        const err = new ActorNotFoundError(`actor ${formatRef(makeRef(targetId, this.slot))} does not exist`);
        this.route(senderId, senderSlot, targetId, this.slot, FLAG_ASK_ERROR, errorRecord(err));
      }
    } else if (flag === FLAG_SYSTEM) {
      const msg = payload as SystemMessage;
      if (msg.t === 'watch' || msg.t === 'stop') {
        this.route(senderId, senderSlot, targetId, this.slot, FLAG_SYSTEM, {
          t: 'terminated',
          name: '',
          reason: msg.t === 'watch' ? 'not-found' : 'stopped',
        });
      } else this.deadLetter(targetId, this.slot, senderId, senderSlot, msg);
    }
  }

  /**
   * Holds an envelope for an id this node has never hosted. Order is kept per sender and receiver,
   * not across three parties: a ref handed on through a third shard can outrun the `start` that
   * creates its actor. The envelope waits for that `start` (for at most BIRTH_GRACE_MS of real time;
   * this is transport latency, not actor time) and is then delivered, or treated as missing.
   */
  private holdForBirth(targetId: number, senderId: number, senderSlot: number, flag: number, payload: unknown): void {
    let held = this.unborn.get(targetId);
    if (held === undefined) {
      const timer = setTimeout(() => this.expireUnborn(targetId), BIRTH_GRACE_MS);
      timer.unref();
      held = { items: [], timer };
      this.unborn.set(targetId, held);
    }
    if (held.items.length >= HELD_PER_ACTOR * 4 /* values per envelope */) {
      this.missing(targetId, senderId, senderSlot, flag, payload);
      return;
    }
    held.items.push(senderId, senderSlot, flag, payload);
  }

  private expireUnborn(targetId: number): void {
    const held = this.unborn.get(targetId);
    if (held === undefined) return;
    this.unborn.delete(targetId);
    this.bury(targetId);
    const items = held.items;
    for (let i = 0; i < items.length; i += 4) {
      this.missing(targetId, items[i] as number, items[i + 1] as number, items[i + 2] as number, items[i + 3]);
    }
    if (!this.draining) this.scheduleDrain();
  }

  /** Remembers that `id` is gone (a bounded set), so envelopes to it are not held for its birth. */
  bury(id: number): void {
    if (this.graves.has(id)) return;
    if (this.graves.size >= GRAVES) this.graves.delete(this.graveRing[this.graveNext]!);
    this.graves.add(id);
    this.graveRing[this.graveNext] = id;
    this.graveNext = (this.graveNext + 1) % GRAVES;
  }

  /** Creates a cell for a `start` message; its preStart runs on its first turn. */
  createCell(id: number, spec: StartMessage): Cell {
    const cell = new Cell(this, id, spec);
    this.cells.set(id, cell);
    this.graves.delete(id);
    if (spec.restarts > 0) this.restarts++; // re-created by its supervisor
    const held = this.unborn.get(id);
    if (held !== undefined) {
      this.unborn.delete(id);
      clearTimeout(held.timer);
      const items = held.items;
      for (let i = 0; i < items.length; i += 4) {
        this.local(id, items[i] as number, items[i + 1] as number, items[i + 2] as number, items[i + 3]);
      }
    }
    cell.schedule();
    return cell;
  }

  /** Counts a message that found no actor and remembers it in the ring. */
  deadLetter(targetId: number, targetSlot: number, senderId: number, senderSlot: number, payload: unknown): void {
    this.deadLetterCount++;
    let text: string;
    try {
      text = JSON.stringify(payload) ?? String(payload);
    } catch {
      text = String(payload);
    }
    if (this.deadRing.length >= DEAD_LETTER_RING) this.deadRing.shift();
    this.deadRing.push({
      to: makeRef(targetId, targetSlot),
      from: senderId === 0 ? null : makeRef(senderId, senderSlot),
      message: text.length > 200 ? text.slice(0, 199) + '…' : text,
    });
  }

  // ---- scheduling --------------------------------------------------------------------------------

  /** Puts a cell on the ready queue (the cell guards against double scheduling). */
  enqueueReady(cell: Cell): void {
    this.ready.push(cell);
    if (!this.draining) this.scheduleDrain();
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(this.flushFn);
  }

  /** Runs a drain soon (after the current synchronous work), once. */
  scheduleDrain(): void {
    if (this.drainScheduled) return;
    this.drainScheduled = true;
    queueMicrotask(this.drainFn);
  }

  /**
   * Runs ready cells, each for at most `throughput` messages per turn, until nothing is ready or
   * the drain budget is spent (then it yields to the event loop and continues), and flushes the
   * outboxes: one postMessage per destination per drain.
   */
  drain(): void {
    if (this.draining) return;
    this.drainScheduled = false;
    this.draining = true;
    const budget = this.settings.drainBudget;
    const throughput = this.settings.throughput;
    let total = 0;
    try {
      while (this.readyHead < this.ready.length && total < budget) {
        const cell = this.ready[this.readyHead]!;
        this.ready[this.readyHead++] = undefined;
        cell.scheduled = false;
        total += cell.run(throughput);
        if (cell.runnable()) cell.schedule();
      }
    } finally {
      if (this.readyHead === this.ready.length) {
        this.ready.length = 0;
        this.readyHead = 0;
      } else if (this.readyHead > 1024) {
        this.ready = this.ready.slice(this.readyHead);
        this.readyHead = 0;
      }
      this.draining = false;
      this.flush();
      if (this.readyHead < this.ready.length && !this.drainScheduled) {
        this.drainScheduled = true;
        setImmediate(this.drainFn);
      }
    }
  }

  /** Sends every non-empty outbox. */
  flush(): void {
    for (const [slot, box] of this.outbox) if (box.messages > 0) this.sendBatch(slot, box.take());
  }

  private sendBatch(slot: number, flat: unknown[]): void {
    if (!this.gone.has(slot)) {
      this.transport.send(slot, flat);
      return;
    }
    // The shard is down for good (respawn off): what was sent to it is dead.
    let i = 0;
    while (i < flat.length) {
      const [target, sid, sslot, flag] = flat.slice(i, i + 4) as number[];
      const end = i + HEADER + (flat[i + 4] as number);
      for (i += HEADER; i < end; i++) this.missing(target!, sid!, sslot!, flag!, flat[i]);
    }
  }

  // ---- asks ------------------------------------------------------------------------------------

  /** Sends `msg` to `target` from a temporary ref and resolves with the reply. */
  ask<R>(target: ActorRef, msg: unknown, timeoutMs = this.settings.defaultAskTimeoutMs): Promise<R> {
    if (this.stopped) return Promise.reject(new SystemStoppedError('the actor system is stopped'));
    if (this.down.has(target.slot)) {
      return Promise.reject(
        new ShardCrashedError(`shard ${target.slot} is down; ask to ${formatRef(target)} not sent`, target.slot),
      );
    }
    const id = this.askId();
    return new Promise<R>((resolve, reject) => {
      const pending: PendingAsk = { resolve, reject, timer: undefined, target, watch: false };
      pending.timer = this.clock.setTimer(() => {
        if (this.asks.delete(id)) {
          reject(new AskTimeoutError(`ask to ${formatRef(target)} timed out after ${timeoutMs} ms`));
        }
      }, timeoutMs);
      this.asks.set(id, pending);
      this.route(target.id, target.slot, id, this.slot, FLAG_USER, msg);
    });
  }

  /** Resolves with the reason once `target` terminates; for code outside any actor. */
  terminated(target: ActorRef): Promise<TerminationReason> {
    if (this.down.has(target.slot)) return Promise.resolve('shard-crash');
    const id = this.askId();
    return new Promise<TerminationReason>((resolve, reject) => {
      this.asks.set(id, { resolve, reject, timer: undefined, target, watch: true });
      this.route(target.id, target.slot, id, this.slot, FLAG_SYSTEM, { t: 'watch' });
    });
  }

  /** Opens a mailbox for code outside any actor: messages sent to the returned ref go to `handler`. */
  openInbox(handler: (msg: unknown) => void): ActorRef {
    const id = this.askId();
    this.asks.set(id, { resolve: () => {}, reject: () => {}, timer: undefined, target: makeRef(0, this.slot), watch: false, inbox: handler });
    return makeRef(id, this.slot);
  }

  /** Closes an inbox; later messages to it are dropped. */
  closeInbox(ref: ActorRef): void {
    if (this.asks.get(ref.id)?.inbox) this.asks.delete(ref.id);
  }

  private settleAsk(id: number, flag: number, payload: unknown): void {
    const pending = this.asks.get(id);
    if (pending === undefined) return; // timed out already
    if (pending.inbox) {
      if (flag === FLAG_USER) pending.inbox(payload);
      return;
    }
    if (pending.watch) {
      if (flag !== FLAG_SYSTEM || (payload as SystemMessage).t !== 'terminated') return;
      this.asks.delete(id);
      pending.resolve((payload as TerminatedMessage).reason);
      return;
    }
    this.asks.delete(id);
    this.clock.clearTimer(pending.timer as object);
    if (flag === FLAG_ASK_ERROR) pending.reject(reviveError(payload as ErrorRecord));
    else pending.resolve(payload);
  }

  private dropPending(id: number, pending: PendingAsk, err: Error, reason: TerminationReason): void {
    this.asks.delete(id);
    if (pending.watch) pending.resolve(reason);
    else {
      this.clock.clearTimer(pending.timer as object);
      pending.reject(err);
    }
  }

  // ---- shard failure -----------------------------------------------------------------------------

  /**
   * The shard at `slot` died: asks waiting on it are rejected, watchers of its actors are told,
   * supervisors of its actors restart them (their `start` is held until the shard is back), and
   * actors whose parent lived there are stopped. A `permanent` loss (respawn off) turns whatever is
   * sent there afterwards into dead letters.
   */
  shardDown(slot: number, reason: string, permanent = false): void {
    this.down.add(slot);
    if (permanent) this.gone.add(slot);
    this.transport.disconnect(slot);
    for (const [id, pending] of this.asks) {
      if (pending.target.slot !== slot) continue;
      const err = new ShardCrashedError(
        `shard ${slot} exited (${reason}) while an ask to ${formatRef(pending.target)} was pending`,
        slot,
      );
      this.dropPending(id, pending, err, 'shard-crash');
    }
    for (const cell of [...this.cells.values()]) cell.shardDown(slot, reason, permanent);
    if (!this.draining) this.drain();
  }

  /** The shard at `slot` is back (already connected through the transport). */
  shardUp(slot: number): void {
    this.down.delete(slot);
  }

  /** Whether the shard at `slot` is down for good (it died with respawn off). */
  isGone(slot: number): boolean {
    return this.gone.has(slot);
  }

  /** Whether the shard at `slot` is currently down. */
  isDown(slot: number): boolean {
    return this.down.has(slot);
  }

  // ---- introspection ---------------------------------------------------------------------------

  /** This node's counters. */
  stats(): NodeStats {
    let depth = 0;
    let max = 0;
    for (const cell of this.cells.values()) {
      const d = cell.mailboxDepth();
      depth += d;
      if (d > max) max = d;
    }
    return {
      slot: this.slot,
      actors: this.cells.size,
      mailboxDepth: depth,
      maxMailboxDepth: max,
      processed: this.processed,
      deadLetters: this.deadLetterCount,
      restarts: this.restarts,
      pendingAsks: this.asks.size,
    };
  }

  /** Every hosted actor, for `system.tree()`. */
  cellInfos(): CellInfo[] {
    const out: CellInfo[] = [];
    for (const cell of this.cells.values()) out.push(cell.info());
    return out;
  }

  /** The most recent dead letters (at most 64). */
  deadLetters(): DeadLetter[] {
    return [...this.deadRing];
  }

  /** Refuses new work and rejects pending asks; used when the system stops. */
  close(): void {
    this.stopped = true;
    const err = new SystemStoppedError('the actor system stopped while an ask was pending');
    for (const [id, pending] of this.asks) this.dropPending(id, pending, err, 'stopped');
    for (const held of this.unborn.values()) clearTimeout(held.timer);
    this.unborn.clear();
    this.flush();
  }
}
