/**
 * The node controller: a minion whose heartbeat is older than the grace period is marked
 * NotReady, and its pods are evicted (deleted, so their replication controllers recreate them on
 * minions that answer) — unless most minions went silent together, which says more about the
 * control plane than about them. The minion's own heartbeat marks it Ready again when it comes back.
 */
import type { Node, Pod } from '../src/api/model.js';
import { Controller, type ControllerProps } from '../src/cluster/controller.js';
import type { Informer } from '../src/cluster/informer.js';
import type { RegistryReply } from './registry.js';

/** Props of the node controller. */
export interface NodeControllerProps extends ControllerProps {
  /** How long a minion may stay silent before it is NotReady (Kubernetes: 40 s). */
  gracePeriodMs: number;
  /** How often minions are checked (Kubernetes: 5 s). */
  monitorPeriodMs: number;
}

/** The share of silent minions from which nothing is evicted (Kubernetes' unhealthyZoneThreshold). */
const DISRUPTION_FRACTION = 0.55;

/** What the node controller handles. */
export type NodeControllerMsg = { op: 'monitor' };

/** The node controller actor. */
export class NodeController extends Controller<NodeControllerMsg, NodeControllerProps> {
  static override readonly kind = 'helmsman.node-controller';

  private nodes!: Informer<Node>;
  /** Minions whose pods have been evicted since they were last Ready. */
  private readonly evicted = new Set<string>();

  override preStart(): void {
    this.nodes = this.inform<Node>('nodes', 'nodes', {}, {});
    this.ctx.timers.periodic('monitor', this.props.monitorPeriodMs, { op: 'monitor' });
  }

  protected async handle(_msg: NodeControllerMsg): Promise<void> {
    if (!this.nodes.synced) return;
    const now = this.ctx.clock.now();
    const notReady: Node[] = [];
    for (const node of this.nodes.objects.values()) {
      const ready = node.status.conditions.find((c) => c.type === 'Ready');
      if (ready?.status === 'True') {
        const heartbeat = ready.lastHeartbeatTime ? Date.parse(ready.lastHeartbeatTime) : 0;
        if (now - heartbeat <= this.props.gracePeriodMs) {
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
    for (const node of notReady) {
      if (this.evicted.has(node.metadata.name)) continue;
      this.evicted.add(node.metadata.name);
      await this.evict(node.metadata.name);
    }
  }

  private markNotReady(node: Node, lastHeartbeatTime: string | undefined): void {
    const status: Node['status'] = {
      ...node.status,
      conditions: [{ type: 'Ready', status: 'Unknown', lastHeartbeatTime, reason: 'NodeStatusUnknown' }],
    };
    const { name, uid } = node.metadata;
    this.ctx.send(this.props.registry, { op: 'setStatus', resource: 'nodes', namespace: '', name, uid, status, reply: false });
  }

  /** Deletes the pods bound to a minion, so their controllers recreate them elsewhere. */
  private async evict(name: string): Promise<void> {
    const reply = await this.ctx.ask<RegistryReply>(this.props.registry, {
      op: 'list',
      resource: 'pods',
      filter: { fields: { requirements: [{ field: 'spec.host', operator: '=', value: name }] } },
      version: 'internal',
    });
    if (!reply.ok) return;
    const { items } = JSON.parse(reply.body as string) as { items: Pod[] };
    for (const pod of items) {
      const { namespace, name: podName, uid } = pod.metadata;
      this.ctx.send(this.props.registry, { op: 'delete', resource: 'pods', namespace, name: podName, uid, version: 'internal', reply: false });
    }
  }
}
