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
import type { Informer } from '../src/cluster/informer.js';
import { EventRecorder } from '../src/cluster/events.js';
import type { RegistryReply } from '../src/registry/protocol.js';

/** Props of the node IPAM controller. */
export interface NodeIpamControllerProps extends ControllerProps {
  /** The pods' addresses across the cluster (`10.244.0.0/16`). */
  clusterCIDR: string;
  /** The prefix length of each node's block (24: 254 pods). */
  nodeCidrMaskSize: number;
}

/** What the node IPAM controller handles. */
export type NodeIpamControllerMsg = { op: 'allocate' } | { op: 'written'; name: string; ok: boolean };

/** How long a node whose write failed waits before it is tried again. */
const RETRY_MS = 1000;

/** The node IPAM controller actor. */
export class NodeIpamController extends Controller<NodeIpamControllerMsg, NodeIpamControllerProps> {
  static override readonly kind = 'helmsman.node-ipam-controller';

  private nodes!: Informer<Node>;
  private cluster!: Cidr;
  private blocks = 0;
  /** Blocks being written to a node, by node name (counted as taken until its node shows the outcome). */
  private readonly inFlight = new Map<string, number>();
  private queued = false;
  private events!: EventRecorder;

  override preStart(): void {
    const mask = this.props.nodeCidrMaskSize;
    const cluster = parseClusterCidr(this.props.clusterCIDR, mask);
    this.cluster = cluster;
    this.blocks = 2 ** (mask - cluster.bits);
    this.events = new EventRecorder(this.ctx, this.props.registry, { component: 'cidrAllocator' });
    this.nodes = this.inform<Node>('nodes', 'nodes', {}, {
      onChange: (_key, node, prev) => {
        // A block stays counted as in flight until the node shows it (or is gone): the informer may lag the write.
        if (!node || node.spec.podCIDR) this.inFlight.delete((node ?? prev)!.metadata.name);
        if (!node || !node.spec.podCIDR) this.queue();
      },
      onSynced: () => this.queue(),
    });
  }

  protected handle(msg: NodeIpamControllerMsg): void {
    if (msg.op === 'written') {
      if (msg.ok) return;
      this.inFlight.delete(msg.name);
      this.ctx.timers.once('retry', RETRY_MS, { op: 'allocate' });
      return;
    }
    this.queued = false;
    if (this.nodes.synced) this.allocate();
  }

  private queue(): void {
    if (this.queued) return;
    this.queued = true;
    this.ctx.send(this.ctx.self, { op: 'allocate' });
  }

  /** Gives every node without a range the first free block. */
  private allocate(): void {
    const mask = this.props.nodeCidrMaskSize;
    const taken = new Set(this.inFlight.values());
    const waiting: Node[] = [];
    for (const node of this.nodes.objects.values()) {
      const own = node.spec.podCIDR;
      if (!own) {
        if (!this.inFlight.has(node.metadata.name)) waiting.push(node);
        continue;
      }
      const block = parseCidr(own);
      if (block && cidrContains(this.cluster, numberToIp(block.base)) && block.bits === mask) taken.add((block.base - this.cluster.base) / 2 ** (32 - mask));
    }
    let next = 0;
    for (const node of waiting) {
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
