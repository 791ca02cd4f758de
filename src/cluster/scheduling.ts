/**
 * Pod placement as pure logic, in the shape of kube-scheduler: a cache of what the scheduler knows
 * (nodes, and the pods bound or assumed on each), and a filter-then-score pass that picks a node for
 * each pending pod. No actors, no I/O: the scheduler actor feeds the cache from its watches, calls
 * `schedule` and posts the bindings.
 */
import type { Node, Pod } from '../api/model.js';

/** What the cache knows about one node: the node, and the totals of the pods bound or assumed on it. */
export interface NodeInfo {
  readonly name: string;
  /** Undefined while pods name a node the cache has not seen, or no longer has. */
  readonly node: Node | undefined;
  /** Whether the node takes pods: it is registered, with no Ready condition or one whose status is 'True'. */
  readonly ready: boolean;
  /** How many pods are on the node. */
  readonly podCount: number;
  /** Milli-CPU requested by the pods. */
  readonly cpu: number;
  /** Bytes of memory requested by the pods. */
  readonly memory: number;
  /** The node's milli-CPU, Infinity when it states none. */
  readonly cpuCapacity: number;
  /** The node's bytes of memory, Infinity when it states none. */
  readonly memoryCapacity: number;
  /**
   * Pods holding each host port, by `protocol/hostIP/hostPort` (hostIP '0.0.0.0' when unset), and
   * again by `protocol/any/hostPort` for the port on any address.
   */
  readonly hostPorts: ReadonlyMap<string, number>;
}

/**
 * The key replicas are spread by: the pod's managing controller, `namespace/kind/name` of its owner
 * reference with `controller: true` (the namespace so that equally named controllers in two
 * namespaces are not one), or '' for a pod no controller manages, which is not spread.
 */
export function spreadKey(pod: Pod): string {
  const owner = pod.metadata.ownerReferences?.find((o) => o.controller);
  return owner ? `${pod.metadata.namespace}/${owner.kind}/${owner.name}` : '';
}

/** What a pod asks of its node, worked out once per pod. */
interface Demand {
  /** Milli-CPU, summed over the containers. */
  cpu: number;
  /** Bytes, summed over the containers. */
  memory: number;
  ports: HostPort[];
  /** `spreadKey(pod)`. */
  spread: string;
  selector: [string, string][];
}

/** One requested host port, under the keys `NodeInfo.hostPorts` counts it by. */
interface HostPort {
  /** `protocol/hostIP/hostPort`, hostIP '0.0.0.0' when unset. */
  key: string;
  /** `protocol/0.0.0.0/hostPort`: the same port on every address. */
  wildcardKey: string;
  /** `protocol/any/hostPort`: the port on any address. */
  anyKey: string;
  wildcard: boolean;
}

function demandOf(pod: Pod): Demand {
  let cpu = 0;
  let memory = 0;
  let ports: HostPort[] = NONE;
  for (const c of pod.spec.containers) {
    cpu += c.cpu ?? 0;
    memory += c.memory ?? 0;
    for (const p of c.ports) {
      if (!p.hostPort) continue;
      const ip = p.hostIP || '0.0.0.0';
      if (ports === NONE) ports = [];
      ports.push({
        key: `${p.protocol}/${ip}/${p.hostPort}`,
        wildcardKey: `${p.protocol}/0.0.0.0/${p.hostPort}`,
        anyKey: `${p.protocol}/any/${p.hostPort}`,
        wildcard: ip === '0.0.0.0',
      });
    }
  }
  const selector = pod.spec.nodeSelector;
  return { cpu, memory, ports, spread: spreadKey(pod), selector: isEmpty(selector) ? NONE : Object.entries(selector) };
}

const NONE: never[] = [];

function isEmpty(o: object): boolean {
  for (const _ in o) return false;
  return true;
}

/** `assume` for `schedule`, which has worked out the pod's demand already (set in the cache's static block). */
let place: (cache: SchedulingCache, pod: Pod, demand: Demand, node: string) => void;

/**
 * The nodes, and per node the pods bound (`addPod`) or assumed (`assume`) there with their totals.
 * Pods are kept by key `namespace/name`; a pod may name a node before or after the cache knows it.
 */
export class SchedulingCache {
  readonly #nodes = new Map<string, NodeState>();
  readonly #pods = new Map<string, { node: NodeState; demand: Demand }>();
  /** Per spread key, how many pods with that key each node has. */
  readonly #spread = new Map<string, Map<NodeInfo, number>>();
  /** The registered nodes sorted by name; undefined when the set changed. */
  #order: NodeState[] | undefined;
  /** Where the next search for a node starts (kube-scheduler's nextStartNodeIndex); `schedule` advances it. */
  nextStart = 0;

  static {
    place = (cache, pod, demand, node) => cache.#place(`${pod.metadata.namespace}/${pod.metadata.name}`, demand, node);
  }

