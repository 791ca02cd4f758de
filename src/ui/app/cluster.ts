/**
 * The cluster as the page keeps it: one informer per resource the views show, shared by them, and
 * the aggregates the overview draws (pods by phase, pods and requests per node, pods created and
 * Running per second) kept up to date change by change, so a redraw at 100,000 pods does not walk
 * them all.
 */
import { Informer, WatchGroup } from './informer.js';
import type { Endpoints, Event, Node, Pod, ReplicationController, Service } from './types.js';

/** What a node carries: pods and their requests. */
export interface NodeLoad {
  pods: number;
  cpuMilli: number;
  memoryBytes: number;
}

/** Per-second counts over the last few minutes. */
export class Series {
  readonly t: number[] = [];
  readonly v: number[] = [];
  constructor(private readonly keep = 300) {}

  /** Adds `n` to the second `atMs` falls in. */
  add(atMs: number, n = 1): void {
    const second = Math.floor(atMs / 1000);
    const last = this.t.length - 1;
    if (last >= 0 && this.t[last] === second) this.v[last]! += n;
    else {
      // Seconds with nothing are zeros, so the chart's line drops to the floor.
      for (let s = last >= 0 ? this.t[last]! + 1 : second; s < second; s++) this.push(s, 0);
      this.push(second, n);
    }
  }

  /** Sets the value of the second `atMs` falls in (a sampled rate). */
  set(atMs: number, value: number): void {
    const second = Math.floor(atMs / 1000);
    if (this.t[this.t.length - 1] === second) this.v[this.v.length - 1] = value;
    else this.push(second, value);
  }

  private push(second: number, value: number): void {
    this.t.push(second);
    this.v.push(value);
    if (this.t.length > this.keep) {
      this.t.shift();
      this.v.shift();
    }
  }
}

/** `100m` → 100, `2` → 2000 (millicores). */
export function cpuMilli(q: string | undefined): number {
  if (!q) return 0;
  return q.endsWith('m') ? Number(q.slice(0, -1)) || 0 : Math.round((Number(q) || 0) * 1000);
}

const BYTE_SUFFIXES: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, k: 1e3, K: 1e3, M: 1e6, G: 1e9, T: 1e12 };

/** `64Mi` → 67108864 (bytes). */
export function bytes(q: string | undefined): number {
  if (!q) return 0;
  const m = /^([0-9.]+)([A-Za-z]*)$/.exec(q);
  if (!m) return 0;
  return Number(m[1]) * (BYTE_SUFFIXES[m[2]!] ?? 1);
}

/** Whether a node's Ready condition says True, False or nothing known. */
export function readiness(node: Node): 'ready' | 'notready' | 'unknown' {
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
  return ready?.status === 'True' ? 'ready' : ready?.status === 'False' ? 'notready' : 'unknown';
}

/** The phase a pod is shown in (a pod being deleted is Terminating, as kubectl shows it). */
export function phaseOf(pod: Pod): string {
  return pod.metadata.deletionTimestamp ? 'Terminating' : (pod.status?.phase ?? 'Pending');
}

export class ClusterState {
  readonly nodes = new Informer<Node>('nodes');
  readonly pods = new Informer<Pod>('pods');
  readonly controllers = new Informer<ReplicationController>('replicationcontrollers');
  readonly services = new Informer<Service>('services');
  readonly endpoints = new Informer<Endpoints>('endpoints');
  readonly events = new Informer<Event>('events');

  /** Pods by phase, and by node. */
  readonly phases = new Map<string, number>();
  readonly perNode = new Map<string, NodeLoad>();
  /** Pods created, and pods that became Running, per second (as this page saw them). */
  readonly created = new Series();
  readonly running = new Series();

  constructor() {
    this.pods.onList(() => {
      this.phases.clear();
      this.perNode.clear();
      for (const p of this.pods.items.values()) this.count(p, 1);
    });
    this.pods.onEach((type, pod, prev) => {
      if (prev) this.count(prev, -1);
      if (type !== 'DELETED') this.count(pod, 1);
      const now = Date.now();
      if (type === 'ADDED') this.created.add(now);
      if (type !== 'DELETED' && pod.status?.phase === 'Running' && prev?.status?.phase !== 'Running') this.running.add(now);
    });
  }

  private readonly group = new WatchGroup(this.all());

  start(): this {
    this.group.start();
    return this;
  }

  stop(): void {
    this.group.stop();
  }

  all(): Informer<any>[] {
    return [this.nodes, this.pods, this.controllers, this.services, this.endpoints, this.events];
  }

  private count(pod: Pod, sign: 1 | -1): void {
    const phase = phaseOf(pod);
    this.phases.set(phase, (this.phases.get(phase) ?? 0) + sign);
    const node = pod.spec.nodeName;
    // A finished pod holds no resources on its node (as the scheduler counts).
    if (!node || phase === 'Succeeded' || phase === 'Failed') return;
    let load = this.perNode.get(node);
    if (!load) this.perNode.set(node, (load = { pods: 0, cpuMilli: 0, memoryBytes: 0 }));
    load.pods += sign;
    for (const c of pod.spec.containers ?? []) {
      load.cpuMilli += sign * cpuMilli(c.resources?.requests?.cpu);
      load.memoryBytes += sign * bytes(c.resources?.requests?.memory);
    }
  }
}
