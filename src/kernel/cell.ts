import {
  kindName,
  lookupKind,
  type Actor,
  type ActorClass,
  type Context,
  type SpawnOptions,
  type TerminationReason,
  type Timers,
} from './actor.js';
import type { Clock } from './clock.js';
import { ActorFailedError, errorRecord, RestartIntensityError, ShardCrashedError, reviveError } from './errors.js';
import type { Node } from './node.js';
import {
  FLAG_ASK_ERROR,
  FLAG_SYSTEM,
  FLAG_USER,
  type FailedMessage,
  type StartMessage,
  type SystemMessage,
  type TerminatedMessage,
} from './protocol.js';
import { formatRef, makeRef, MAIN_SLOT, type ActorRef } from './ref.js';
import {
  backoffDelay,
  resolveSupervision,
  RestartWindow,
  validateRestartType,
  type SupervisorSpec,
} from './supervision.js';

// Lifecycle states. NEW runs preStart on the next turn; FAILED waits for the parent's decision;
// RESTARTING and STOPPING wait for the children to terminate, then run postStop.
const NEW = 0;
const RUNNING = 1;
const FAILED = 2;
const RESTARTING = 3;
const STOPPING = 4;
const STOPPED = 5;
const STATE_NAMES = ['new', 'running', 'failed', 'restarting', 'stopping', 'stopped'];

// What a settled async turn continues with.
const TURN_MESSAGE = 0;
const TURN_STOP = 1;
const TURN_RESTART = 2;

const DEFAULT_SHUTDOWN_MS = 5000;
const NAME_PATTERN = /^[^/\s]{1,253}$/;

/** A child as its parent remembers it: the spec to restart it from, and its restart bookkeeping. */
interface ChildEntry {
  ref: ActorRef;
  spec: StartMessage;
  /** A cell exists (or is being created) at the host; false once it terminated or its shard died. */
  alive: boolean;
  /** The parent asked it to stop: its termination is expected, not a reason to restart. */
  stopping: boolean;
  /** Restarts in a row, for backoff. */
  attempts: number;
  /** When it was last restarted (for resetting the backoff). */
  startedAt: number;
  /** A delayed (backoff) restart is pending. */
  timer: unknown;
}

interface SystemEntry {
  msg: SystemMessage;
  sid: number;
  sslot: number;
}

const MAILBOX_INITIAL = 16;
/** A drained mailbox larger than this is released rather than kept for the next burst. */
const MAILBOX_KEEP = 4096;

/**
 * Cell hosts one actor on its node: mailbox, lifecycle, supervision of its children and death
 * watch. It is also the actor's Context. The mailbox is a ring: messages in one array, sender ids
 * and slots in an Int32Array beside it, so a send allocates nothing (measured: a ring stays
 * several times faster than growing arrays).
 */
export class Cell implements Context<unknown> {
  readonly self: ActorRef;
  spec: StartMessage;
  /** On the node's ready queue. */
  scheduled = false;
  /** An async turn is in progress. */
  busy = false;

  private state = NEW;
  private behavior: Actor<any, any> | null = null;
  private msgs: unknown[] | null = null;
  private senders: Int32Array | null = null;
  private head = 0;
  private size = 0;
  private mask = 0;
  /** Messages this actor has handled (`/debug/actors`). */
  private processed = 0;
  private sys: SystemEntry[] | null = null;
  private curSid = 0;
  private curSlot = MAIN_SLOT;
  private children_: Map<string, ChildEntry> | null = null;
  /** Rarely used state (watch, timers, supervision, stop/restart phases), allocated on first use. */
  private ext: CellExtras | null = null;

  constructor(
    readonly node: Node,
    id: number,
    spec: StartMessage,
  ) {
    this.self = makeRef(id, node.slot);
    this.spec = spec;
  }

  private get x(): CellExtras {
    return (this.ext ??= new CellExtras());
  }

  // ---- Context -----------------------------------------------------------------------------------

