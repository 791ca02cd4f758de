/**
 * Controller: the base of the cluster's level-triggered actors, shaped as controller-runtime's
 * reconcilers. It owns informers (list-and-watch copies of registry objects) and routes the
 * registry's watch events to them; their callbacks `enqueue` the keys of what changed, and the
 * work queue hands every key of a burst to `reconcile` once (see WorkQueue), which makes the world
 * as the objects say and may ask to be retried or to look again later. When the registry
 * terminates (a restart, or its shard dying) the informers watch again once it is back, so a
 * controller never runs on a stale view for long.
 */
import { Actor, type ActorRef, type TerminationReason } from '../kernel/index.js';
import type { ApiObject } from '../api/model.js';
import type { WatchEvent } from '../registry/protocol.js';
import { Informer, isWatchEvent, type InformerOptions } from './informer.js';
import { isWorkQueueMsg, WorkQueue, type Reconciled, type WorkQueueMsg } from './work-queue.js';

/** Props every controller has. */
export interface ControllerProps {
  /** The registry actor. */
  registry: ActorRef;
  /** The registry of events, when they are kept apart (src/registry/routing.ts; default `registry`). */
  eventsRegistry?: ActorRef;
}

/** How long a controller waits before watching a terminated registry again. */
const REWATCH_MS = 200;

type ControllerMsg<Msg> = Msg | WatchEvent | WorkQueueMsg | { op: '$rewatch' };

/** A level-triggered actor fed by informers; subclasses reconcile keys and handle their own messages in `handle`. */
export abstract class Controller<Msg, Props extends ControllerProps> extends Actor<ControllerMsg<Msg>, Props> {
  private readonly informers = new Map<string, Informer<any>>();
  private workQueue: WorkQueue | undefined;

  /** The keys waiting to be reconciled (made on first use). */
  protected get queue(): WorkQueue {
    return (this.workQueue ??= new WorkQueue(this.ctx));
  }

  /** Marks `key` (usually `namespace/name`) to be reconciled with the rest of this burst. */
  protected enqueue(key: string): void {
    this.queue.add(key);
  }

  /**
   * Makes the world as the objects of `key` say, from the informers' copies. Returns nothing when
   * done, `{ requeue: true }` to be tried again after a backoff that doubles while it keeps asking,
   * `{ requeueAfterMs }` to look again later (a deadline, a periodic check).
   */
  protected reconcile(_key: string): Reconciled {}

  /**
   * Reconciles the keys of one burst, in the order they were enqueued: each in turn, unless a
   * controller works on them together (the scheduler places a batch of pods at once).
   */
  protected reconcileAll(keys: string[]): void {
    for (const key of keys) this.queue.settle(key, this.reconcile(key));
  }

  /** Creates and starts an informer; its id is made unique from this actor's ref and `options.name`. */
  protected inform<T extends ApiObject>(options: InformerOptions<T>): Informer<T> {
    if (this.informers.size === 0) this.ctx.watch(this.props.registry);
    const id = `${this.ctx.self.slot}:${this.ctx.self.id}:${options.name}`;
    this.informers.get(id)?.stop();
    const informer = new Informer<T>(this.ctx, this.props.registry, id, options);
    this.informers.set(id, informer);
    informer.start();
    return informer;
  }

  /** Stops and forgets an informer. */
  protected uninform(informer: Informer<any>): void {
    informer.stop();
    this.informers.delete(informer.id);
  }

  receive(msg: ControllerMsg<Msg>): void | Promise<void> {
    if (isWatchEvent(msg)) {
      this.informers.get(msg.watch)?.handle(msg);
      return;
    }
    if (isWorkQueueMsg(msg)) {
      const keys = this.queue.take(msg);
      if (keys.length > 0) this.reconcileAll(keys);
      return;
    }
    if ((msg as { op?: string }).op === '$rewatch') {
      this.ctx.watch(this.props.registry);
      for (const informer of this.informers.values()) informer.start();
      return;
    }
    return this.handle(msg as Msg);
  }

  override onTerminated(ref: ActorRef, reason: TerminationReason): void | Promise<void> {
    if (ref.id === this.props.registry.id && ref.slot === this.props.registry.slot) {
      this.ctx.timers.once('$rewatch', REWATCH_MS, { op: '$rewatch' });
      return;
    }
    return this.terminated(ref, reason);
  }

  /** Handles this controller's own messages (none, unless a controller has some). */
  protected handle(_msg: Msg): void | Promise<void> {}

  /** Called when another watched actor terminates. */
  protected terminated(_ref: ActorRef, _reason: TerminationReason): void | Promise<void> {}
}