  /** Adds or updates a node, keeping the pods already on it. */
  setNode(node: Node): void {
    const state = this.#state(node.metadata.name);
    if (!state.node) this.#order = undefined;
    state.node = node;
    const ready = node.status.conditions.find((c) => c.type === 'Ready');
    state.ready = !ready || ready.status === 'True';
    state.cpuCapacity = node.status.capacity.cpu ?? Infinity;
    state.memoryCapacity = node.status.capacity.memory ?? Infinity;
  }

  /**
   * Takes a node out of scheduling and returns the keys of the pods on it. The pods stay recorded
   * (they are still bound to it) until `removePod`, so a node that comes back finds them there.
   */
  removeNode(name: string): string[] {
    const state = this.#nodes.get(name);
    if (!state?.node) return [];
    state.node = undefined;
    state.ready = false;
    this.#order = undefined;
    if (!state.podCount) this.#nodes.delete(name);
    const keys: string[] = [];
    for (const [key, rec] of this.#pods) if (rec.node === state) keys.push(key);
    return keys;
  }

  /**
   * Records a pod bound to `pod.spec.host`, replacing what was recorded for it before (another node,
   * other ports). A pod without a host, or one that finished (Succeeded, Failed), holds nothing.
   */
  addPod(pod: Pod): void {
    const { phase } = pod.status;
    if (!pod.spec.host || phase === 'Succeeded' || phase === 'Failed') this.removePod(pod.metadata.namespace, pod.metadata.name);
    else this.assume(pod, pod.spec.host);
  }

  /** Records `pod` on `node` as if bound there, replacing what was recorded for it before. */
  assume(pod: Pod, node: string): void {
    place(this, pod, demandOf(pod), node);
  }

  /** Forgets a pod, freeing its ports and requests. */
  removePod(namespace: string, name: string): void {
    this.#forget(`${namespace}/${name}`);
  }

  /** The node a pod is recorded on. */
  nodeOf(namespace: string, name: string): string | undefined {
    return this.#pods.get(`${namespace}/${name}`)?.node.name;
  }

  /** What the cache knows about a node, registered or only named by pods. */
  info(name: string): NodeInfo | undefined {
    return this.#nodes.get(name);
  }

  /** The registered nodes, sorted by name: the order `schedule` searches in. */
  nodes(): readonly NodeInfo[] {
    this.#order ??= [...this.#nodes.values()].filter((s) => s.node).sort((a, b) => (a.name < b.name ? -1 : 1));
    return this.#order;
  }

  /** How many pods with this spread key (see `spreadKey`) each node has; nodes with none are left out. */
  spreadOf(key: string): ReadonlyMap<NodeInfo, number> | undefined {
    return this.#spread.get(key);
  }

  /** How many pods are recorded. */
  get podCount(): number {
    return this.#pods.size;
  }

  #state(name: string): NodeState {
    let state = this.#nodes.get(name);
    if (!state) this.#nodes.set(name, (state = new NodeState(name)));
    return state;
  }

  #place(key: string, demand: Demand, node: string): void {
    this.#forget(key);
    const state = this.#state(node);
    state.count(demand, 1);
    this.#pods.set(key, { node: state, demand });
    if (!demand.spread) return;
    let counts = this.#spread.get(demand.spread);
    if (!counts) this.#spread.set(demand.spread, (counts = new Map()));
    counts.set(state, (counts.get(state) ?? 0) + 1);
  }

  #forget(key: string): void {
    const rec = this.#pods.get(key);
    if (!rec) return;
    this.#pods.delete(key);
    const { node: state, demand } = rec;
    state.count(demand, -1);
    if (!state.node && !state.podCount) this.#nodes.delete(state.name);
    const counts = demand.spread ? this.#spread.get(demand.spread) : undefined;
    if (!counts) return;
    const left = counts.get(state)! - 1;
    if (left) counts.set(state, left);
    else if (counts.delete(state) && !counts.size) this.#spread.delete(demand.spread);
  }
}

class NodeState implements NodeInfo {
  node: Node | undefined = undefined;
  ready = false;
  podCount = 0;
  cpu = 0;
  memory = 0;
  cpuCapacity = Infinity;
  memoryCapacity = Infinity;
  readonly hostPorts = new Map<string, number>();

  constructor(readonly name: string) {}

  /** Adds (`by` 1) or takes away (-1) a pod's demand. */
  count(d: Demand, by: 1 | -1): void {
    this.podCount += by;
    this.cpu += by * d.cpu;
    this.memory += by * d.memory;
    for (const p of d.ports) {
      bump(this.hostPorts, p.key, by);
      bump(this.hostPorts, p.anyKey, by);
    }
  }
}

function bump(map: Map<string, number>, key: string, by: number): void {
  const n = (map.get(key) ?? 0) + by;
  if (n) map.set(key, n);
  else map.delete(key);
}

/** Options of `schedule`. */
export interface ScheduleOptions {
  /**
   * Stop searching once this many feasible nodes are found and score only those (kube-scheduler's
   * percentageOfNodesToScore). Default: `defaultNumFeasibleToFind(nodes)`.
   */
  numFeasibleToFind?: number;
}