  get parent(): ActorRef {
    return this.spec.parent;
  }

  get name(): string {
    return this.spec.name;
  }

  get sender(): ActorRef | null {
    return this.curSid === 0 ? null : makeRef(this.curSid, this.curSlot);
  }

  get clock(): Clock {
    return this.node.clock;
  }

  get timers(): Timers<unknown> {
    return (this.x.timerTable ??= new CellTimers(this));
  }

  spawn(kind: ActorClass | string, name: string, props: unknown, options: SpawnOptions = {}): ActorRef<any> {
    const kindKey = kindName(kind);
    if (!lookupKind(kindKey)) {
      throw new TypeError(`actor kind "${kindKey}" is not registered (is its module in the modules option?)`);
    }
    if (typeof name !== 'string' || !NAME_PATTERN.test(name)) {
      throw new TypeError('name must be 1 to 253 characters without "/" or white space');
    }
    if (this.state >= RESTARTING) throw new Error(`${this.describe()} is ${STATE_NAMES[this.state]}; it cannot spawn`);
    const children = (this.children_ ??= new Map());
    if (children.has(name)) throw new Error(`${this.describe()} already has a child named "${name}"`);
    const slot = options.ref?.slot ?? options.slot ?? (this.node.slot === MAIN_SLOT ? 0 : this.node.slot);
    if (options.ref && options.slot !== undefined && options.slot !== slot) throw new RangeError(`options.ref is on shard ${slot}, options.slot says ${options.slot}`);
    if (!this.node.isShardSlot(slot)) {
      throw new RangeError(`options.slot must be an integer from 0 to ${this.node.settings.shards - 1}`);
    }
    if (this.node.isGone(slot)) throw new Error(`shard ${slot} exited and is not respawned (respawn is off)`);
    const restart = options.restart === undefined ? 'permanent' : validateRestartType(options.restart, 'options.restart');
    if (options.supervision !== undefined) resolveSupervision(options.supervision, undefined, 'options.supervision');
    const shutdownMs = options.shutdownMs ?? DEFAULT_SHUTDOWN_MS;
    if (!Number.isFinite(shutdownMs) || shutdownMs < 0) throw new TypeError('options.shutdownMs must be a number >= 0');
    const ref = options.ref ?? makeRef(this.node.allocateId(), slot);
    const spec: StartMessage = {
      t: 'start',
      kind: kindKey,
      name,
      props,
      parent: this.self,
      restart,
      shutdownMs,
      restarts: 0,
    };
    if (options.supervision !== undefined) spec.supervision = options.supervision;
    children.set(name, {
      ref,
      spec,
      alive: true,
      stopping: false,
      attempts: 0,
      startedAt: 0,
      timer: undefined,
    });
    this.node.route(ref.id, slot, this.self.id, this.self.slot, FLAG_SYSTEM, spec);
    return ref;
  }

  stop(ref: ActorRef): void {
    if (ref.id === this.self.id && ref.slot === this.self.slot) {
      this.enqueueSystem({ t: 'stop' }, this.self.id, this.self.slot);
      return;
    }
    const entry = this.findChild(ref);
    if (!entry) throw new TypeError(`ctx.stop takes ctx.self or a child of ${this.describe()}; ${formatRef(ref)} is neither`);
    this.stopChild(entry);
  }

  send<M>(ref: ActorRef<M>, msg: M): void {
    this.node.route(ref.id, ref.slot, this.self.id, this.self.slot, FLAG_USER, msg);
  }

  reply(msg: unknown): void {
    if (this.curSid !== 0) this.node.route(this.curSid, this.curSlot, this.self.id, this.self.slot, FLAG_USER, msg);
  }

  forward<M>(ref: ActorRef<M>, msg: M): void {
    this.node.route(ref.id, ref.slot, this.curSid, this.curSlot, FLAG_USER, msg);
  }

  ask<R = unknown>(ref: ActorRef, msg: unknown, timeoutMs?: number): Promise<R> {
    return this.node.ask<R>(ref, msg, timeoutMs);
  }

