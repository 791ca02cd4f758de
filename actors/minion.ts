/**
 * The minion actor: the kubelet of one simulated (or real) machine. It registers its Minion object,
 * heartbeats as today's kubelet does — its Lease in `kube-node-lease` renewed every `heartbeatMs`
 * (10 s), its Node's status written when it changed (or the node controller marked it NotReady)
 * and at least every `nodeStatusReportMs` (5 min) — watches the pods bound to it, and runs one pod
 * actor per pod as a supervised child on its own shard. When a pod is deleted it stops the pod actor and removes the pod's containers.
 * Its service proxy (one per minion) is a child too. It records the kubelet's events about its
 * node (`Starting`, `NodeReady`) and `Killing` for the containers of a deleted pod.
 */
import type { ActorRef, TerminationReason } from '../src/kernel/index.js';
import { emptyMeta, microTime, NODE_LEASE_NAMESPACE, type EnvVar, type Lease, type Node, type Pod } from '../src/api/model.js';
import { formatCidr, ipToNumber, numberToIp, parseCidr, sizeOf } from '../src/api/cidr.js';
import type { RegistryReply } from '../src/registry/protocol.js';
import { Controller, type ControllerProps } from '../src/cluster/controller.js';
import type { BackoffConfig } from '../src/cluster/backoff.js';
import type { ProbeDefaults } from '../src/cluster/probe.js';
import { threadId } from 'node:worker_threads';
import { runtimeFor, type RuntimeConfig } from '../src/runtimes/index.js';
import { containerPath, EventRecorder } from '../src/cluster/events.js';
import { PodActor, type PodMsg, type PodProps } from './pod.js';
import { ServiceProxy } from './service-proxy.js';
import type { ProxyMode } from '../src/proxy/table.js';

/** Props of a minion. */
export interface MinionProps extends ControllerProps {
  name: string;
  hostIP: string;
  /** This minion's pod addresses (`10.0.8.0/21`), registered as its Node's `spec.podCIDR`. */
  podCIDR: string;
  labels: Record<string, string>;
  capacity: { cpu?: number; memory?: number };
  runtime: RuntimeConfig;
  /** How the minion's service proxy serves services. */
  proxyMode: ProxyMode;
  /** Whether the kubelet records container events (see ClusterOptions.kubeletEvents). */
  kubeletEvents: boolean;
  backoff: BackoffConfig;
  probe: ProbeDefaults;
  /** How often the minion's Lease is renewed and its Node looked at (10,000 ms, as the kubelet's). */
  heartbeatMs: number;
  /** How often the Node's status is written even when nothing changed (default 300,000 ms, as the kubelet's `nodeStatusReportFrequency`). */
  nodeStatusReportMs?: number;
  /** The port of this minion's kubelet endpoint (a remote minion's container logs), published in its Node's status. */
  kubeletPort?: number;
  /**
   * Leave the containers running when this actor stops (a remote minion's agent stopping, as a
   * kubelet's does: started again, it adopts them). Default: they go with it, as a machine's would.
   */
  keepContainers?: boolean;
}

/** What a minion handles. */
export type MinionMsg =
  | { op: 'heartbeat' }
  /** Its own Node, as the heartbeat read it (undefined: it is not there). */
  | { op: 'nodeSeen'; node: Node | undefined }
  /** Fault injection and inspection, forwarded to a pod actor by pod uid. */
  | { op: 'toPod'; uid: string; msg: PodMsg }
  /** The service proxy's choice for a service (see ServiceProxy). */
  | { op: 'route'; namespace: string; service: string }
  /** Fault injection: the whole shard (worker thread) hosting this minion dies. */
  | { op: 'exitShard' }
  /** From the service proxy: the service variables for containers started from now on. */
  | { op: 'serviceEnv'; env: EnvVar[] }
  /** From the service proxy: a service could not be served. */
  | { op: 'proxyError'; message: string }
  /** A container's output, of the pod with this uid or key (`namespace/name`); the pod actor answers the asker. */
  | { op: 'logs'; uid?: string; key?: string; container: string; tailLines?: number }
  /**
   * Inspection: the containers this minion's runtime runs now (every minion of a shard shares its
   * shard's runtime, so the answer names the thread), and the pods this minion runs.
   */
  | { op: 'census' };

