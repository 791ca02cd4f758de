/**
 * The scheduler: binds unbound pods to minions. It keeps a scheduling cache (minions, and what the
 * pods bound to each use: host ports, cpu, memory, replicas per controller) from two watches,
 * gathers the unbound pods that arrive in one burst into a batch, places them with the filters
 * and scores of `schedule`, and sends the bindings to the registry in one message. A pod that fits
 * nowhere stays Pending with kube-scheduler's message, and is tried again whenever minions change.
 * It records kube-scheduler's events: `Scheduled` with each binding (sent after it, so it lands
 * before anything the minion records about the pod), and `FailedScheduling` when a pod fits
 * nowhere — again when the reason changes, or when it still fits nowhere five minutes later.
 * Unbound pods are the keys of its work queue: each burst of them is placed together.
 */
import type { Node, Pod } from '../src/api/model.js';
import { Controller, type ControllerProps } from '../src/cluster/controller.js';
import type { Informer } from '../src/cluster/informer.js';
import { schedule, SchedulingCache } from '../src/cluster/scheduling.js';
import { EventRecorder, referenceTo } from '../src/cluster/events.js';
import type { Binding } from '../src/registry/protocol.js';

/**
 * How often a pod that keeps failing for the same reason gets `FailedScheduling` again. Pods that
 * do not fit are tried again at every minion change (every heartbeat): an event per try would
 * flood the registry, and with more unschedulable pods than the recorder remembers, each as a new
 * event. Kubernetes retries such a pod at least every 5 minutes (podMaxInUnschedulablePodsDuration).
 */
const FAILED_SCHEDULING_EVERY_MS = 300_000;

/** The scheduler actor. */
export class Scheduler extends Controller<never, ControllerProps> {
  static override readonly kind = 'helmsman.scheduler';

  private readonly cache = new SchedulingCache();
  private nodes!: Informer<Node>;
  private pods!: Informer<Pod>;
  /** Unbound pods waiting to be placed, by key (the work queue holds their keys). */
  private readonly waiting = new Map<string, Readonly<Pod>>();
  /** Pods that fit nowhere, with the message they were given, until minions change. */
  private readonly unschedulable = new Map<string, { pod: Readonly<Pod>; message: string }>();
  /** Pods placed in the cache whose binding has not come back yet, with their uid. */
  private readonly assumed = new Map<string, string>();
  private events!: EventRecorder;
  /** The last FailedScheduling recorded for each pod that fits nowhere, until it is bound or gone. */
  private readonly failures = new Map<string, { message: string; at: number }>();

  override preStart(): void {
    this.events = new EventRecorder(this.ctx, this.props, { component: 'default-scheduler' });
    this.nodes = this.inform<Node>({
      name: 'nodes',
      resource: 'nodes',
      onChange: (_key, node, prev) => {
        if (node) this.cache.setNode(node);
        else this.cache.removeNode(prev!.metadata.name);
        this.retryUnschedulable();
      },
      onSynced: () => this.enqueueWaiting(),
    });
    this.pods = this.inform<Pod>({
      name: 'pods',
      resource: 'pods',
      onChange: (key, pod, prev) => {
        if (!pod) {
          const { namespace, name } = prev!.metadata;
          const wasPlaced = this.cache.nodeOf(namespace, name) !== undefined;
          this.cache.removePod(namespace, name);
          this.assumed.delete(key);
          this.waiting.delete(key);
          this.unschedulable.delete(key);
          this.failures.delete(key);
          if (wasPlaced) this.retryUnschedulable();
          return;
        }
        if (pod.spec.host) {
          this.cache.addPod(pod);
          this.assumed.delete(key);
          this.waiting.delete(key);
          this.unschedulable.delete(key);
          this.failures.delete(key);
          return;
        }
        const assumed = this.assumed.get(key);
        if (assumed === pod.metadata.uid) return; // its binding is on its way
        if (assumed !== undefined) {
          // A new pod of the same name: the binding of the old one was refused.
          this.cache.removePod(pod.metadata.namespace, pod.metadata.name);
          this.assumed.delete(key);
        }
        if (!this.unschedulable.has(key)) {
          this.waiting.set(key, pod);
          this.enqueue(key);
        }
      },
      onSynced: () => this.enqueueWaiting(),
      statusChanges: false,
      keep: false,
    });
  }

  /** Places the unbound pods of one burst together. */
  protected override reconcileAll(keys: string[]): void {
    if (!this.nodes.synced || !this.pods.synced) return; // enqueueWaiting brings them back once both are
    const pods: Readonly<Pod>[] = [];
    for (const key of keys) {
      const pod = this.waiting.get(key);
      if (pod) pods.push(pod);
      this.waiting.delete(key);
    }
    if (pods.length === 0) return;
    const { bindings, unschedulable } = schedule(pods, this.cache);
    if (bindings.length > 0) {
      const out: Binding[] = bindings.map(({ pod, node }) => {
        const { namespace, name, uid } = pod.metadata;
        this.assumed.set(`${namespace}/${name}`, uid);
        return { namespace, name, uid, host: node };
      });
      this.ctx.send(this.props.registry, { op: 'bind', bindings: out });
      for (const { pod, node } of bindings) this.events.event(referenceTo(pod), 'Normal', 'Scheduled', `Successfully assigned ${pod.metadata.namespace}/${pod.metadata.name} to ${node}`);
    }
    for (const { pod, message } of unschedulable) {
      const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
      this.unschedulable.set(key, { pod, message });
      const now = this.ctx.clock.now();
      const last = this.failures.get(key);
      if (!last || last.message !== message || now - last.at >= FAILED_SCHEDULING_EVERY_MS) {
        this.failures.set(key, { message, at: now });
        this.events.event(referenceTo(pod), 'Warning', 'FailedScheduling', message);
      }
      if (pod.status.message === message) continue;
      const { namespace, name, uid } = pod.metadata;
      const status = { ...pod.status, phase: 'Pending', message };
      this.ctx.send(this.props.registry, { op: 'setStatus', resource: 'pods', namespace, name, uid, status, reply: false });
    }
  }

  /** Room may have appeared (a minion came, a bound pod went): every pod that did not fit gets another try. */
  private retryUnschedulable(): void {
    if (this.unschedulable.size === 0) return;
    for (const [key, { pod }] of this.unschedulable) {
      this.waiting.set(key, pod);
      this.enqueue(key);
    }
    this.unschedulable.clear();
  }

  /** Enqueues every waiting pod (once both informers are listed, the round that was skipped before). */
  private enqueueWaiting(): void {
    for (const key of this.waiting.keys()) this.enqueue(key);
  }
}