  watch(ref: ActorRef): void {
    const watching = (this.x.watching ??= new Map());
    if (watching.has(ref.id)) return;
    watching.set(ref.id, ref);
    if (this.node.isDown(ref.slot)) {
      this.enqueueSystem({ t: 'terminated', name: '', reason: 'shard-crash' }, ref.id, ref.slot);
    } else {
      this.node.route(ref.id, ref.slot, this.self.id, this.self.slot, FLAG_SYSTEM, { t: 'watch' });
    }
  }

  unwatch(ref: ActorRef): void {
    if (this.ext?.watching?.delete(ref.id)) {
      this.node.route(ref.id, ref.slot, this.self.id, this.self.slot, FLAG_SYSTEM, { t: 'unwatch' });
    }
  }

  children(): ActorRef[] {
    const out: ActorRef[] = [];
    if (this.children_) for (const e of this.children_.values()) if (e.alive) out.push(e.ref);
    return out;
  }

  child(name: string): ActorRef | undefined {
    const e = this.children_?.get(name);
    return e?.alive ? e.ref : undefined;
  }

  // ---- delivery and turns ----------------------------------------------------------------------

  /** Appends a user message. */
  enqueue(msg: unknown, senderId: number, senderSlot: number): void {
    if (this.state >= STOPPING) {
      this.node.deadLetter(this.self.id, this.self.slot, senderId, senderSlot, msg);
      if (senderId < 0) this.rejectAsk(senderId, senderSlot, `actor ${this.describe()} is stopping`);
      return;
    }
    if (this.msgs === null || this.size > this.mask) this.growMailbox();
    const i = (this.head + this.size) & this.mask;
    this.msgs![i] = msg;
    this.senders![2 * i] = senderId;
    this.senders![2 * i + 1] = senderSlot;
    this.size++;
    if (!this.scheduled && !this.busy && this.state === RUNNING) this.schedule();
  }

  private growMailbox(): void {
    const cap = this.msgs === null ? MAILBOX_INITIAL : (this.mask + 1) * 2;
    const msgs = new Array<unknown>(cap).fill(undefined);
    const senders = new Int32Array(cap * 2);
    for (let k = 0; k < this.size; k++) {
      const j = (this.head + k) & this.mask;
      msgs[k] = this.msgs![j];
      senders[2 * k] = this.senders![2 * j]!;
      senders[2 * k + 1] = this.senders![2 * j + 1]!;
    }
    this.msgs = msgs;
    this.senders = senders;
    this.head = 0;
    this.mask = cap - 1;
  }

  /** Appends a system message; watch bookkeeping is applied at once (it runs no user code). */
  enqueueSystem(msg: SystemMessage, senderId: number, senderSlot: number): void {
    if (msg.t === 'watch' || msg.t === 'unwatch') {
      this.updateWatchers(msg.t, makeRef(senderId, senderSlot));
      return;
    }
    (this.sys ??= []).push({ msg, sid: senderId, sslot: senderSlot });
    if (this.busy && (msg.t === 'stop' || msg.t === 'start')) this.armForceTimer();
    this.schedule();
  }

  /** Puts this cell on its node's ready queue unless it is there already or mid-turn. */
  schedule(): void {
    if (this.scheduled || this.busy || this.state === STOPPED) return;
    this.scheduled = true;
    this.node.enqueueReady(this);
  }

  /** Whether a turn could run now. */
  runnable(): boolean {
    if (this.busy || this.state === STOPPED) return false;
    if (this.sys !== null) return true;
    if (this.state === NEW) return true;
    return this.state === RUNNING && this.size > 0;
  }

