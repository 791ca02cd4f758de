/**
 * Controller: the base of the cluster's level-triggered actors. It owns informers (list-and-watch
 * copies of registry objects), routes the registry's watch events to them, and when the registry
 * terminates (a restart, or its shard dying) watches again once it is back, so a controller never
 * runs on a stale view for long.
 */
import { Actor, type ActorRef, type TerminationReason } from '../kernel/index.js';
import type { ApiObject } from '../api/model.js';
import type { Resource } from '../api/resources.js';
import type { Filter, StatusChanges, WatchEvent } from '../registry/protocol.js';
import { Informer, isWatchEvent, type InformerHandlers } from './informer.js';

/** Props every controller has. */
export interface ControllerProps {
  /** The registry actor. */
  registry: ActorRef;
}

/** How long a controller waits before watching a terminated registry again. */
const REWATCH_MS = 200;

/** A level-triggered actor fed by informers; subclasses handle their own messages in `handle`. */
export abstract class Controller<Msg, Props extends ControllerProps> extends Actor<Msg | WatchEvent | { op: '$rewatch' }, Props> {
  private readonly informers = new Map<string, Informer<any>>();

  /**
   * Creates and starts an informer; its id is made unique from this actor's ref and `name`.
   * `statusChanges: false` leaves out status-only changes (`'readiness'`: all but a pod's readiness flips); `keep: false` keeps no copies (see Informer).
   */
  protected inform<T extends ApiObject>(name: string, resource: Resource, filter: Filter, handlers: InformerHandlers<T>, options: { statusChanges?: StatusChanges; keep?: boolean } = {}): Informer<T> {
    if (this.informers.size === 0) this.ctx.watch(this.props.registry);
    const id = `${this.ctx.self.slot}:${this.ctx.self.id}:${name}`;
    this.informers.get(id)?.stop();
    const informer = new Informer<T>(this.ctx, this.props.registry, id, resource, filter, handlers, options.statusChanges ?? true, options.keep ?? true);
    this.informers.set(id, informer);
    informer.start();
    return informer;
  }

  /** Stops and forgets an informer. */
  protected uninform(informer: Informer<any>): void {
    informer.stop();
    this.informers.delete(informer.id);
  }

  receive(msg: Msg | WatchEvent | { op: '$rewatch' }): void | Promise<void> {
    if (isWatchEvent(msg)) {
      this.informers.get(msg.watch)?.handle(msg);
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

  /** Handles this controller's own messages. */
  protected abstract handle(msg: Msg): void | Promise<void>;

  /** Called when another watched actor terminates. */
  protected terminated(_ref: ActorRef, _reason: TerminationReason): void | Promise<void> {}
}
