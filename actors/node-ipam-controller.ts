/**
 * The node IPAM controller (kube-controller-manager's range allocator, `--allocate-node-cidrs`):
 * each node without a pod range gets the first free block of `--node-cidr-mask-size` bits in
 * `--cluster-cidr`, written to its `spec.podCIDR`; a deleted node's block is free again. Ranges a
 * node brought itself (the embedded minions register with one) are respected and, inside the
 * cluster CIDR, counted as taken. A full range is a `CIDRNotAvailable` warning on the node.
 * Level-triggered: what is taken is read from the nodes, so a restart (or a new leader) carries on.
 */
import type { Node } from '../src/api/model.js';
import { cidrContains, formatCidr, numberToIp, parseCidr, parseClusterCidr, subnetOf, type Cidr } from '../src/api/cidr.js';
import { Controller, type ControllerProps } from '../src/cluster/controller.js';
import { nodeKey, type Informer } from '../src/cluster/informer.js';
import { EventRecorder } from '../src/cluster/events.js';
import type { RegistryReply } from '../src/registry/protocol.js';

/** Props of the node IPAM controller. */
export interface NodeIpamControllerProps extends ControllerProps {
  /** The pods' addresses across the cluster (`10.244.0.0/16`). */
  clusterCIDR: string;
  /** The prefix length of each node's block (24: 254 pods). */
  nodeCidrMaskSize: number;
}

/** What the node IPAM controller handles: the outcome of a block's write. */
export type NodeIpamControllerMsg = { op: 'written'; name: string; ok: boolean };

/** The node IPAM controller actor. Nodes without a range are the keys of its work queue. */
export class NodeIpamController extends Controller<NodeIpamControllerMsg, NodeIpamControllerProps> {
  static override readonly kind = 'helmsman.node-ipam-controller';

  private nodes!: Informer<Node>;
  private cluster!: Cidr;
  private blocks = 0;
  /** Blocks being written to a node, by node name (counted as taken until its node shows the outcome). */
  private readonly inFlight = new Map<string, number>();
  private events!: EventRecorder;

  override preStart(): void {
    const mask = this.props.nodeCidrMaskSize;
    const cluster = parseClusterCidr(this.props.clusterCIDR, mask);
    this.cluster = cluster;
    this.blocks = 2 ** (mask - cluster.bits);
    this.events = new EventRecorder(this.ctx, this.props, { component: 'cidrAllocator' });
    this.nodes = this.inform<Node>({
      name: 'nodes',
      resource: 'nodes',
      onChange: (key, node, prev) => {
        // A block stays counted as in flight until the node shows it (or is gone): the informer may lag the write.
        if (!node || node.spec.podCIDR) this.inFlight.delete((node ?? prev)!.metadata.name);
        // A deleted node's block is free: a node still waiting may take it.
        if (!node) for (const waiting of this.waitingNodes()) this.enqueue(waiting);
        else if (!node.spec.podCIDR) this.enqueue(key);
      },
      onSynced: () => {
        for (const name of this.waitingNodes()) this.enqueue(name);
      },
    });
  }

  protected override handle(msg: NodeIpamControllerMsg): void {
    if (msg.ok) return;
    this.inFlight.delete(msg.name);
    this.queue.addRateLimited(nodeKey(msg.name));
  }

  /** The informer's keys of the nodes without a range. */
  private *waitingNodes(): Iterable<string> {
    for (const [name, node] of this.nodes.objects) if (!node.spec.podCIDR) yield name;
  }

  /** Gives each node of the burst that still has no range the first free block. */
  protected override reconcileAll(names: string[]): void {
    if (!this.nodes.synced) return; // the list enqueues every node still waiting
    const mask = this.props.nodeCidrMaskSize;
    const taken = new Set(this.inFlight.values());
    for (const node of this.nodes.objects.values()) {
      const own = node.spec.podCIDR;
      if (!own) continue;
      const block = parseCidr(own);
      if (block && cidrContains(this.cluster, numberToIp(block.base)) && block.bits === mask) taken.add((block.base - this.cluster.base) / 2 ** (32 - mask));
    }
    let next = 0;
    for (const key of names) {
      const node = this.nodes.objects.get(key);
      if (!node || node.spec.podCIDR || this.inFlight.has(node.metadata.name)) continue;
      while (next < this.blocks && taken.has(next)) next++;
      const { name, uid } = node.metadata;
      if (next >= this.blocks) {
        this.events.event({ kind: 'Node', name, namespace: '', uid, apiVersion: 'v1' }, 'Warning', 'CIDRNotAvailable', `Node ${name} status is now: CIDRNotAvailable`);
        continue;
      }
      const block = next++;
      this.inFlight.set(name, block);
      const podCIDR = formatCidr(subnetOf(this.cluster, mask, block));
      // Compare-and-swap on the node as seen: a node that changed meanwhile is looked at again.
      const object: Node = { ...node, spec: { ...node.spec, podCIDR } };
      const self = this.ctx.self;
      this.ctx.ask<RegistryReply>(this.props.registry, { op: 'update', resource: 'nodes', object, version: 'internal' }, 30_000).then(
        (reply) => this.ctx.send(self, { op: 'written', name, ok: reply.ok }),
        () => this.ctx.send(self, { op: 'written', name, ok: false }),
      );
    }
  }
}
