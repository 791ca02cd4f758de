/**
 * helmsman's actor kernel: actors on worker-thread shards, supervised with OTP semantics.
 *
 * ```ts
 * const system = await ActorSystem.start({ modules: [new URL('./actors/counter.js', import.meta.url)] });
 * const counter = system.spawn(Counter, 'counter', { start: 0 });
 * system.send(counter, { type: 'add', n: 2 });
 * await system.ask(counter, { type: 'get' }); // 2
 * await system.stop();
 * ```
 */
export { Actor, registerKind, type ActorClass, type Context, type MsgOf, type PropsOf, type SpawnOptions, type TerminationReason, type Timers } from './actor.js';
export { RealClock, VirtualClock, type Clock, type TimerHandle } from './clock.js';
export {
  ActorFailedError,
  ActorNotFoundError,
  AskTimeoutError,
  ControlTimeoutError,
  RestartIntensityError,
  ShardCrashedError,
  SystemStoppedError,
} from './errors.js';
export type { DeadLetter, NodeStats } from './node.js';
export type { ActorSystemOptions } from './options.js';
export { formatRef, isRef, MAIN_SLOT, makeRef, sameRef, type ActorRef } from './ref.js';
export {
  DEFAULT_SUPERVISION,
  type Backoff,
  type RestartType,
  type Strategy,
  type SupervisorSpec,
} from './supervision.js';
export { ActorSystem, hashName, type ActorTreeNode, type Inbox, type NodeReport, type SystemReport, type SystemStats } from './system.js';
export type { Transport } from './transport.js';
