import { EventEmitter } from 'node:events';
import { getHeapStatistics } from 'node:v8';
import { MessageChannel, Worker } from 'node:worker_threads';
import { Actor, kindName, registerModule, type ActorClass, type MsgOf, type PropsOf, type SpawnOptions, type TerminationReason } from './actor.js';
import type { Cell } from './cell.js';
import { RealClock, VirtualClock, type Clock } from './clock.js';
import { ControlClient } from './control.js';
import { reviveError, SystemStoppedError, type ErrorRecord } from './errors.js';
import { makeLog } from './log.js';
import { Node, type CellInfo, type DeadLetter, type NodeStats } from './node.js';
import { resolveOptions, type ActorSystemOptions, type ResolvedOptions } from './options.js';
import { FLAG_SYSTEM, FLAG_USER, type FailedMessage, type StartMessage, type SystemMessage } from './protocol.js';
import { makeRandom } from './random.js';
import { IdGrants } from './ids.js';
import { GUARDIAN_ID, MAIN_SLOT, makeRef, type ActorRef } from './ref.js';
import type { ShardBoot } from './shard.js';
import { PortTransport } from './transport.js';

const SHARD_ENTRY = new URL('./shard.js', import.meta.url);

/** The guardian: root actors' parent on the main thread. It handles no messages of its own. */
class Guardian extends Actor<never> {
  static override readonly kind = '$guardian';
  receive(): void {}
}

/** One actor in `system.tree()`. */
export interface ActorTreeNode {
  name: string;
  kind: string;
  ref: ActorRef;
  state: string;
  mailbox: number;
  /** Messages handled so far. */
  processed: number;
  restarts: number;
  children: ActorTreeNode[];
}

/** One node (a shard, or the main thread at slot -1) in `system.report()`. */
export interface NodeReport extends NodeStats {
  /** The node's V8 heap in use, in bytes. */
  heapUsedBytes: number;
}

/** What `system.report()` gathered before its deadline. */
export interface SystemReport {
  /** The nodes that answered, main thread first. */
  nodes: NodeReport[];
  /** The slots of live shards that did not answer in time (busy, or dying). */
  silent: number[];
  /** The supervision tree of the nodes that answered, when asked for. */
  tree?: ActorTreeNode;
}

/** A main-thread mailbox (`system.inbox`). */
export interface Inbox {
  readonly ref: ActorRef;
  close(): void;
}

/** Counters for the whole system: one entry per shard plus the main thread (slot -1). */
export interface SystemStats {
  nodes: NodeStats[];
  actors: number;
  processed: number;
  deadLetters: number;
  restarts: number;
}

interface ShardHandle {
  slot: number;
  worker: Worker;
  control: ControlClient;
  lastError: Error | undefined;
}

/**
 * ActorSystem runs actors on N shards (worker threads with stable slots) plus the main thread,
 * which hosts the guardian. Events: `shardExit` ({slot, reason}), `shardRestart` ({slot}),
 * `escalation` (Error: the guardian gave up and stopped every root actor).
 */
export class ActorSystem extends EventEmitter {
  /** The clock every actor reads. */
  readonly clock: Clock;
  private readonly node: Node;
  private readonly guardian: Cell;
  private readonly shardHandles: (ShardHandle | undefined)[];
  private readonly idGrants: IdGrants;
  private stopping: Promise<void> | undefined;
  private readonly guardianStopped: Promise<void>;
  private resolveGuardianStopped: () => void = () => {};