  /**
   * Runs up to `budget` messages: system messages first, then user messages, one turn at a time.
   * Only user messages already queued when the run began are taken, so an actor that keeps sending
   * itself continuations yields to the others on its shard after each one.
   */
  run(budget: number): number {
    let n = 0;
    let userLeft = this.size;
    while (n < budget && !this.busy) {
      const sys = this.sys;
      if (sys !== null) {
        const entry = sys.shift()!;
        if (sys.length === 0) this.sys = null;
        n++;
        this.curSid = 0;
        this.handleSystem(entry);
        continue;
      }
      if (this.state === NEW) {
        n++;
        this.init();
        continue;
      }
      if (this.state !== RUNNING || this.size === 0 || userLeft-- === 0) break;
      const msgs = this.msgs!;
      const i = this.head;
      const msg = msgs[i];
      msgs[i] = undefined;
      this.curSid = this.senders![2 * i]!;
      this.curSlot = this.senders![2 * i + 1]!;
      this.head = (i + 1) & this.mask;
      if (--this.size === 0 && this.mask >= MAILBOX_KEEP) this.msgs = this.senders = null;
      n++;
      let result: unknown;
      try {
        result = this.behavior!.receive(msg);
      } catch (err) {
        this.fail(err);
        continue;
      }
      if (result !== undefined && typeof (result as Promise<unknown>).then === 'function') {
        this.awaitTurn(result as Promise<unknown>, TURN_MESSAGE);
      }
    }
    this.processed += n;
    this.node.processed += n;
    return n;
  }

  /**
   * Holds the actor until `result` settles. Only async turns get here: the two continuations are
   * the price of an async handler, never of a synchronous one.
   */
  private awaitTurn(result: Promise<unknown>, kind: number): void {
    this.busy = true;
    this.x.turnKind = kind;
    const seq = ++this.x.turnSeq;
    result.then(
      () => this.endTurn(seq, undefined),
      (err: unknown) => this.endTurn(seq, err ?? new Error('rejected without a reason')),
    );
  }

  private endTurn(seq: number, err: unknown): void {
    if (seq !== this.x.turnSeq || !this.busy) return; // an abandoned turn settled late
    this.busy = false;
    this.clearForceTimer();
    const kind = this.x.turnKind;
    this.x.turnKind = TURN_MESSAGE;
    if (kind === TURN_STOP) this.finishStop();
    else if (kind === TURN_RESTART) this.finishRestart();
    else if (err !== undefined) this.fail(err);
    this.schedule();
  }

  private init(): void {
    this.curSid = 0; // no sender while preStart runs
    const cls = lookupKind(this.spec.kind);
    try {
      if (!cls) throw new TypeError(`actor kind "${this.spec.kind}" is not registered on shard ${this.node.slot}`);
      this.behavior = new cls(this, this.spec.props);
      this.state = RUNNING;
      const result = this.behavior.preStart?.();
      if (result !== undefined && typeof (result as Promise<unknown>).then === 'function') {
        this.awaitTurn(result as Promise<unknown>, TURN_MESSAGE);
      }
    } catch (err) {
      this.state = RUNNING;
      this.fail(err);
    }
  }

  // ---- failure and supervision (as a child) --------------------------------------------------

  /** This actor failed: it is suspended and its parent decides (restart or stop). */
  private fail(err: unknown): void {
    if (this.state >= RESTARTING || this.state === FAILED) return;
    if (this.curSid < 0) this.rejectAsk(this.curSid, this.curSlot, errorMessage(err), true);
    this.state = FAILED;
    this.ext?.timerTable?.cancelAll();
    const msg: FailedMessage = { t: 'failed', name: this.name, error: errorRecord(err) };
    this.node.route(this.parent.id, this.parent.slot, this.self.id, this.self.slot, FLAG_SYSTEM, msg);
  }

  private rejectAsk(askId: number, slot: number, message: string, failed = false): void {
    const err = failed
      ? new ActorFailedError(`${this.describe()} failed while handling the ask: ${message}`)
      : new Error(message);
    this.node.route(askId, slot, this.self.id, this.self.slot, FLAG_ASK_ERROR, errorRecord(err));
  }

