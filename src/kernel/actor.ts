import type { Clock } from './clock.js';
import type { ActorRef } from './ref.js';
import type { RestartType, SupervisorSpec } from './supervision.js';

/** Why an actor terminated, as watchers and supervisors see it. */
export type TerminationReason =
  /** It stopped itself (`ctx.stop(ctx.self)`). */
  | 'normal'
  /** Its parent, the system or a supervisor stopped it. */
  | 'stopped'
  /** Its shard (worker thread) died. */
  | 'shard-crash'
  /** It did not exist when watched. */
  | 'not-found';

/** Options for `spawn`. */
export interface SpawnOptions {
  /** The shard to host the actor: default the parent's shard (for roots, a hash of the name). */
  slot?: number;
  /** When the parent restarts this child (default `permanent`). */
  restart?: RestartType;
  /** How this actor supervises its own children; merged over the kind's `static supervision`. */
  supervision?: Partial<SupervisorSpec>;
  /** How long `postStop` (or a turn still running at stop) may take before the stop goes on (default 5000). */
  shutdownMs?: number;
  /** A ref from `ActorSystem.reserve`, for actors that must know each other's refs from the start (its slot is the actor's). */
  ref?: ActorRef;
}

/** Named timers that deliver a message to the actor itself; all are cancelled on stop and restart. */
export interface Timers<Msg> {
  /** Delivers `msg` once after `delayMs`, replacing any timer with the same key. */
  once(key: string, delayMs: number, msg: Msg): void;
  /** Delivers `msg` every `intervalMs`, replacing any timer with the same key. */
  periodic(key: string, intervalMs: number, msg: Msg): void;
  /** Cancels the timer `key` (no-op when absent). */
  cancel(key: string): void;
  /** Whether timer `key` is pending. */
  isActive(key: string): boolean;
}

/** Context is what an actor knows of and does to the world. It is valid for the actor's whole life. */
export interface Context<Msg = unknown> {
  /** This actor's ref; the same across restarts. */
  readonly self: ActorRef<Msg>;
  /** The supervisor (the guardian for a root actor). */
  readonly parent: ActorRef;
  /** This actor's name (unique among its siblings). */
  readonly name: string;
  /** The sender of the message being handled (null when sent from outside any actor, or by a timer). */
  readonly sender: ActorRef | null;
  /** The clock this system runs on (real or virtual). */
  readonly clock: Clock;
  /** Named timers delivering to this actor. */
  readonly timers: Timers<Msg>;
  /** Starts a child, supervised by this actor; the ref is usable at once. */
  spawn<A extends Actor<any, any>>(
    kind: ActorClass<A> | string,
    name: string,
    props: PropsOf<A>,
    options?: SpawnOptions,
  ): ActorRef<MsgOf<A>>;
  /** Stops this actor (`ctx.self`) or one of its children; others are not ours to stop. */
  stop(ref: ActorRef): void;
  /** Sends `msg` to `ref`, fire and forget; order is kept per sender and receiver. */
  send<M>(ref: ActorRef<M>, msg: M): void;
  /** Sends `msg` to the sender of the message being handled (no-op when there is none). */
  reply(msg: unknown): void;
  /** Passes `msg` on to `ref` as if its sender had sent it there: `ref`'s reply (an ask's too) goes to that sender. */
  forward<M>(ref: ActorRef<M>, msg: M): void;
  /** Sends `msg` and waits for the reply (rejects with AskTimeoutError after `timeoutMs`, default 5000). */
  ask<R = unknown>(ref: ActorRef, msg: unknown, timeoutMs?: number): Promise<R>;
  /** Asks to be told (`onTerminated`) when `ref` terminates; at once if it is already gone. */
  watch(ref: ActorRef): void;
  /** Cancels a watch; no `onTerminated` for `ref` arrives afterwards. */
  unwatch(ref: ActorRef): void;
  /** The live children's refs, in spawn order. */
  children(): ActorRef[];
  /** A child's ref by name. */
  child(name: string): ActorRef | undefined;
}

/**
 * Actor is the base of every actor kind. A kind is a subclass with a `static kind` name, exported
 * from a module that the ActorSystem's shards import (`modules` option). One instance handles one
 * message at a time; a handler that returns a promise holds the actor until it settles. A restart
 * builds a fresh instance from the same props, so an actor recovers by reconciling, not replaying.
 */
export abstract class Actor<Msg = unknown, Props = unknown> {
  /** The registered name of this kind; subclasses must set it. */
  static readonly kind: string | undefined;
  /** How this kind supervises its children (merged over OTP's defaults). */
  static readonly supervision: Partial<SupervisorSpec> | undefined;

  constructor(
    readonly ctx: Context<Msg>,
    readonly props: Props,
  ) {}

  /** Runs before the first message (and after every restart). */
  preStart?(): void | Promise<void>;
  /** Handles one message. A thrown error or rejected promise fails the actor (its supervisor decides). */
  abstract receive(msg: Msg): void | Promise<void>;
  /** Called when a watched actor terminates. */
  onTerminated?(ref: ActorRef, reason: TerminationReason): void | Promise<void>;
  /** Runs once the actor's children have stopped, on stop and before a restart. */
  postStop?(): void | Promise<void>;
}

/** A concrete actor class. */
export interface ActorClass<A extends Actor<any, any> = Actor<any, any>> {
  new (ctx: Context<any>, props: any): A;
  readonly kind: string | undefined;
  readonly supervision: Partial<SupervisorSpec> | undefined;
}

/** The message type an actor class accepts. */
export type MsgOf<A> = A extends Actor<infer M, any> ? M : never;
/** The props type an actor class takes. */
export type PropsOf<A> = A extends Actor<any, infer P> ? P : never;

const kinds = new Map<string, ActorClass>();

/** Registers an actor class under its `static kind` in this thread. Re-registering the same class is a no-op. */
export function registerKind(cls: ActorClass): void {
  const name = cls.kind;
  if (typeof name !== 'string' || name.length === 0) {
    throw new TypeError(`actor class ${cls.name || '(anonymous)'} must have a static kind name`);
  }
  const known = kinds.get(name);
  if (known && known !== cls) throw new TypeError(`actor kind "${name}" is already registered`);
  kinds.set(name, cls);
}

/** The class registered as `name` in this thread. */
export function lookupKind(name: string): ActorClass | undefined {
  return kinds.get(name);
}

/** Whether `value` is an actor class with a kind name. */
export function isActorClass(value: unknown): value is ActorClass {
  return (
    typeof value === 'function' &&
    typeof (value as ActorClass).kind === 'string' &&
    typeof (value as { prototype?: { receive?: unknown } }).prototype?.receive === 'function'
  );
}

/** Registers every actor class a module exports; returns their kind names. */
export function registerModule(mod: Record<string, unknown>): string[] {
  const names: string[] = [];
  for (const value of Object.values(mod)) {
    if (isActorClass(value)) {
      registerKind(value);
      names.push(value.kind!);
    }
  }
  return names;
}

/** The kind name of `kind` (a class or a name). */
export function kindName(kind: ActorClass | string): string {
  if (typeof kind === 'string') return kind;
  if (!isActorClass(kind)) throw new TypeError('kind must be an actor class with a static kind, or a kind name');
  return kind.kind!;
}
