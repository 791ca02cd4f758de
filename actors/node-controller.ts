/**
 * The node controller: a minion not heard from for the grace period — neither its Lease in
 * `kube-node-lease` renewed nor its Node's Ready heartbeat changed — is marked NotReady, and its pods are evicted (deleted, so their replication controllers recreate them on
 * minions that answer) — unless most minions went silent together, which says more about the
 * control plane than about them. The minion's own heartbeat marks it Ready again when it comes back.
 * It records the node controller's events: `RegisteredNode` for each minion it comes to know,
 * `NodeNotReady` when it marks one, and `DeletingAllPods` / `NodeControllerEviction` as it evicts.
 */
import { NODE_LEASE_NAMESPACE, type Lease, type Node, type ObjectReference, type Pod } from '../src/api/model.js';
import { Controller, type ControllerProps } from '../src/cluster/controller.js';
import type { Informer } from '../src/cluster/informer.js';
import type { RegistryReply } from '../src/registry/protocol.js';
import { EventRecorder, referenceTo } from '../src/cluster/events.js';

/** Props of the node controller. */
export interface NodeControllerProps extends ControllerProps {
  /** How long a minion may stay silent before it is NotReady (Kubernetes: 40 s). */
  gracePeriodMs: number;
  /** How often minions are checked (Kubernetes: 5 s). */
  monitorPeriodMs: number;
  /** Minions whose pods may be evicted per second, at most (Kubernetes' --node-eviction-rate: 0.1; default 1). */
  evictionsPerSec?: number;
}

/** The share of silent minions from which nothing is evicted (Kubernetes' unhealthyZoneThreshold). */
const DISRUPTION_FRACTION = 0.55;

/** What the node controller handles. */
export type NodeControllerMsg = { op: 'monitor' };

/** The node controller actor. */
export class NodeController extends Controller<NodeControllerMsg, NodeControllerProps> {
  static override readonly kind = 'helmsman.node-controller';

  private nodes!: Informer<Node>;
  /** Each minion's last heartbeat (its Node's) and lease renewal, and when this controller saw either change. */
  private readonly observed = new Map<string, { beat: string; renewed: string; at: number }>();
  /** Minions whose pods have been evicted since they were last Ready. */
  private readonly evicted = new Set<string>();
  private tokens = 1;
  private lastLook = 0;
  private events!: EventRecorder;

  override preStart(): void {
    this.events = new EventRecorder(this.ctx, this.props.registry, { component: 'node-controller' });
    this.nodes = this.inform<Node>('nodes', 'nodes', {}, {
      onChange: (_key, node, prev) => {
        if (!node) {
          this.observed.delete(prev!.metadata.name);
          return;
        }
        const { name } = node.metadata;
        if (!prev) this.events.event(nodeReference(node), 'Normal', 'RegisteredNode', `Node ${name} event: Registered Node ${name} in Controller`);
        const beat = node.status.conditions.find((c) => c.type === 'Ready')?.lastHeartbeatTime ?? '';
        this.heard(name, { beat });
      },
    });
    this.inform<Lease>('leases', 'leases', { namespace: NODE_LEASE_NAMESPACE }, {
      onChange: (_key, lease) => {
        if (lease) this.heard(lease.metadata.name, { renewed: lease.spec.renewTime ?? '' });
      },
    }, { keep: false });
    this.ctx.timers.periodic('monitor', this.props.monitorPeriodMs, { op: 'monitor' });
  }

  /** Notes a minion's heartbeat or lease renewal, and when it was seen to change. */
  private heard(name: string, change: { beat?: string; renewed?: string }): void {
    const seen = this.observed.get(name) ?? { beat: '', renewed: '', at: this.ctx.clock.now() };
    const beat = change.beat ?? seen.beat;
    const renewed = change.renewed ?? seen.renewed;
    if (beat !== seen.beat || renewed !== seen.renewed || !this.observed.has(name)) this.observed.set(name, { beat, renewed, at: this.ctx.clock.now() });
  }