  private handleSystem(entry: SystemEntry): void {
    const msg = entry.msg;
    switch (msg.t) {
      case 'start':
        if (this.state <= FAILED) {
          this.spec = msg;
          this.beginPhase(RESTARTING);
        }
        return;
      case 'stop':
        if (this.state < STOPPING) {
          this.x.stopReason = entry.sid === this.self.id ? 'normal' : 'stopped';
          this.beginPhase(STOPPING);
        }
        return;
      case 'failed':
        this.childFailed(msg, entry.sid);
        return;
      case 'terminated':
        this.terminated(msg, entry.sid, entry.sslot);
        return;
      default:
        return;
    }
  }

  /** Stops every child; when the last has terminated, runs postStop and finishes the phase. */
  private beginPhase(state: typeof RESTARTING | typeof STOPPING): void {
    this.state = state;
    this.ext?.timerTable?.cancelAll();
    this.x.awaiting = 0;
    if (this.children_) {
      for (const entry of [...this.children_.values()]) {
        this.clearChildTimer(entry);
        if (!entry.alive) {
          this.children_.delete(entry.spec.name);
          continue;
        }
        this.x.awaiting++;
        if (!entry.stopping) this.stopChild(entry);
      }
    }
    if (this.x.awaiting === 0) this.postStop();
  }

  private postStop(): void {
    const kind = this.state === STOPPING ? TURN_STOP : TURN_RESTART;
    let result: unknown;
    try {
      result = this.behavior?.postStop?.();
    } catch (err) {
      this.node.settings.log('warn', `${this.describe()} postStop threw: ${errorMessage(err)}`);
    }
    if (result !== undefined && typeof (result as Promise<unknown>).then === 'function') {
      const quiet = (result as Promise<unknown>).catch((err: unknown) => {
        this.node.settings.log('warn', `${this.describe()} postStop rejected: ${errorMessage(err)}`);
      });
      this.awaitTurn(quiet, kind);
      this.armForceTimer();
      return;
    }
    if (kind === TURN_STOP) this.finishStop();
    else this.finishRestart();
  }

  private finishRestart(): void {
    this.behavior = null;
    this.children_ = null;
    this.state = NEW;
    this.node.restarts++;
    this.schedule();
  }

  private finishStop(): void {
    this.state = STOPPED;
    this.behavior = null;
    this.node.cells.delete(this.self.id);
    this.node.bury(this.self.id);
    const { id, slot } = this.self;
    for (; this.size > 0; this.size--) {
      const i = this.head;
      const sid = this.senders![2 * i]!;
      const sslot = this.senders![2 * i + 1]!;
      this.node.deadLetter(id, slot, sid, sslot, this.msgs![i]);
      if (sid < 0) this.rejectAsk(sid, sslot, `actor ${this.describe()} stopped before handling the ask`);
      this.head = (i + 1) & this.mask;
    }
    this.msgs = this.senders = null;
    const note: TerminatedMessage = { t: 'terminated', name: this.name, reason: this.ext?.stopReason ?? 'stopped' };
    this.node.route(this.parent.id, this.parent.slot, id, slot, FLAG_SYSTEM, note);
    const watchers = this.ext?.watchers;
    if (watchers) {
      for (const w of watchers.values()) {
        if (w.id !== this.parent.id || w.slot !== this.parent.slot) this.node.route(w.id, w.slot, id, slot, FLAG_SYSTEM, note);
      }
      this.x.watchers = null;
    }
    const watching = this.ext?.watching;
    if (watching) {
      for (const ref of watching.values()) this.node.route(ref.id, ref.slot, id, slot, FLAG_SYSTEM, { t: 'unwatch' });
      this.x.watching = null;
    }
  }

