/**
 * The registry's protocol: what the gateway and the cluster's actors ask the registry actor, what
 * it answers, and what a watcher receives. Everything outside src/registry talks to the registry
 * through these types only.
 */
import type { ActorRef } from '../kernel/index.js';
import type { ApiObject } from '../api/model.js';
import type { Filter } from '../api/filter.js';
import type { Resource } from '../api/resources.js';
import type { StatusInfo } from '../api/status.js';
import type { WireVersion } from '../api/codecs.js';

export type { Filter } from '../api/filter.js';

/**
 * The encodings the registry answers in: a wire version for the gateway, or `internal` (the
 * internal model as JSON) for the cluster's actors.
 */
export type ApiVersion = WireVersion | 'internal';

/**
 * How a write is answered: `true` (default) always; `false` never (fire and forget: a controller
 * learns the outcome from its watch, as a level-triggered loop should); `'errors'` only when it
 * fails (with the object's name in the Status).
 */
export type ReplyMode = boolean | 'errors';

/** What the gateway and the cluster's actors ask the registry. */
export type RegistryRequest =
  | { op: 'get'; resource: Resource; namespace: string; name: string; version: ApiVersion }
  | { op: 'list'; resource: Resource; filter: Filter; version: ApiVersion }
  /**
   * Every create and update is validated by the registry, whoever sends it (validation.ts, one
   * function per kind); Invalid errors name fields in `version`'s terms. `dryRun` (kubectl's
   * `--dry-run=server`) answers what the write would do, validated and admitted, without writing.
   */
  | { op: 'create'; resource: Resource; object: ApiObject; version: ApiVersion; reply?: ReplyMode; dryRun?: boolean }
  /**
   * `orCreate` creates the object when there is none to update: an event recorder's write, as
   * client-go's recorder creates an event again when its update finds it expired.
   */
  | { op: 'update'; resource: Resource; object: ApiObject; version: ApiVersion; reply?: ReplyMode; orCreate?: boolean; dryRun?: boolean }
  | { op: 'delete'; resource: Resource; namespace: string; name: string; version: ApiVersion; uid?: string; reply?: ReplyMode }
  /**
   * Replaces an object's status (kubelets, controllers); `uid`, when given, must match, and so must
   * `resourceVersion` (a precondition: the `status` subresource's PUT). Answered in `version`
   * (default internal).
   */
  | { op: 'setStatus'; resource: Resource; namespace: string; name: string; uid?: string; resourceVersion?: number; status: unknown; reply?: ReplyMode; version?: ApiVersion; dryRun?: boolean }
  /** Binds unbound pods to minions (the scheduler); a pod gone, recreated or already bound is skipped. */
  | { op: 'bind'; bindings: Binding[] }
  /**
   * `statusChanges: false` leaves out changes that only replaced the status (for watchers that
   * only act on spec); `'readiness'` keeps, of those, the ones that made a pod ready or unready.
   */
  | { op: 'watch'; id: string; resource: Resource; filter: Filter; fromRevision: number; version: ApiVersion; inbox: ActorRef; statusChanges?: StatusChanges }
  | { op: 'unwatch'; id: string }
  /** From the registry of events: a Terminating namespace has no events left (see RegistryProps.events). */
  | { op: 'purged'; namespace: string };

/** Which status-only changes a watcher receives: all (default), none, or pod readiness flips. */
export type StatusChanges = boolean | 'readiness';

/** One pod's binding to a minion. */
export interface Binding {
  namespace: string;
  name: string;
  uid: string;
  host: string;
}

/**
 * What an `internal` watcher receives: changes with the object as internal-model JSON, `SYNCED`
 * once the initial state (or the replayed history) has been sent, and `GONE` when the registry
 * lost the history the watcher follows (it restarted, or it had to list its store again) and the
 * watcher must watch again from a fresh list.
 */
export interface WatchEvent {
  watch: string;
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'SYNCED' | 'GONE';
  /** The object (internal model, JSON) for changes, when the watcher is on another shard. */
  object?: string;
  /**
   * The object itself, for a watcher on the registry's own shard: shared, not copied, so it must
   * never be changed (every object the registry holds is replaced, never modified).
   */
  shared?: ApiObject;
  revision: number;
}

/**
 * The registry's answer: an encoded body, or a Status to render. A list is UTF-8 bytes in a
 * SharedArrayBuffer: it crosses to the gateway without a copy and goes to the socket as it is.
 */
export type RegistryReply = { ok: true; code: number; body: string | SharedArrayBuffer } | { ok: false; error: StatusInfo };