/** The answer to `census`. */
export interface MinionCensus {
  /** The worker thread whose runtime was counted. */
  thread: number;
  containers: number;
  pods: number;
}


/** The minion actor. */
export class Minion extends Controller<MinionMsg, MinionProps> {
  static override readonly kind = 'helmsman.minion';

  /** Pod actors by pod key (`namespace/name`). */
  private readonly pods = new Map<string, { uid: string; ref: ActorRef<PodMsg>; ip: number }>();
  /** Pod keys by uid, for messages addressed by uid. */
  private readonly uids = new Map<string, string>();
  /** Pods whose actor is stopping (by actor), so their containers can be removed once it has. */
  private readonly stopping = new Map<string, { uid: string; key: string }>();
  /** Pod uids whose containers are being stopped (within their grace period). */
  private readonly draining = new Set<string>();
  private readonly usedIPs = new Set<number>();
  private nextIP = 0;
  /** Pod addresses of this minion's range: its size less the network and broadcast addresses. */
  private podAddresses = 0;
  private podBase = 0;
  /** When the Node's status was last written (clock ms). */
  private reportedAt = 0;
  private proxy!: ActorRef;
  private serviceEnv: EnvVar[] = [];
  private events!: EventRecorder;

  override preStart(): void {
    this.events = new EventRecorder(this.ctx, this.props, { component: 'kubelet', host: this.props.name });
    // The kubelet names its node by name, uid included (`kubectl describe node` looks for both uids).
    const nodeRef = { kind: 'Node', name: this.props.name, namespace: '', uid: this.props.name, apiVersion: 'v1' };
    this.events.event(nodeRef, 'Normal', 'Starting', 'Starting kubelet.');
    // Its first status says Ready (the kubelet records each change of its Ready condition).
    this.events.event(nodeRef, 'Normal', 'NodeReady', `Node ${this.props.name} status is now: NodeReady`);
    const range = parseCidr(this.props.podCIDR);
    if (!range) throw new TypeError(`minion ${this.props.name}: podCIDR "${this.props.podCIDR}" is not an IPv4 CIDR`);
    this.podBase = range.base + 1;
    this.podAddresses = Math.max(0, sizeOf(range) - 2);
    // Created if new; a restarted minion finds its object, and its first heartbeat writes its status.
    this.register();
    this.reportedAt = this.ctx.clock.now();
    // A restarted minion (or a remote one, whose agent registered the node) finds its object: the
    // first heartbeat looks at it at once.
    this.heartbeat();
    this.ctx.timers.periodic('heartbeat', this.props.heartbeatMs, { op: 'heartbeat' });
    this.proxy = this.ctx.spawn(ServiceProxy, 'proxy', {
      registry: this.props.registry,
      minion: this.props.name,
      address: this.props.hostIP,
      mode: this.props.proxyMode,
    });
    this.inform<Pod>({
      name: 'pods',
      resource: 'pods',
      filter: { fields: { requirements: [{ field: 'spec.host', operator: '=', value: this.props.name }] } },
      onChange: (key, pod) => (pod ? this.podChanged(key, pod) : this.podDeleted(key)),
      onSynced: () => this.removeOrphans(),
      statusChanges: false,
      keep: false,
    });
  }

  protected override handle(msg: MinionMsg): void | Promise<void> {
    switch (msg.op) {
      case 'heartbeat':
        return this.heartbeat();
      case 'nodeSeen':
        return this.nodeSeen(msg.node);
      case 'toPod': {
        const key = this.uids.get(msg.uid);
        const pod = key === undefined ? undefined : this.pods.get(key);
        if (pod) this.ctx.send(pod.ref, msg.msg);
        return;
      }
      case 'logs': {
        const key = msg.key ?? (msg.uid === undefined ? undefined : this.uids.get(msg.uid));
        const pod = key === undefined ? undefined : this.pods.get(key);
        if (!pod) this.ctx.reply({ ok: false, message: `pod ${msg.key ?? msg.uid} has no actor on ${this.props.name}` });
        else if (this.ctx.sender) this.ctx.send(pod.ref, { op: 'logs', container: msg.container, tailLines: msg.tailLines, replyTo: this.ctx.sender });
        return;
      }
      case 'serviceEnv':
        this.serviceEnv = msg.env;
        for (const pod of this.pods.values()) this.ctx.send(pod.ref, msg);
        return;
      case 'proxyError':
        process.stderr.write(`helmsman: minion ${this.props.name}: ${msg.message}\n`);
        return;
      case 'exitShard':
        process.exit(70);
      case 'census': {
        const to = this.ctx.sender;
        const pods = this.pods.size;
        return runtimeFor(this.props.runtime, this.ctx.clock)
          .countRunning()
          .then((containers) => void (to && this.ctx.send(to, { thread: threadId, containers, pods } satisfies MinionCensus)));
      }
      case 'route':
        // The proxy answers the asker directly.
        if (this.ctx.sender) this.ctx.send(this.proxy, { ...msg, replyTo: this.ctx.sender });
        return;
    }
  }