  private constructor(
    private readonly options: ResolvedOptions,
    handles: ShardHandle[],
    idGrants: IdGrants,
  ) {
    super();
    this.clock = options.clock === 'real' ? new RealClock() : options.clock;
    this.shardHandles = handles;
    this.idGrants = idGrants;
    const transport = new PortTransport({
      batch: (flat) => this.node.receiveBatch(flat),
      control: (msg, slot) => {
        if (msg.ctl === 'ids') this.shardHandles[slot]?.worker.postMessage({ ctl: 'ids', base: this.grantIds() });
      },
    });
    this.node = new Node(
      {
        slot: MAIN_SLOT,
        shards: options.shards,
        idBase: this.grantIds(),
        requestIds: () => this.node.supplyIds(this.grantIds()),
        throughput: options.throughput,
        maxBatch: options.maxBatch,
        drainBudget: options.drainBudget,
        defaultAskTimeoutMs: options.askTimeoutMs,
        batchAcrossIo: true,
        random: makeRandom(options.seed),
        log: makeLog(options.logLevel),
      },
      this.clock,
      transport,
    );
    this.guardianStopped = new Promise((resolve) => (this.resolveGuardianStopped = resolve));
    this.node.topLevel = (msg) => this.onGuardianSignal(msg);
    this.guardian = this.node.createCell(GUARDIAN_ID, this.guardianSpec());
    for (const h of handles) this.attach(h);
    this.connectMesh(handles);
    if (this.clock instanceof VirtualClock) {
      this.clock.coordinate({ advanceTo: (target) => this.advanceTo(target as number) });
    }
  }

  /** Starts the shards, imports the actor modules on each, and returns the running system. */
  static async start(options: ActorSystemOptions = {}): Promise<ActorSystem> {
    const resolved = resolveOptions(options);
    for (const url of resolved.modules) registerModule((await import(url)) as Record<string, unknown>);
    const idGrants = new IdGrants();
    const started = await Promise.allSettled(
      Array.from({ length: resolved.shards }, (_, slot) => startShard(resolved, slot, idGrants.grant())),
    );
    const failed = started.find((r) => r.status === 'rejected');
    if (failed) {
      await Promise.all(
        started.map((r) => (r.status === 'fulfilled' ? r.value.worker.terminate() : undefined)),
      );
      const reason = (failed as PromiseRejectedResult).reason as Error;
      throw new Error(`a shard failed to start: ${reason.message}`, { cause: reason });
    }
    const handles = started.map((r) => (r as PromiseFulfilledResult<ShardHandle>).value);
    return new ActorSystem(resolved, handles, idGrants);
  }

  /** Whether `stop()` was called. */
  get stopped(): boolean {
    return this.stopping !== undefined;
  }

  /** The number of shards. */
  get shards(): number {
    return this.options.shards;
  }

  /**
   * Starts a root actor, supervised by the guardian. Placed on `options.slot`, else on the shard
   * a hash of the name picks. The ref is usable at once.
   */
  spawn<A extends Actor<any, any>>(
    kind: ActorClass<A> | string,
    name: string,
    props: PropsOf<A>,
    options: SpawnOptions = {},
  ): ActorRef<MsgOf<A>> {
    this.assertRunning();
    const slot = options.ref?.slot ?? options.slot ?? hashName(name) % this.options.shards;
    return this.guardian.spawn(kindName(kind), name, props, { ...options, slot });
  }

  /**
   * A ref for a root actor not spawned yet: pass it to `spawn` as `options.ref`. Actors that must
   * know each other from the start (in their props) are spawned so; each reserved ref is used once.
   */
  reserve(slot: number): ActorRef {
    this.assertRunning();
    if (!(Number.isInteger(slot) && slot >= 0 && slot < this.options.shards)) throw new RangeError(`slot must be an integer from 0 to ${this.options.shards - 1}`);
    return makeRef(this.node.allocateId(), slot);
  }

  /** Sends `msg` to `ref` with no sender. */
  send<M>(ref: ActorRef<M>, msg: M): void {
    this.assertRunning();
    this.node.route(ref.id, ref.slot, 0, MAIN_SLOT, FLAG_USER, msg);
  }

  /** Sends `msg` and resolves with the reply (AskTimeoutError after `timeoutMs`, default `askTimeoutMs`). */
  ask<R = unknown>(ref: ActorRef, msg: unknown, timeoutMs?: number): Promise<R> {
    if (this.stopping) return Promise.reject(new SystemStoppedError('the actor system is stopping'));
    return this.node.ask<R>(ref, msg, timeoutMs);
  }

  /**
   * A mailbox on the main thread for code outside any actor (an HTTP watch stream, say): actors
   * send to `ref`, `handler` gets each message in order. Close it when done.
   */
  inbox<M = unknown>(handler: (msg: M) => void): Inbox {
    this.assertRunning();
    const ref = this.node.openInbox(handler as (msg: unknown) => void);
    return { ref, close: () => this.node.closeInbox(ref) };
  }