/** What `schedule` decided: a node for each pod it could place, a reason for each it could not. */
export interface ScheduleResult {
  bindings: { pod: Pod; node: string }[];
  unschedulable: { pod: Pod; message: string }[];
}

/** How many feasible nodes to find before scoring: all of up to 100 nodes, else max(100, 10%). */
export function defaultNumFeasibleToFind(nodes: number): number {
  return nodes <= 100 ? nodes : Math.max(100, Math.floor(nodes / 10));
}

/** Why pods do not fit on nodes, kube-scheduler's words, by the bit `unfit` sets for each. */
const REASONS = [
  'node(s) were not ready',
  "node(s) didn't match Pod's node affinity/selector",
  "node(s) didn't have free ports for the requested pod ports",
  'Insufficient cpu',
  'Insufficient memory',
];

/**
 * Picks a node for each pod in turn, assuming each binding in the cache at once so the pods after it
 * see it. A node is feasible when it is ready, has every label of the pod's nodeSelector, has the
 * pod's host ports free (0.0.0.0 clashes with every address) and has room for its cpu and memory
 * (where the node states a capacity; a pod requesting none always fits). The search starts where the
 * last one stopped and ends after `numFeasibleToFind` feasible nodes; of those the pod goes to the one
 * with the fewest pods of its spread key, then the fewest pods, the first found on a tie (the start
 * moves on with every pod, so ties rotate). A pod no node takes gets kube-scheduler's message,
 * counting the reasons over all nodes.
 */
export function schedule(pods: readonly Pod[], cache: SchedulingCache, opts: ScheduleOptions = {}): ScheduleResult {
  const nodes = cache.nodes();
  const n = nodes.length;
  const want = Math.max(1, opts.numFeasibleToFind ?? defaultNumFeasibleToFind(n));
  const result: ScheduleResult = { bindings: [], unschedulable: [] };
  for (const pod of pods) {
    if (!n) {
      result.unschedulable.push({ pod, message: '0/0 nodes are available: no nodes registered.' });
      continue;
    }
    const d = demandOf(pod);
    const spread = d.spread ? cache.spreadOf(d.spread) : undefined;
    let best: NodeInfo | undefined;
    let bestSpread = 0;
    let found = 0;
    let seen = 0;
    const start = cache.nextStart % n;
    let i = start;
    for (; seen < n && found < want; seen++, i = i + 1 === n ? 0 : i + 1) {
      const info = nodes[i];
      if (unfit(info, d)) continue;
      found++;
      // Replicas can only tie a best without any, so then only a node with fewer pods can win.
      if (best && bestSpread === 0 && info.podCount >= best.podCount) continue;
      const replicas = spread?.get(info) ?? 0;
      if (!best || replicas < bestSpread || (replicas === bestSpread && info.podCount < best.podCount)) {
        best = info;
        bestSpread = replicas;
      }
    }
    // The next search starts after the last node looked at; one further on when all were, so ties rotate.
    cache.nextStart = seen === n ? start + 1 : i;
    if (best) {
      place(cache, pod, d, best.name);
      result.bindings.push({ pod, node: best.name });
    } else {
      result.unschedulable.push({ pod, message: whyNot(nodes, d) });
    }
  }
  return result;
}

/**
 * 0 when `d` fits on the node, else the bits of REASONS it fails on: the filters run in that order
 * and stop at the first that fails, except that cpu and memory are both told.
 */
function unfit(info: NodeInfo, d: Demand): number {
  // Kept small, the loops out of line, so that it inlines into the search.
  if (!info.ready) return 1;
  if (d.selector.length && !labelsMatch(info, d.selector)) return 2;
  if (d.ports.length && portsTaken(info.hostPorts, d.ports)) return 4;
  const cpu = d.cpu > 0 && info.cpu + d.cpu > info.cpuCapacity ? 8 : 0;
  const memory = d.memory > 0 && info.memory + d.memory > info.memoryCapacity ? 16 : 0;
  return cpu | memory;
}

function labelsMatch(info: NodeInfo, selector: [string, string][]): boolean {
  for (const [k, v] of selector) if (info.node?.metadata.labels[k] !== v) return false;
  return true;
}

/** Whether a port is held: the same one, or one on 0.0.0.0, or for 0.0.0.0 the port on any address. */
function portsTaken(used: ReadonlyMap<string, number>, ports: HostPort[]): boolean {
  for (const p of ports) if (p.wildcard ? used.has(p.anyKey) : used.has(p.key) || used.has(p.wildcardKey)) return true;
  return false;
}

/** kube-scheduler's message for a pod no node takes: how many nodes fail for each reason, sorted. */
function whyNot(nodes: readonly NodeInfo[], d: Demand): string {
  const counts = REASONS.map(() => 0);
  for (const info of nodes) {
    const bits = unfit(info, d);
    for (let k = 0; k < REASONS.length; k++) if (bits & (1 << k)) counts[k]++;
  }
  const reasons = REASONS.flatMap((r, k) => (counts[k] ? [`${counts[k]} ${r}`] : [])).sort();
  return `0/${nodes.length} nodes are available: ${reasons.join(', ')}.`;
}