  /**
   * A stop or restart waits for the turn in progress, but not forever: after `shutdownMs` the turn
   * is abandoned (its late settlement is ignored) and the stop or restart goes on, as OTP kills a
   * child that ignores its shutdown.
   */
  private armForceTimer(): void {
    if (this.x.forceTimer !== undefined) return;
    this.x.forceTimer = this.node.clock.setTimer(() => {
      this.x.forceTimer = undefined;
      if (!this.busy) return;
      this.node.settings.log(
        'warn',
        `${this.describe()} did not finish its turn within ${this.spec.shutdownMs} ms; going on without it`,
      );
      this.x.turnSeq++;
      this.busy = false;
      const kind = this.x.turnKind;
      this.x.turnKind = TURN_MESSAGE;
      if (kind === TURN_STOP) this.finishStop();
      else if (kind === TURN_RESTART) this.finishRestart();
      this.schedule();
    }, this.spec.shutdownMs);
  }

  private clearForceTimer(): void {
    if (this.x.forceTimer !== undefined) {
      this.node.clock.clearTimer(this.x.forceTimer as object);
      this.x.forceTimer = undefined;
    }
  }

  // ---- supervision (as a parent) ---------------------------------------------------------------

  private findChild(ref: ActorRef): ChildEntry | undefined {
    if (!this.children_) return undefined;
    for (const e of this.children_.values()) if (e.ref.id === ref.id) return e;
    return undefined;
  }

  private stopChild(entry: ChildEntry): void {
    this.clearChildTimer(entry);
    if (!entry.alive) {
      this.children_!.delete(entry.spec.name);
      return;
    }
    entry.stopping = true;
    this.node.route(entry.ref.id, entry.ref.slot, this.self.id, this.self.slot, FLAG_SYSTEM, { t: 'stop' });
  }

  private clearChildTimer(entry: ChildEntry): void {
    if (entry.timer !== undefined) {
      this.node.clock.clearTimer(entry.timer as object);
      entry.timer = undefined;
    }
  }

  private childFailed(msg: FailedMessage, sid: number): void {
    const entry = this.children_?.get(msg.name);
    if (!entry || entry.ref.id !== sid) return;
    if (this.state >= RESTARTING || entry.stopping) {
      if (!entry.stopping) this.stopChild(entry);
      return;
    }
    this.supervise(entry, reviveError(msg.error), true);
  }

  private terminated(msg: TerminatedMessage, sid: number, sslot: number): void {
    // A host that no longer knew the child answers without its name: find it by id then.
    const entry = msg.name === '' ? this.findChild(makeRef(sid, sslot)) : this.children_?.get(msg.name);
    if (entry && entry.ref.id === sid && entry.alive && msg.reason !== 'shard-crash') {
      entry.alive = false;
      if (this.state === RESTARTING || this.state === STOPPING) {
        this.children_!.delete(entry.spec.name);
        if (--this.x.awaiting === 0) this.postStop();
      } else if (entry.stopping || entry.spec.restart !== 'permanent' || this.state === FAILED) {
        this.children_!.delete(entry.spec.name);
      } else {
        // A permanent child stopped by itself: OTP restarts it.
        this.supervise(entry, null, true);
      }
    }
    const watched = this.ext?.watching?.get(sid);
    if (watched && watched.slot === sslot) {
      this.x.watching!.delete(sid);
      this.signalTerminated(watched, msg.reason);
    }
  }

  private signalTerminated(ref: ActorRef, reason: TerminationReason): void {
    if (this.state !== RUNNING || !this.behavior?.onTerminated) return;
    this.curSid = 0;
    let result: unknown;
    try {
      result = this.behavior.onTerminated(ref, reason);
    } catch (err) {
      this.fail(err);
      return;
    }
    if (result !== undefined && typeof (result as Promise<unknown>).then === 'function') {
      this.awaitTurn(result as Promise<unknown>, TURN_MESSAGE);
    }
  }

  private getSupervisorSpec(): SupervisorSpec {
    if (this.x.supervisorSpec === null) {
      const kindDefault = resolveSupervision(lookupKind(this.spec.kind)?.supervision);
      this.x.supervisorSpec = resolveSupervision(this.spec.supervision, kindDefault);
    }
    return this.x.supervisorSpec;
  }