  /** Resolves with the reason once `ref` terminates (at once with 'not-found' when it does not exist). */
  terminated(ref: ActorRef): Promise<TerminationReason> {
    return this.node.terminated(ref);
  }

  /** Stops a root actor (its children first) and resolves when it has terminated. */
  async stopActor(ref: ActorRef): Promise<TerminationReason> {
    this.assertRunning();
    const done = this.node.terminated(ref);
    this.guardian.stop(ref);
    return done;
  }

  /** The root actors. */
  roots(): ActorRef[] {
    return this.guardian.children();
  }

  /** Counters of every shard and the main thread. */
  async stats(): Promise<SystemStats> {
    const nodes = [this.node.stats(), ...(await this.callAll((c) => c.call('stats')))];
    return {
      nodes,
      actors: sum(nodes, 'actors'),
      processed: sum(nodes, 'processed'),
      deadLetters: sum(nodes, 'deadLetters'),
      restarts: sum(nodes, 'restarts'),
    };
  }

  /**
   * How long each shard's thread has been busy and idle since it started, in ms (its event loop's
   * utilization, read without a message to it, so a saturated shard answers at once). Two readings
   * give the share of a period a shard was busy: a shard near 100 % is the limit.
   */
  shardBusy(): { slot: number; activeMs: number; idleMs: number }[] {
    const out: { slot: number; activeMs: number; idleMs: number }[] = [];
    for (const handle of this.shardHandles) {
      if (!handle) continue;
      const { active, idle } = handle.worker.performance.eventLoopUtilization();
      out.push({ slot: handle.slot, activeMs: active, idleMs: idle });
    }
    return out;
  }

  /** The most recent dead letters of every node. */
  async deadLetters(): Promise<DeadLetter[]> {
    return [this.node.deadLetters(), ...(await this.callAll((c) => c.call('deadLetters')))].flat();
  }

  /** The supervision tree, from the guardian down, gathered from every shard. */
  async tree(): Promise<ActorTreeNode> {
    const infos = [this.node.cellInfos(), ...(await this.callAll((c) => c.call('cells')))].flat();
    return buildTree(infos);
  }

  /**
   * Every node's counters and heap, and with `tree` the supervision tree, in one control call per
   * shard. A shard that does not answer within `timeoutMs` (default 2,000) is named in `silent`
   * instead of failing the whole report: a saturated shard must not hide the others.
   */
  async report(options: { tree?: boolean; timeoutMs?: number } = {}): Promise<SystemReport> {
    const withCells = options.tree ?? false;
    const shards = this.liveShards();
    const answers = await Promise.allSettled(shards.map((h) => h.control.callWithin(options.timeoutMs ?? 2_000, 'report', withCells)));
    const nodes: NodeReport[] = [{ ...this.node.stats(), heapUsedBytes: getHeapStatistics().used_heap_size }];
    const cells: CellInfo[] = withCells ? this.node.cellInfos() : [];
    const silent: number[] = [];
    answers.forEach((a, i) => {
      if (a.status === 'rejected') return void silent.push(shards[i]!.slot);
      nodes.push({ ...a.value.stats, heapUsedBytes: a.value.heapUsedBytes });
      for (const c of a.value.cells ?? []) cells.push(c);
    });
    return withCells ? { nodes, silent, tree: buildTree(cells) } : { nodes, silent };
  }

  /** Heap bytes in use on a shard, after a full GC when `gc` (for memory benchmarks). */
  heapUsed(slot: number, gc = true): Promise<number> {
    return this.handle(slot).control.call('heapUsed', gc);
  }

