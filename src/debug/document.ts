/**
 * The `/debug/actors` document's shapes: what the server sends and what the dashboard and
 * `helmsman actors` read. Types only, so the browser's build (src/ui/app) shares them.
 */

/** One shard's load (slot -1: the main thread). */
export interface ShardLoad {
  slot: number;
  /** Whether it answered in time; a silent shard has only `slot` and `busyPercent`. */
  answered: boolean;
  actors: number;
  processed: number;
  messagesPerSecond: number;
  mailboxDepth: number;
  deepestMailbox: number;
  deadLetters: number;
  restarts: number;
  heapUsedBytes: number;
  /** The share of the last interval its thread was busy (its event loop's utilization). */
  busyPercent: number;
}

/** One actor in the document's tree. */
export interface ActorEntry {
  name: string;
  kind: string;
  shard: number;
  id: number;
  state: string;
  mailbox: number;
  processed: number;
  restarts: number;
  children: ActorEntry[];
  /** Children left out by the query (another kind or shard, below `depth`, past `limit`). */
  omittedChildren?: number;
}

/** The `/debug/actors` document. */
export interface ActorsDocument {
  kind: 'ActorSystemStatus';
  time: string;
  /** The interval the rates are measured over, in ms. */
  intervalMs: number;
  shards: ShardLoad[];
  /** Every actor in the system, the main thread's guardian included. */
  actors: number;
  /** Actors in `tree` (none when `depth` is 0). */
  shown: number;
  /** Whether `limit` left actors out. */
  truncated: boolean;
  tree?: ActorEntry;
}