  /**
   * Applies the supervision strategy to a child that failed (`cause` set) or stopped by itself
   * (`cause` null). `count` is false for the further children lost in one shard crash, which counts
   * as a single restart.
   */
  private supervise(entry: ChildEntry, cause: Error | null, count: boolean): void {
    const restartType = entry.spec.restart;
    if (restartType === 'temporary' || (cause === null && restartType === 'transient')) {
      this.stopChild(entry);
      return;
    }
    const spec = this.getSupervisorSpec();
    const window = (this.x.window ??= new RestartWindow());
    if (count && !window.allow(spec, this.node.clock.now())) {
      const last = cause ? `${cause.name}: ${cause.message}` : 'a child stopped';
      this.escalate(
        new RestartIntensityError(
          `${this.describe()} gave up: more than ${spec.intensity} restart(s) in ${spec.periodMs} ms (last: ${entry.spec.name}: ${last})`,
        ),
      );
      return;
    }
    for (const target of this.restartTargets(entry, spec)) {
      if (target !== entry && target.spec.restart === 'temporary') this.stopChild(target);
      else this.restartChild(target, spec);
    }
  }

  private restartTargets(entry: ChildEntry, spec: SupervisorSpec): ChildEntry[] {
    if (spec.strategy === 'one_for_one') return [entry];
    const all = [...this.children_!.values()];
    if (spec.strategy === 'one_for_all') return all.filter((e) => e === entry || !e.stopping);
    const from = all.indexOf(entry);
    return all.slice(from).filter((e) => e === entry || !e.stopping);
  }

  /** Sends the child's spec again after its backoff delay: it restarts in place, or is re-created. */
  private restartChild(entry: ChildEntry, spec: SupervisorSpec): void {
    this.clearChildTimer(entry);
    const now = this.node.clock.now();
    let delay = 0;
    const backoff = spec.backoff;
    if (backoff) {
      if (entry.attempts > 0 && now - entry.startedAt >= (backoff.resetAfterMs ?? backoff.maxMs)) entry.attempts = 0;
      delay = backoffDelay(backoff, entry.attempts++, this.node.settings.random);
    }
    const send = (): void => {
      entry.timer = undefined;
      entry.alive = true;
      entry.startedAt = this.node.clock.now();
      entry.spec.restarts++;
      this.node.route(entry.ref.id, entry.ref.slot, this.self.id, this.self.slot, FLAG_SYSTEM, entry.spec);
    };
    if (delay > 0) entry.timer = this.node.clock.setTimer(send, delay);
    else send();
  }

  private escalate(err: Error): void {
    if (this.children_) for (const entry of [...this.children_.values()]) if (!entry.stopping) this.stopChild(entry);
    this.fail(err);
  }

  /**
   * The shard at `slot` died: handle children, watched actors and the parent that lived there.
   * When it is `permanent`ly gone (respawn off), lost children are dropped instead of restarted.
   */
  shardDown(slot: number, reason: string, permanent: boolean): void {
    if (this.state === STOPPED) return;
    if (this.parent.slot === slot) {
      // Orphaned: the parent is gone with its shard; it will be rebuilt with fresh children.
      this.x.stopReason = 'stopped';
      if (this.state < STOPPING) {
        (this.sys ??= []).push({ msg: { t: 'stop' }, sid: 0, sslot: MAIN_SLOT });
        this.schedule();
      }
    }
    const watching = this.ext?.watching;
    if (watching) {
      for (const ref of [...watching.values()]) {
        if (ref.slot !== slot) continue;
        (this.sys ??= []).push({ msg: { t: 'terminated', name: '', reason: 'shard-crash' }, sid: ref.id, sslot: ref.slot });
        this.schedule();
      }
    }
    if (!this.children_) return;
    const lost = [...this.children_.values()].filter((e) => e.ref.slot === slot && e.alive);
    if (lost.length === 0) return;
    for (const entry of lost) entry.alive = false;
    const err = new ShardCrashedError(`shard ${slot} exited (${reason})`, slot);
    let first = true;
    for (const entry of lost) {
      if (this.state === RESTARTING || this.state === STOPPING) {
        this.children_.delete(entry.spec.name);
        if (--this.x.awaiting === 0) this.postStop();
      } else if (entry.stopping || this.state === FAILED || permanent) {
        this.children_.delete(entry.spec.name);
      } else if (!entry.alive && entry.timer === undefined) {
        // Not already restarted by a one_for_all or rest_for_one sibling in this loop.
        this.supervise(entry, err, first);
        first = false;
      }
    }
  }