  private podChanged(key: string, pod: Pod): void {
    const uid = pod.metadata.uid;
    const running = this.pods.get(key);
    if (running?.uid === uid) {
      this.ctx.send(running.ref, { op: 'update', pod });
      return;
    }
    // A new pod under an old name: the old one's actor goes first.
    if (running) this.podDeleted(key);
    // A pod that already has an address of this range keeps it (this minion restarted: its containers were adopted).
    const ip = this.allocateIP(pod.status.podIP ? ipToNumber(pod.status.podIP) - this.podBase : undefined);
    if (ip === undefined) return; // a full minion: the pod waits (its status stays unreported)
    const props: PodProps = {
      registry: this.props.registry,
      eventsRegistry: this.props.eventsRegistry,
      pod,
      host: { name: this.props.name, hostIP: this.props.hostIP },
      podIP: numberToIp(this.podBase + ip),
      serviceEnv: this.serviceEnv,
      probe: this.props.probe,
      runtime: this.props.runtime,
      backoff: this.props.backoff,
      events: this.props.kubeletEvents,
    };
    const ref = this.ctx.spawn(PodActor, uid, props);
    this.pods.set(key, { uid, ref, ip });
    this.uids.set(uid, key);
  }

  private podDeleted(key: string): void {
    const entry = this.pods.get(key);
    if (!entry) return;
    const uid = entry.uid;
    this.pods.delete(key);
    this.uids.delete(uid);
    this.usedIPs.delete(entry.ip);
    this.stopping.set(`${entry.ref.slot}:${entry.ref.id}`, { uid, key });
    this.ctx.watch(entry.ref);
    this.ctx.stop(entry.ref);
  }

  protected override terminated(ref: ActorRef, _reason: TerminationReason): void {
    const key = `${ref.slot}:${ref.id}`;
    const pod = this.stopping.get(key);
    if (pod === undefined) return;
    this.stopping.delete(key);
    const { uid } = pod;
    const slash = pod.key.indexOf('/');
    const podRef = { kind: 'Pod', namespace: pod.key.slice(0, slash), name: pod.key.slice(slash + 1), uid, apiVersion: 'v1' };
    // Stopping takes up to the grace period (30 s, as Kubernetes'): never hold this actor for it.
    const runtime = runtimeFor(this.props.runtime, this.ctx.clock);
    this.draining.add(uid);
    void runtime
      .list(uid)
      .then((containers) => Promise.all(containers.map((c) => {
        if (c.state === 'running' && this.props.kubeletEvents) this.events.event({ ...podRef, fieldPath: containerPath(c.name) }, 'Normal', 'Killing', `Stopping container ${c.name}`);
        return runtime.remove(c.id, 30_000);
      })))
      .finally(() => this.draining.delete(uid));
  }

  /**
   * A minion that owns its runtime (`keepContainers`), started again, removes the containers of
   * pods that are no longer its own — deleted or moved while it was down — once it knows its pods.
   */
  private removeOrphans(): void {
    if (!this.props.keepContainers) return;
    const runtime = runtimeFor(this.props.runtime, this.ctx.clock);
    void runtime.podUids?.(this.props.name).then((uids) => {
      for (const uid of uids) {
        if (this.uids.has(uid) || this.draining.has(uid)) continue;
        this.draining.add(uid);
        void runtime
          .list(uid)
          .then((containers) => Promise.all(containers.map((c) => runtime.remove(c.id, 30_000))))
          .finally(() => this.draining.delete(uid));
      }
    });
  }

