/**
 * The kernel's wire protocol: what an envelope's `flag` means and the system messages actors
 * exchange for lifecycle, supervision and death watch. All of it is plain JSON.
 */
import type { TerminationReason } from './actor.js';
import type { ErrorRecord } from './errors.js';
import type { ActorRef } from './ref.js';
import type { RestartType, SupervisorSpec } from './supervision.js';

/** An ordinary message for the actor's `receive`. */
export const FLAG_USER = 0;
/** A system message (below); handled by the kernel before user messages. */
export const FLAG_SYSTEM = 1;
/** The failure answer to an ask: the payload is an ErrorRecord. */
export const FLAG_ASK_ERROR = 2;

/**
 * Creates the actor (or restarts it in place when it exists). The parent keeps this object as the
 * child's spec and sends it again for every restart, so a host that lost the actor can rebuild it.
 */
export interface StartMessage {
  t: 'start';
  kind: string;
  name: string;
  props: unknown;
  parent: ActorRef;
  restart: RestartType;
  /** Absent rather than undefined: every field must survive JSON (codec.ts). */
  supervision?: Partial<SupervisorSpec>;
  shutdownMs: number;
  /** How many times the parent has restarted this child. */
  restarts: number;
}

/** Stop: children first, then `postStop`, then `terminated` to the parent and watchers. */
export interface StopMessage {
  t: 'stop';
}

/** Child → parent: the child failed and is suspended until the parent restarts or stops it. */
export interface FailedMessage {
  t: 'failed';
  name: string;
  error: ErrorRecord;
}

/** The sender terminated (to its parent and its watchers). */
export interface TerminatedMessage {
  t: 'terminated';
  name: string;
  reason: TerminationReason;
}

/** The sender wants a `terminated` when the target terminates (at once if it is gone). */
export interface WatchMessage {
  t: 'watch' | 'unwatch';
}

/** Every system message. */
export type SystemMessage = StartMessage | StopMessage | FailedMessage | TerminatedMessage | WatchMessage;

/** A node-level control message from the main thread, on the data channel so it is ordered with data. */
export type NodeControl =
  | { ctl: 'peer'; slot: number; port: MessagePort }
  | { ctl: 'down'; slot: number; reason: string; permanent: boolean }
  | { ctl: 'up'; slot: number; port: MessagePort }
  | { ctl: 'ids'; base: number };

type MessagePort = import('node:worker_threads').MessagePort;