  protected handle(_msg: NodeControllerMsg): void {
    if (!this.nodes.synced) return;
    const now = this.ctx.clock.now();
    const notReady: Node[] = [];
    for (const node of this.nodes.objects.values()) {
      const ready = node.status.conditions.find((c) => c.type === 'Ready');
      if (ready?.status === 'True') {
        // When this controller saw the heartbeat change, not the time the minion wrote in it (as
        // Kubernetes' probeTimestamp): skewed clocks and a backed-up registry do not fake silence.
        const heard = this.observed.get(node.metadata.name)?.at ?? now;
        if (now - heard <= this.props.gracePeriodMs) {
          this.evicted.delete(node.metadata.name);
          continue;
        }
        this.markNotReady(node, ready.lastHeartbeatTime);
      }
      notReady.push(node);
    }
    // When most minions fall silent at once the fault is more likely here (an overloaded or
    // partitioned control plane) than in them: evicting everything would turn it into an outage.
    // Kubernetes' node lifecycle controller stops evicting in this "full disruption" as well.
    const total = this.nodes.objects.size;
    if (notReady.length > 2 && notReady.length >= total * DISRUPTION_FRACTION) return;
    // Evictions are rate-limited (a token bucket), so a burst of late heartbeats cannot empty the
    // cluster before the next look shows whether the minions are really gone.
    const rate = this.props.evictionsPerSec ?? 1;
    this.tokens = Math.min(1, this.tokens + ((now - this.lastLook) / 1000) * rate);
    this.lastLook = now;
    for (const node of notReady) {
      if (this.evicted.has(node.metadata.name)) continue;
      if (this.tokens < 1) break;
      this.tokens -= 1;
      this.evicted.add(node.metadata.name);
      this.evict(node);
    }
  }

  private markNotReady(node: Node, lastHeartbeatTime: string | undefined): void {
    const status: Node['status'] = {
      ...node.status,
      conditions: [{ type: 'Ready', status: 'Unknown', lastHeartbeatTime, reason: 'NodeStatusUnknown' }],
    };
    const { name, uid } = node.metadata;
    this.ctx.send(this.props.registry, { op: 'setStatus', resource: 'nodes', namespace: '', name, uid, status, reply: false });
    this.events.event(nodeReference(node), 'Normal', 'NodeNotReady', `Node ${name} status is now: NodeNotReady`);
  }

  /** Deletes the pods bound to a minion, so their controllers recreate them elsewhere (without holding this actor). */
  private evict(node: Node): void {
    const { name } = node.metadata;
    const registry = this.props.registry;
    const filter = { fields: { requirements: [{ field: 'spec.host', operator: '=' as const, value: name }] } };
    this.ctx.ask<RegistryReply>(registry, { op: 'list', resource: 'pods', filter, version: 'internal' }, 60_000).then(
      (reply) => {
        if (!reply.ok) return;
        const { items } = JSON.parse(reply.body as string) as { items: Pod[] };
        if (items.length > 0) this.events.event(nodeReference(node), 'Normal', 'DeletingAllPods', `Node ${name} event: Deleting all Pods from Node ${name}.`);
        for (const pod of items) {
          const { namespace, name: podName, uid } = pod.metadata;
          this.events.event(referenceTo(pod), 'Normal', 'NodeControllerEviction', `Marking for deletion Pod ${podName} from Node ${name}`);
          this.ctx.send(registry, { op: 'delete', resource: 'pods', namespace, name: podName, uid, version: 'internal', reply: false });
        }
      },
      // The next look evicts again: the minion is still NotReady and no longer counted as evicted.
      () => this.evicted.delete(name),
    );
  }
}

/** The node controller names a node as Kubernetes' does: with its uid, in no namespace. */
function nodeReference(node: Node): ObjectReference {
  const { name, uid } = node.metadata;
  return { kind: 'Node', name, namespace: '', uid, apiVersion: 'v1' };
}