  override async postStop(): Promise<void> {
    if (this.props.keepContainers) return;
    // The machine goes away with its containers (a stopped cluster leaves nothing running).
    const runtime = runtimeFor(this.props.runtime, this.ctx.clock);
    await Promise.all([...this.uids.keys(), ...[...this.stopping.values()].map((p) => p.uid), ...this.draining].map(async (uid) => {
      for (const c of await runtime.list(uid)) await runtime.remove(c.id, 0);
    }));
  }

  /**
   * The kubelet's heartbeat: the Lease renewed (what the node controller judges readiness by),
   * and the Node looked at — its status is written when it is not what this minion would write
   * (the node controller marked it NotReady, it was never written) or has not been for `nodeStatusReportMs`.
   */
  private heartbeat(): void {
    const { name, registry } = this.props;
    this.renewLease();
    this.ctx.ask<RegistryReply>(registry, { op: 'get', resource: 'nodes', namespace: '', name, version: 'internal' }, this.props.heartbeatMs).then(
      (reply) => this.ctx.send(this.ctx.self, { op: 'nodeSeen', node: reply.ok ? (JSON.parse(reply.body as string) as Node) : undefined }),
      () => {}, // the next heartbeat looks again
    );
  }

  /** Renews this minion's Lease (created if there is none); its duration is four heartbeats (40 s). */
  private renewLease(): void {
    const { name, registry } = this.props;
    const lease: Lease = {
      kind: 'Lease',
      metadata: emptyMeta(name, NODE_LEASE_NAMESPACE),
      spec: { holderIdentity: name, leaseDurationSeconds: Math.max(1, Math.ceil((4 * this.props.heartbeatMs) / 1000)), renewTime: microTime(this.ctx.clock.now()) },
    };
    this.ctx.send(registry, { op: 'update', resource: 'leases', object: lease, version: 'internal', orCreate: true, reply: false });
  }

  /** Writes the Node's status when the one stored is not this minion's own, or is due again. */
  private nodeSeen(node: Node | undefined): void {
    const now = this.ctx.clock.now();
    const ready = node?.status.conditions.find((c) => c.type === 'Ready');
    const due = now - this.reportedAt >= (this.props.nodeStatusReportMs ?? 300_000);
    const stale = !node || ready?.status !== 'True' || node.status.hostIP !== this.props.hostIP || node.status.kubeletPort !== this.props.kubeletPort;
    if (!node) {
      // Deleted while this minion runs (kubectl delete node): registered again, as a kubelet does.
      this.register();
    } else if (due || stale) {
      this.ctx.send(this.props.registry, { op: 'setStatus', resource: 'nodes', namespace: '', name: this.props.name, uid: node.metadata.uid, status: this.nodeStatus(), reply: false });
    } else return;
    this.reportedAt = now;
  }

  /** Creates this minion's Node (an AlreadyExists answer is no news: nobody waits for it). */
  private register(): void {
    const node: Node = { kind: 'Node', metadata: { ...emptyMeta(this.props.name), labels: this.props.labels }, spec: { podCIDR: this.props.podCIDR }, status: this.nodeStatus() };
    this.ctx.send(this.props.registry, { op: 'create', resource: 'nodes', object: node, version: 'internal', reply: false });
  }

  private nodeStatus(): Node['status'] {
    const now = new Date(this.ctx.clock.now()).toISOString();
    const status: Node['status'] = {
      hostIP: this.props.hostIP,
      capacity: this.props.capacity,
      conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: now, reason: 'KubeletReady' }],
    };
    if (this.props.kubeletPort !== undefined) status.kubeletPort = this.props.kubeletPort;
    return status;
  }

  private allocateIP(preferred?: number): number | undefined {
    const size = this.podAddresses;
    if (this.usedIPs.size >= size) return undefined;
    if (preferred !== undefined && Number.isInteger(preferred) && preferred >= 0 && preferred < size && !this.usedIPs.has(preferred)) {
      this.usedIPs.add(preferred);
      return preferred;
    }
    while (this.usedIPs.has(this.nextIP)) this.nextIP = (this.nextIP + 1) % size;
    const ip = this.nextIP;
    this.usedIPs.add(ip);
    this.nextIP = (ip + 1) % size;
    return ip;
  }
}

/** The pod range of minion number `index` in `first.0.0.0/8` (a /21 each: 2,046 pods). */
export function podCIDROf(index: number, first = 10): string {
  return formatCidr({ base: first * 2 ** 24 + index * 2048, bits: 21 });
}