  private updateWatchers(kind: 'watch' | 'unwatch', watcher: ActorRef): void {
    // By slot and id: the ids of outside watches are per thread.
    const key = `${watcher.slot}:${watcher.id}`;
    if (kind === 'watch') {
      if (this.state === STOPPED) return;
      const watchers = (this.x.watchers ??= new Map());
      if (!watchers.has(key)) watchers.set(key, watcher);
    } else this.ext?.watchers?.delete(key);
  }

  // ---- introspection -----------------------------------------------------------------------------

  /** Messages waiting in the mailbox. */
  mailboxDepth(): number {
    return this.size;
  }

  /** This actor for `system.tree()`. */
  info() {
    return {
      id: this.self.id,
      slot: this.self.slot,
      name: this.name,
      kind: this.spec.kind,
      parent: this.parent,
      state: STATE_NAMES[this.state]!,
      mailbox: this.mailboxDepth(),
      processed: this.processed,
      restarts: this.spec.restarts,
    };
  }

  /** `name (kind #id@slot)`, for messages. */
  describe(): string {
    return `actor "${this.name}" (${this.spec.kind} ${formatRef(this.self)})`;
  }
}

/** The parts of a cell most actors never use. */
class CellExtras {
  /** Who watches this actor, by `slot:id`. */
  watchers: Map<string, ActorRef> | null = null;
  watching: Map<number, ActorRef> | null = null;
  timerTable: CellTimers | null = null;
  window: RestartWindow | null = null;
  supervisorSpec: SupervisorSpec | null = null;
  /** Children still to terminate before a stop or restart goes on. */
  awaiting = 0;
  turnKind = TURN_MESSAGE;
  stopReason: TerminationReason = 'stopped';
  /** Identifies the async turn in progress; a settlement for another turn is stale and ignored. */
  turnSeq = 0;
  forceTimer: unknown = undefined;
}

/** The named timers of one cell. */
class CellTimers implements Timers<unknown> {
  private readonly table = new Map<string, unknown>();

  constructor(private readonly cell: Cell) {}

  once(key: string, delayMs: number, msg: unknown): void {
    this.start(key, delayMs, msg, false);
  }

  periodic(key: string, intervalMs: number, msg: unknown): void {
    if (!(intervalMs > 0)) throw new RangeError('intervalMs must be a number > 0');
    this.start(key, intervalMs, msg, true);
  }

  cancel(key: string): void {
    const handle = this.table.get(key);
    if (handle !== undefined) {
      this.cell.node.clock.clearTimer(handle as object);
      this.table.delete(key);
    }
  }

  isActive(key: string): boolean {
    return this.table.has(key);
  }

  cancelAll(): void {
    for (const handle of this.table.values()) this.cell.node.clock.clearTimer(handle as object);
    this.table.clear();
  }

  private start(key: string, ms: number, msg: unknown, periodic: boolean): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError('delay must be a finite number >= 0');
    this.cancel(key);
    const clock = this.cell.node.clock;
    const fire = (): void => {
      if (periodic) this.table.set(key, clock.setTimer(fire, ms));
      else this.table.delete(key);
      this.cell.enqueue(msg, 0, MAIN_SLOT);
    };
    this.table.set(key, clock.setTimer(fire, ms));
  }
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
