/**
 * The `ContainerRuntime` seam: what a pod actor needs from whatever runs its containers (simulated
 * containers, host processes, a Docker engine). One runtime instance serves every pod actor of one
 * shard; its calls are asynchronous and it reports exits through `onExit`, never by throwing.
 */
import type { Container, EnvVar } from '../api/model.js';

/** What a runtime needs to start one container of a pod. */
export interface ContainerSpec {
  /** The pod's identity: uid (the ownership label), namespace and name. */
  pod: { uid: string; namespace: string; name: string; labels: Record<string, string>; annotations: Record<string, string> };
  /** The minion that runs it (a label too: minions sharing one engine tell their containers apart). */
  node?: string;
  /** The container as the pod spec gives it. */
  container: Container;
  /** How many times this container has been restarted before this start (0 for the first). */
  restartCount: number;
  /** The pod's address (the minion's for host networking). */
  podIP: string;
  /** Variables added to the container's own `env` (service variables, POD_IP, PORT). */
  env: EnvVar[];
}

/** A container as the runtime knows it. */
export interface RuntimeContainer {
  /** The runtime's id for it (unique per runtime). */
  id: string;
  podUid: string;
  /** The container's name in the pod spec. */
  name: string;
  state: 'running' | 'exited';
  /** The restart count it was started with (so a restarted pod actor can carry the count on). */
  restartCount: number;
  /** Epoch ms on the runtime's clock. */
  startedAt: number;
  exitCode?: number;
  finishedAt?: number;
  /** Why it exited, when the runtime knows more than the code (e.g. `OOMKilled`, `Error`). */
  reason?: string;
}

/** An exit the runtime observed. */
export interface ContainerExit {
  id: string;
  podUid: string;
  name: string;
  exitCode: number;
  finishedAt: number;
  reason?: string;
}

/**
 * A failure to start that is the workload's fault, not the runtime's (image not found, no command
 * for the process runtime): the pod shows `reason` while Waiting and the start is retried with backoff.
 */
export class ContainerStartError extends Error {
  override readonly name = 'ContainerStartError';
  constructor(
    /** A Kubernetes-style waiting reason: `ErrImagePull`, `ImagePullBackOff`, `CreateContainerError`... */
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

/** The seam every runtime implements. */
export interface ContainerRuntime {
  /** `fake`, `process` or `docker`. */
  readonly kind: string;
  /** Starts a container; resolves once it runs. Rejects with ContainerStartError for workload faults. */
  start(spec: ContainerSpec): Promise<RuntimeContainer>;
  /** The containers (running or exited, not yet removed) of one pod, for adoption after a restart. */
  list(podUid: string): Promise<RuntimeContainer[]>;
  /** The pods this runtime has containers of (running or not; of minion `node`'s starts only, when given), for a minion to remove what it no longer runs. Optional. */
  podUids?(node?: string): Promise<string[]>;
  /** How many containers this runtime runs now, of every pod (a leak check: compare with the pods Running). */
  countRunning(): Promise<number>;
  /** Stops a container (SIGTERM, then SIGKILL after `graceMs`) and removes it; a no-op when it is gone. */
  remove(id: string, graceMs: number): Promise<void>;
  /** Kills a running container at once (as the OOM killer or `kill -9` would); its exit is reported through `onExit`. */
  kill(id: string): Promise<void>;
  /** Runs `command` in a running container's context (its env, no shell); resolves with the exit code (a timeout kills it). Optional. */
  exec?(id: string, command: string[], timeoutMs: number): Promise<number>;
  /** Subscribes to the exits of one pod's containers; returns the unsubscribe function. */
  onExit(podUid: string, listener: (exit: ContainerExit) => void): () => void;
  /** The last `tailLines` lines of a container's output ('' when the runtime keeps none). */
  logs(id: string, tailLines?: number): Promise<string>;
  /** Releases the runtime's own resources (not the containers: those belong to their pods). */
  close(): Promise<void>;
}
