/**
 * The pieces every runtime shares: the per-pod exit listeners behind `onExit`, and the copy of a
 * runtime's own container record that `start` and `list` hand out.
 */
import type { ContainerExit, RuntimeContainer } from './runtime.js';

/** Exit listeners by pod uid: a pod's listeners see only its own containers' exits. */
export class ExitListeners {
  private readonly byPod = new Map<string, Set<(exit: ContainerExit) => void>>();

  /** Subscribes; returns the unsubscribe function. */
  on(podUid: string, listener: (exit: ContainerExit) => void): () => void {
    let set = this.byPod.get(podUid);
    if (!set) this.byPod.set(podUid, (set = new Set()));
    set.add(listener);
    return () => {
      const current = this.byPod.get(podUid);
      if (!current) return;
      current.delete(listener);
      if (current.size === 0) this.byPod.delete(podUid);
    };
  }

  /** Whether anyone listens for the pod's exits. */
  has(podUid: string): boolean {
    return this.byPod.has(podUid);
  }

  /**
   * Tells the pod's listeners, each its own copy. One that throws does not keep the exit from the
   * others; its error is rethrown on a microtask (an uncaught error, as a throwing listener is a bug).
   */
  emit(exit: ContainerExit): void {
    const set = this.byPod.get(exit.podUid);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        listener({ ...exit });
      } catch (err) {
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  }

  clear(): void {
    this.byPod.clear();
  }
}

/** A fresh RuntimeContainer from a runtime's own record, without the fields it does not have yet. */
export function containerOf(r: RuntimeContainer): RuntimeContainer {
  const c: RuntimeContainer = { id: r.id, podUid: r.podUid, name: r.name, state: r.state, restartCount: r.restartCount, startedAt: r.startedAt };
  if (r.exitCode !== undefined) c.exitCode = r.exitCode;
  if (r.finishedAt !== undefined) c.finishedAt = r.finishedAt;
  if (r.reason !== undefined) c.reason = r.reason;
  return c;
}
