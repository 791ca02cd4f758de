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
import { nodeKey, type Informer } from '../src/cluster/informer.js';
import type { RegistryReply } from '../src/registry/protocol.js';
import { EventRecorder, referenceTo } from '../src/cluster/events.js';
import type { Reconciled } from '../src/cluster/work-queue.js';

/** Props of the node controller. */
export interface NodeControllerProps extends ControllerProps {
  /** How long a minion may stay silent before it is NotReady (Kubernetes: 40 s). */
  gracePeriodMs: number;
  /** How often a silent minion whose pods may not be evicted yet is looked at again (Kubernetes' monitor period: 5 s). */
  monitorPeriodMs: number;
  /** Minions whose pods may be evicted per second, at most (Kubernetes' --node-eviction-rate: 0.1; default 1). */
  evictionsPerSec?: number;
}

/** The share of silent minions from which nothing is evicted (Kubernetes' unhealthyZoneThreshold). */
const DISRUPTION_FRACTION = 0.55;

/** The node controller actor. Minions (by name) are the keys of its work queue. */
export class NodeController extends Controller<never, NodeControllerProps> {
  static override readonly kind = 'helmsman.node-controller';

  private nodes!: Informer<Node>;
  /** Each minion's last heartbeat (its Node's) and lease renewal, and when this controller saw either change. */
  private readonly observed = new Map<string, { beat: string; renewed: string; at: number }>();
  /** Minions not Ready (as their Node says, or as this controller has just marked them), since when. */
  private readonly silentSince = new Map<string, number>();
  /** Minions whose pods have been evicted since they were last Ready. */
  private readonly evicted = new Set<string>();
  private tokens = 1;
  private lastRefill = 0;
  private events!: EventRecorder;

  override preStart(): void {
    this.events = new EventRecorder(this.ctx, this.props, { component: 'node-controller' });
    this.lastRefill = this.ctx.clock.now();
    this.nodes = this.inform<Node>({
      name: 'nodes',
      resource: 'nodes',
      onChange: (_key, node, prev) => {
        const name = (node ?? prev)!.metadata.name;
        if (!node) {
          this.observed.delete(name);
          this.silentSince.delete(name);
          this.evicted.delete(name);
          this.queue.remove(name);
          return;
        }
        if (!prev) this.events.event(nodeReference(node), 'Normal', 'RegisteredNode', `Node ${name} event: Registered Node ${name} in Controller`);
        const ready = node.status.conditions.find((c) => c.type === 'Ready');
        if (ready?.status === 'True') this.silentSince.delete(name);
        else if (!this.silentSince.has(name)) this.silentSince.set(name, this.ctx.clock.now());
        this.heard(name, { beat: ready?.lastHeartbeatTime ?? '' });
      },
      onSynced: () => {
        for (const node of this.nodes.objects.values()) this.enqueue(node.metadata.name);
      },
    });
    this.inform<Lease>({
      name: 'leases',
      resource: 'leases',
      filter: { namespace: NODE_LEASE_NAMESPACE },
      onChange: (_key, lease) => {
        if (lease) this.heard(lease.metadata.name, { renewed: lease.spec.renewTime ?? '' });
      },
      keep: false,
    });
  }

  /** Notes a minion's heartbeat or lease renewal, and when it was seen to change; its deadline moves. */
  private heard(name: string, change: { beat?: string; renewed?: string }): void {
    const seen = this.observed.get(name) ?? { beat: '', renewed: '', at: this.ctx.clock.now() };
    const beat = change.beat ?? seen.beat;
    const renewed = change.renewed ?? seen.renewed;
    if (beat !== seen.beat || renewed !== seen.renewed || !this.observed.has(name)) this.observed.set(name, { beat, renewed, at: this.ctx.clock.now() });
    this.enqueue(name);
  }

  /**
   * A Ready minion silent for the grace period is marked NotReady; one NotReady for a monitor
   * period has its pods evicted, once (the wait lets minions that fell silent together all be
   * marked before any is evicted, as Kubernetes' monitor pass does before its eviction pass).
   */
  protected override reconcile(name: string): Reconciled {
    const node = this.nodes.objects.get(nodeKey(name));
    if (!this.nodes.synced || !node) return;
    const now = this.ctx.clock.now();
    const ready = node.status.conditions.find((c) => c.type === 'Ready');
    if (ready?.status === 'True' && !this.silentSince.has(name)) {
      // When this controller saw the heartbeat change, not the time the minion wrote in it (as
      // Kubernetes' probeTimestamp): skewed clocks and a backed-up registry do not fake silence.
      const heard = this.observed.get(name)?.at ?? now;
      const left = heard + this.props.gracePeriodMs - now;
      if (left >= 0) {
        this.evicted.delete(name);
        return { requeueAfterMs: left + 1 };
      }
      this.markNotReady(node, ready.lastHeartbeatTime);
    }
    if (this.evicted.has(name)) return;
    const settling = (this.silentSince.get(name) ?? now) + this.props.monitorPeriodMs - now;
    if (settling > 0) return { requeueAfterMs: settling };
    // When most minions fall silent at once the fault is more likely here (an overloaded or
    // partitioned control plane) than in them: evicting everything would turn it into an outage.
    // Kubernetes' node lifecycle controller stops evicting in this "full disruption" as well.
    const silent = this.silentSince.size;
    if (silent > 2 && silent >= this.nodes.objects.size * DISRUPTION_FRACTION) return { requeueAfterMs: this.props.monitorPeriodMs };
    // Evictions are rate-limited (a token bucket), so a burst of late heartbeats cannot empty the
    // cluster before the next look shows whether the minions are really gone.
    const wait = this.takeToken(now);
    if (wait > 0) return { requeueAfterMs: Math.max(wait, this.props.monitorPeriodMs) };
    this.evicted.add(name);
    this.evict(node);
  }

  /** Takes an eviction token: 0 when one was taken, else how long until one is there. */
  private takeToken(now: number): number {
    const rate = this.props.evictionsPerSec ?? 1;
    this.tokens = Math.min(1, this.tokens + ((now - this.lastRefill) / 1000) * rate);
    this.lastRefill = now;
    if (this.tokens < 1) return Math.ceil(((1 - this.tokens) / rate) * 1000);
    this.tokens -= 1;
    return 0;
  }

  private markNotReady(node: Readonly<Node>, lastHeartbeatTime: string | undefined): void {
    const status: Node['status'] = {
      ...node.status,
      conditions: [{ type: 'Ready', status: 'Unknown', lastHeartbeatTime, reason: 'NodeStatusUnknown' }],
    };
    const { name, uid } = node.metadata;
    this.silentSince.set(name, this.ctx.clock.now());
    this.ctx.send(this.props.registry, { op: 'setStatus', resource: 'nodes', namespace: '', name, uid, status, reply: false });
    this.events.event(nodeReference(node), 'Normal', 'NodeNotReady', `Node ${name} status is now: NodeNotReady`);
  }

  /** Deletes the pods bound to a minion, so their controllers recreate them elsewhere (without holding this actor). */
  private evict(node: Readonly<Node>): void {
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
      // Looked at again: the minion is still NotReady and no longer counted as evicted.
      () => {
        this.evicted.delete(name);
        this.queue.addRateLimited(name);
      },
    );
  }
}

/** The node controller names a node as Kubernetes' does: with its uid, in no namespace. */
function nodeReference(node: Node): ObjectReference {
  const { name, uid } = node.metadata;
  return { kind: 'Node', name, namespace: '', uid, apiVersion: 'v1' };
}