  /**
   * Stops every actor (children before parents, postStop hooks run), then every worker. Leaves no
   * timer or handle behind: the process can exit by itself. Idempotent.
   */
  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    this.guardian.stop(this.guardian.self);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.guardianStopped,
      new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          this.node.settings.log('warn', `actors did not stop within ${this.options.stopTimeoutMs} ms; terminating shards`);
          resolve();
        }, this.options.stopTimeoutMs);
      }),
    ]);
    clearTimeout(timer);
    this.node.close();
    if (this.clock instanceof VirtualClock) this.clock.coordinate(undefined);
    const handles = this.liveShards();
    this.shardHandles.fill(undefined);
    for (const h of handles) h.control.close();
    await Promise.all(handles.map((h) => h.worker.terminate()));
    this.node.transport.close();
  }

  // ---- guardian ----------------------------------------------------------------------------------

  private guardianSpec(): StartMessage {
    return {
      t: 'start',
      kind: Guardian.kind,
      name: '',
      props: undefined,
      parent: { id: 0, slot: MAIN_SLOT },
      restart: 'permanent',
      supervision: this.options.supervision,
      shutdownMs: this.options.stopTimeoutMs,
      restarts: 0,
    };
  }

  /** The guardian failed (restart intensity exceeded: its roots are stopping) or stopped. */
  private onGuardianSignal(msg: SystemMessage): void {
    if (msg.t === 'terminated') {
      this.resolveGuardianStopped();
    } else if (msg.t === 'failed') {
      const err = reviveError((msg as FailedMessage).error as ErrorRecord);
      // Restart the guardian in place: it waits for its roots to stop, then accepts new ones.
      this.node.route(GUARDIAN_ID, MAIN_SLOT, 0, MAIN_SLOT, FLAG_SYSTEM, this.guardianSpec());
      if (this.listenerCount('escalation') > 0) this.emit('escalation', err);
      else this.node.settings.log('error', `the guardian stopped every root actor: ${err.message}`);
    }
  }

  // ---- shards ----------------------------------------------------------------------------------

  private attach(h: ShardHandle): void {
    this.node.transport.connect(h.slot, h.worker);
    h.worker.once('exit', (code) => this.onShardExit(h, code));
  }

  /** Connects every pair of the given shards (and each of them with every other live shard) by a MessageChannel. */
  private connectMesh(fresh: ShardHandle[]): void {
    const live = this.liveShards();
    const done = new Set<string>();
    for (const a of fresh) {
      for (const b of live) {
        if (a === b) continue;
        const key = a.slot < b.slot ? `${a.slot}:${b.slot}` : `${b.slot}:${a.slot}`;
        if (done.has(key)) continue;
        done.add(key);
        const { port1, port2 } = new MessageChannel();
        const bIsFresh = fresh.includes(b);
        a.worker.postMessage({ ctl: 'peer', slot: b.slot, port: port1 }, [port1]);
        b.worker.postMessage({ ctl: bIsFresh ? 'peer' : 'up', slot: a.slot, port: port2 }, [port2]);
      }
    }
  }

  private onShardExit(h: ShardHandle, code: number): void {
    if (this.stopping || this.shardHandles[h.slot] !== h) return;
    const reason = h.lastError ? `${h.lastError.name}: ${h.lastError.message}` : `exit code ${code}`;
    this.shardHandles[h.slot] = undefined;
    h.control.close();
    this.emit('shardExit', { slot: h.slot, reason });
    const permanent = !this.options.respawn;
    for (const other of this.shardHandles) other?.worker.postMessage({ ctl: 'down', slot: h.slot, reason, permanent });
    this.node.shardDown(h.slot, reason, permanent);
    if (this.options.respawn) void this.respawn(h.slot, 0);
  }

  private async respawn(slot: number, attempt: number): Promise<void> {
    if (this.stopping) return;
    let h: ShardHandle;
    try {
      h = await startShard(this.options, slot, this.grantIds());
    } catch (err) {
      const delay = Math.min(5000, 100 * 2 ** attempt);
      this.node.settings.log('error', `shard ${slot} failed to restart (${(err as Error).message}); retrying in ${delay} ms`);
      setTimeout(() => void this.respawn(slot, attempt + 1), delay).unref();
      return;
    }
    if (this.stopping) {
      h.control.close();
      await h.worker.terminate();
      return;
    }
    this.shardHandles[slot] = h;
    this.connectMesh([h]);
    this.attach(h);
    this.node.shardUp(slot);
    this.emit('shardRestart', { slot });
  }

  private grantIds(): number {
    const wrapped = this.idGrants.wrapped;
    const base = this.idGrants.grant();
    if (this.idGrants.wrapped && !wrapped) {
      this.node.settings.log('warn', 'actor ids wrapped around after 2^30 spawns; the oldest ids are reused');
    }
    return base;
  }

  private handle(slot: number): ShardHandle {
    const h = this.shardHandles[slot];
    if (!h) throw new RangeError(`no live shard at slot ${slot}`);
    return h;
  }

  /** Makes one control call to every live shard. */
  private callAll<T>(call: (control: ControlClient) => Promise<T>): Promise<T[]> {
    return Promise.all(this.liveShards().map((h) => call(h.control)));
  }

  private liveShards(): ShardHandle[] {
    return this.shardHandles.filter((h): h is ShardHandle => h !== undefined);
  }

  private assertRunning(): void {
    if (this.stopping) throw new SystemStoppedError('the actor system is stopping');
  }

  // ---- virtual time ------------------------------------------------------------------------------

  /** Steps virtual time to `target` through every due timer on every thread, in order. */
  private async advanceTo(target: number): Promise<void> {
    const clock = this.clock as VirtualClock;
    for (;;) {
      const dues = [clock.nextDue(), ...(await this.callAll((c) => c.call('nextDue')))];
      let next: number | undefined;
      for (const d of dues) if (d !== undefined && (next === undefined || d < next)) next = d;
      if (next === undefined || next > target) break;
      clock.setNow(next);
      clock.fireDue();
      await this.callAll((c) => c.call('fireDue'));
      await this.settle();
    }
    clock.setNow(target);
    await this.settle();
  }

  /** Lets every thread handle what it has queued, twice over so that cross-shard replies land too. */
  private async settle(): Promise<void> {
    for (let round = 0; round < 2; round++) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      await this.callAll((c) => c.call('settle'));
    }
  }
}

async function startShard(options: ResolvedOptions, slot: number, idBase: number): Promise<ShardHandle> {
  const { port1, port2 } = new MessageChannel();
  const boot: ShardBoot = {
    settings: {
      slot,
      shards: options.shards,
      idBase,
      throughput: options.throughput,
      maxBatch: options.maxBatch,
      drainBudget: options.drainBudget,
      defaultAskTimeoutMs: options.askTimeoutMs,
    },
    seed: options.seed,
    logLevel: options.logLevel,
    modules: options.modules,
    clockBuffer: options.clock instanceof VirtualClock ? options.clock.buffer : undefined,
    control: port2,
  };
  const worker = new Worker(SHARD_ENTRY, {
    workerData: boot,
    transferList: [port2],
    resourceLimits: options.resourceLimits,
    name: `helmsman-shard-${slot}`,
  });
  const handle: ShardHandle = {
    slot,
    worker,
    control: new ControlClient(slot, port1, worker, options.controlTimeoutMs),
    lastError: undefined,
  };
  worker.on('error', (err) => (handle.lastError = err));
  // Importing the actor modules can take a while on a loaded machine: wait for it longer than for a call.
  await handle.control.callWithin(Math.max(options.controlTimeoutMs, 60_000), 'ready');
  return handle;
}

/** FNV-1a: a stable, well-spread hash of a root actor's name, for placement. */
export function hashName(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function sum(nodes: NodeStats[], key: keyof NodeStats): number {
  let total = 0;
  for (const n of nodes) total += n[key];
  return total;
}

function buildTree(infos: CellInfo[]): ActorTreeNode {
  const byRef = new Map<string, ActorTreeNode>();
  const key = (r: ActorRef) => `${r.id}@${r.slot}`;
  for (const i of infos) {
    byRef.set(key({ id: i.id, slot: i.slot }), {
      name: i.name || '/',
      kind: i.kind,
      ref: { id: i.id, slot: i.slot },
      state: i.state,
      mailbox: i.mailbox,
      processed: i.processed,
      restarts: i.restarts,
      children: [],
    });
  }
  const root = byRef.get(key({ id: GUARDIAN_ID, slot: MAIN_SLOT }))!;
  for (const i of [...infos].sort((a, b) => a.id - b.id)) {
    if (i.id === GUARDIAN_ID && i.slot === MAIN_SLOT) continue;
    const node = byRef.get(key({ id: i.id, slot: i.slot }))!;
    // An actor whose parent is gone (it is being stopped) hangs off the root so it stays visible.
    (byRef.get(key(i.parent)) ?? root).children.push(node);
  }
  return root;
}

registerModule({ Guardian });
