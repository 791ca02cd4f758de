import test from 'ava';
import { emptyMeta, type ContainerPort, type Node, type Pod } from '../../src/api/model.js';
import { defaultNumFeasibleToFind, schedule, SchedulingCache, spreadKey } from '../../src/cluster/scheduling.js';

// ---- fixtures ----

interface NodeOpts {
  cpu?: number;
  memory?: number;
  labels?: Record<string, string>;
  ready?: string;
}

function node(name: string, o: NodeOpts = {}): Node {
  return {
    kind: 'Node',
    metadata: { ...emptyMeta(name), labels: o.labels ?? {} },
    spec: {},
    status: {
      hostIP: '',
      capacity: { cpu: o.cpu, memory: o.memory },
      conditions: o.ready === undefined ? [] : [{ type: 'Ready', status: o.ready }],
    },
  };
}

interface PodOpts {
  hostPort?: number;
  hostIP?: string;
  protocol?: 'TCP' | 'UDP';
  cpu?: number;
  memory?: number;
  owner?: string;
  selector?: Record<string, string>;
  host?: string;
}

function pod(name: string, o: PodOpts = {}): Pod {
  const ports: ContainerPort[] = o.hostPort ? [{ containerPort: o.hostPort, hostPort: o.hostPort, protocol: o.protocol ?? 'TCP', hostIP: o.hostIP }] : [];
  const meta = emptyMeta(name, 'default');
  if (o.owner) meta.ownerReferences = [{ kind: 'ReplicationController', name: o.owner, uid: `uid-${o.owner}`, controller: true }];
  return {
    kind: 'Pod',
    metadata: meta,
    spec: {
      containers: [{ name: 'c', image: 'img', ports, env: [], volumeMounts: [], cpu: o.cpu, memory: o.memory }],
      restartPolicy: 'Always',
      volumes: [],
      nodeSelector: o.selector ?? {},
      host: o.host ?? '',
      manifest: { version: 'v1beta1', id: name },
    },
    status: { phase: 'Pending', containers: {} },
  };
}

function cacheOf(...nodes: Node[]): SchedulingCache {
  const cache = new SchedulingCache();
  for (const n of nodes) cache.setNode(n);
  return cache;
}

/** Pods per node name, from a result's bindings. */
function perNode(bindings: { node: string }[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const b of bindings) counts[b.node] = (counts[b.node] ?? 0) + 1;
  return counts;
}

const PORTS_TAKEN = "node(s) didn't have free ports for the requested pod ports";
const MiB = 1024 * 1024;

// ---- filters ----

test('two pods wanting host port 6379 do not share a node', (t) => {
  const one = schedule([pod('a', { hostPort: 6379 }), pod('b', { hostPort: 6379 })], cacheOf(node('n1')));
  t.deepEqual(one.bindings.map((b) => [b.pod.metadata.name, b.node]), [['a', 'n1']]);
  t.deepEqual(one.unschedulable.map((u) => [u.pod.metadata.name, u.message]), [['b', `0/1 nodes are available: 1 ${PORTS_TAKEN}.`]]);

  const two = schedule([pod('a', { hostPort: 6379 }), pod('b', { hostPort: 6379 })], cacheOf(node('n1'), node('n2')));
  t.is(two.unschedulable.length, 0);
  t.deepEqual(new Set(two.bindings.map((b) => b.node)), new Set(['n1', 'n2']));
});

test('host ports of pods already bound count, by protocol and address, 0.0.0.0 meaning every address', (t) => {
  const fitsNextTo = (bound: PodOpts, wanted: PodOpts) => {
    const cache = cacheOf(node('n1'));
    cache.addPod(pod('bound', { hostPort: 80, host: 'n1', ...bound }));
    return schedule([pod('new', { hostPort: 80, ...wanted })], cache).bindings.length === 1;
  };
  t.false(fitsNextTo({ hostIP: '10.0.0.1' }, { hostIP: '10.0.0.1' }), 'same address');
  t.true(fitsNextTo({ hostIP: '10.0.0.1' }, { hostIP: '10.0.0.2' }), 'another address');
  t.true(fitsNextTo({ hostIP: '10.0.0.1' }, { protocol: 'UDP', hostIP: '10.0.0.1' }), 'another protocol');
  t.false(fitsNextTo({ hostIP: '10.0.0.1' }, {}), 'every address includes 10.0.0.1');
  t.false(fitsNextTo({}, { hostIP: '10.0.0.2' }), '10.0.0.2 is among every address');
  t.false(fitsNextTo({}, { hostIP: '0.0.0.0' }), 'unset and 0.0.0.0 are the same');
});

test('removing a pod frees its host ports', (t) => {
  const cache = cacheOf(node('n1'));
  cache.addPod(pod('redis', { hostPort: 6379, host: 'n1' }));
  t.is(schedule([pod('x', { hostPort: 6379 })], cache).bindings.length, 0);
  cache.removePod('default', 'redis');
  t.deepEqual(schedule([pod('x', { hostPort: 6379 })], cache).bindings.map((b) => b.node), ['n1']);
  t.deepEqual(cache.info('n1')!.hostPorts, new Map([['TCP/0.0.0.0/6379', 1], ['TCP/any/6379', 1]]));
});

test('a nodeSelector admits only nodes carrying all its labels', (t) => {
  const cache = cacheOf(node('n1', { labels: { disk: 'ssd' } }), node('n2', { labels: { disk: 'ssd', zone: 'a' } }), node('n3'));
  const r = schedule([pod('a', { selector: { disk: 'ssd', zone: 'a' } }), pod('b', { selector: { gpu: 'yes' } })], cache);
  t.deepEqual(r.bindings.map((b) => b.node), ['n2']);
  t.deepEqual(r.unschedulable.map((u) => u.message), ["0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector."]);
});

test('cpu and memory requests must fit what the node has left', (t) => {
  const cache = cacheOf(node('small', { cpu: 1000, memory: 512 * MiB }), node('big', { cpu: 4000, memory: 4096 * MiB }));
  cache.addPod(pod('hog', { cpu: 3500, memory: 1024 * MiB, host: 'big' }));
  const r = schedule([pod('a', { cpu: 800, memory: 256 * MiB }), pod('b', { cpu: 400 }), pod('c', { memory: 3072 * MiB }), pod('d', { cpu: 150, memory: 3584 * MiB })], cache);
  t.deepEqual(r.bindings.map((b) => [b.pod.metadata.name, b.node]), [['a', 'small'], ['b', 'big'], ['c', 'big']]);
  t.deepEqual(r.unschedulable.map((u) => u.message), ['0/2 nodes are available: 1 Insufficient cpu, 2 Insufficient memory.']);
  t.deepEqual([cache.info('big')!.cpu, cache.info('big')!.memory], [3900, 4096 * MiB]);
});

test('pods without requests, and nodes without a capacity, always fit', (t) => {
  const cache = cacheOf(node('full', { cpu: 100, memory: MiB }));
  cache.addPod(pod('hog', { cpu: 100, memory: MiB, host: 'full' }));
  t.is(schedule([pod('free')], cache).bindings.length, 1);
  t.is(schedule([pod('huge', { cpu: 1e6, memory: 1e15 })], cacheOf(node('unmetered'))).bindings.length, 1);
});

test('reasons are counted over all nodes and listed sorted, as kube-scheduler does', (t) => {
  const cache = cacheOf(
    node('a', { cpu: 100, labels: { tier: 'db' } }),
    node('b', { cpu: 100, labels: { tier: 'db' } }),
    node('c'),
    node('d'),
    node('e'),
  );
  const r = schedule([pod('p', { cpu: 500, selector: { tier: 'db' } })], cache, { numFeasibleToFind: 1 });
  t.deepEqual(r.unschedulable.map((u) => u.message), ["0/5 nodes are available: 2 Insufficient cpu, 3 node(s) didn't match Pod's node affinity/selector."]);
  t.deepEqual(schedule([pod('p')], new SchedulingCache()).unschedulable.map((u) => u.message), ['0/0 nodes are available: no nodes registered.']);
});

test('nodes that are not ready are skipped; a node without conditions is ready', (t) => {
  const cache = cacheOf(node('down', { ready: 'False' }), node('unknown', { ready: 'Unknown' }), node('up', { ready: 'True' }), node('quiet'));
  const r = schedule(Array.from({ length: 4 }, (_, i) => pod(`p${i}`)), cache);
  t.deepEqual(perNode(r.bindings), { up: 2, quiet: 2 });
  cache.setNode(node('up', { ready: 'False' }));
  cache.setNode(node('quiet', { ready: 'Unknown' }));
  t.deepEqual(schedule([pod('late')], cache).unschedulable.map((u) => u.message), ['0/4 nodes are available: 4 node(s) were not ready.']);
  t.is(cache.info('up')!.podCount, 2, 'an updated node keeps its pods');
});

// ---- scoring ----

test('replicas of one controller spread evenly over the nodes', (t) => {
  const r = schedule(Array.from({ length: 9 }, (_, i) => pod(`web-${i}`, { owner: 'web' })), cacheOf(node('n1'), node('n2'), node('n3')));
  t.deepEqual(perNode(r.bindings), { n1: 3, n2: 3, n3: 3 });
});

test('spreading a controller weighs more than the load of other pods', (t) => {
  const cache = cacheOf(node('busy'), node('idle'));
  for (let i = 0; i < 5; i++) cache.addPod(pod(`other-${i}`, { host: 'busy' }));
  cache.addPod(pod('web-0', { owner: 'web', host: 'idle' }));
  t.deepEqual(schedule([pod('web-1', { owner: 'web' })], cache).bindings.map((b) => b.node), ['busy']);
  t.is(spreadKey(pod('x', { owner: 'web' })), 'default/ReplicationController/web');
  t.is(spreadKey(pod('x')), '');
});

test('pods without an owner go to the least loaded node', (t) => {
  const cache = cacheOf(node('n1'), node('n2'), node('n3'));
  for (let i = 0; i < 3; i++) cache.addPod(pod(`old-${i}`, { host: 'n1' }));
  cache.addPod(pod('old-3', { host: 'n2' }));
  const r = schedule(Array.from({ length: 5 }, (_, i) => pod(`new-${i}`)), cache);
  t.is(r.bindings[0]!.node, 'n3');
  t.deepEqual(perNode(r.bindings), { n2: 2, n3: 3 });
  t.deepEqual(['n1', 'n2', 'n3'].map((n) => cache.info(n)!.podCount), [3, 3, 3]);
});

test('each pod goes to a feasible node with the fewest replicas of its controller, then the fewest pods', (t) => {
  // An independent model of the nodes, kept from the bindings, says what the best score was.
  const model = Array.from({ length: 12 }, (_, i) => ({ name: `n${i}`, cpu: i % 4 ? 1000 : 300, used: 0, ports: new Set<number>(), pods: 0, replicas: new Map<string, number>() }));
  const cache = cacheOf(...model.map((m) => node(m.name, { cpu: m.cpu })));
  for (let i = 0; i < 150; i++) {
    const owner = i % 5 ? `rc${i % 3}` : '';
    const port = i % 7 ? 0 : 9000 + (i % 2);
    const score = (m: (typeof model)[number]) => [m.replicas.get(owner) ?? 0, m.pods];
    const feasible = model.filter((m) => m.used + 100 <= m.cpu && !m.ports.has(port));
    const best = feasible.map(score).sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!)[0];
    const [binding] = schedule([pod(`p${i}`, { owner: owner || undefined, cpu: 100, hostPort: port || undefined })], cache).bindings;
    if (!best) {
      t.true(binding === undefined, `p${i} fits nowhere`);
      continue;
    }
    const m = model.find((x) => x.name === binding!.node)!;
    t.deepEqual(score(m), best, `p${i}`);
    m.used += 100;
    m.pods++;
    if (port) m.ports.add(port);
    if (owner) m.replicas.set(owner, (m.replicas.get(owner) ?? 0) + 1);
  }
});

test('ties rotate over the nodes instead of always taking the first', (t) => {
  const cache = cacheOf(node('n1'), node('n2'), node('n3'));
  const chosen = [];
  for (let i = 0; i < 6; i++) {
    chosen.push(schedule([pod('p')], cache).bindings[0]!.node);
    cache.removePod('default', 'p');
  }
  t.deepEqual(chosen, ['n1', 'n2', 'n3', 'n1', 'n2', 'n3']);
});

test('the search stops after numFeasibleToFind feasible nodes', (t) => {
  t.deepEqual([50, 100, 101, 1000, 5000].map(defaultNumFeasibleToFind), [50, 100, 100, 100, 500]);
  const cache = cacheOf(node('n1'), node('n2'));
  cache.addPod(pod('old', { host: 'n1' }));
  t.deepEqual(schedule([pod('p')], cache, { numFeasibleToFind: 1 }).bindings.map((b) => b.node), ['n1'], 'n2 was never looked at');
});

test('scheduling is deterministic given the same input, whatever order nodes arrived in', (t) => {
  const names = Array.from({ length: 150 }, (_, i) => `node-${i}`);
  const pods = () =>
    Array.from({ length: 600 }, (_, i) => pod(`p${i}`, { owner: i % 3 ? `rc${i % 7}` : undefined, hostPort: i % 5 ? undefined : 8080, cpu: 100 }));
  const run = (order: string[]) => schedule(pods(), cacheOf(...order.map((n) => node(n, { cpu: 1000 })))).bindings.map((b) => `${b.pod.metadata.name}@${b.node}`);
  const first = run(names);
  t.is(first.length, 600);
  t.deepEqual(run([...names].reverse()), first);
});

// ---- the cache ----

test('addPod is idempotent per pod and moves a pod that changed node or ports', (t) => {
  const cache = cacheOf(node('n1'), node('n2'));
  cache.addPod(pod('a', { hostPort: 80, cpu: 100, host: 'n1' }));
  cache.addPod(pod('a', { hostPort: 80, cpu: 100, host: 'n1' }));
  t.deepEqual([cache.info('n1')!.podCount, cache.info('n1')!.cpu, cache.podCount], [1, 100, 1]);
  cache.addPod(pod('a', { hostPort: 81, cpu: 100, host: 'n2' }));
  t.is(cache.nodeOf('default', 'a'), 'n2');
  t.deepEqual([cache.info('n1')!.podCount, cache.info('n1')!.cpu, cache.info('n1')!.hostPorts.size], [0, 0, 0]);
  t.true(cache.info('n2')!.hostPorts.has('TCP/0.0.0.0/81'));
  cache.addPod({ ...pod('a', { host: 'n2' }), status: { phase: 'Succeeded', containers: {} } });
  t.is(cache.nodeOf('default', 'a'), undefined, 'a finished pod holds nothing');
});

test('pods bound to a node the cache has not seen yet count once it registers', (t) => {
  const cache = new SchedulingCache();
  cache.addPod(pod('early', { hostPort: 53, protocol: 'UDP', host: 'late' }));
  t.deepEqual(cache.nodes(), [], 'not a candidate before it registers');
  cache.setNode(node('late'));
  t.is(schedule([pod('dns', { hostPort: 53, protocol: 'UDP' })], cache).unschedulable.length, 1);
});

test('removeNode returns its pods and takes the node out of scheduling', (t) => {
  const cache = cacheOf(node('n1'), node('n2'));
  cache.addPod(pod('a', { host: 'n1' }));
  cache.addPod(pod('b', { host: 'n1' }));
  cache.addPod(pod('c', { host: 'n2' }));
  t.deepEqual(cache.removeNode('n1').sort(), ['default/a', 'default/b']);
  t.deepEqual(cache.removeNode('n1'), [], 'already gone');
  t.deepEqual(cache.nodes().map((n) => n.name), ['n2']);
  t.deepEqual(perNode(schedule([pod('d'), pod('e')], cache).bindings), { n2: 2 });
  cache.setNode(node('n1'));
  t.is(cache.info('n1')!.podCount, 2, 'its pods are still bound to it when it comes back');
  t.deepEqual(cache.removeNode('n1').sort(), ['default/a', 'default/b']);
  cache.removePod('default', 'a');
  cache.removePod('default', 'b');
  t.is(cache.info('n1'), undefined, 'forgotten with its last pod');
});

// ---- scale ----

test('20,000 pods fit on 1,000 nodes without overcommitting any', (t) => {
  const nodes = Array.from({ length: 1000 }, (_, i) => node(`node-${String(i).padStart(4, '0')}`, { cpu: 2000, memory: 4096 * MiB }));
  const pods = Array.from({ length: 20_000 }, (_, i) =>
    pod(`p${i}`, { owner: `rc${i % 200}`, cpu: 80, memory: 128 * MiB, hostPort: i % 40 ? undefined : 8080 }),
  );
  const r = schedule(pods, cacheOf(...nodes));
  t.is(r.unschedulable.length, 0);
  t.is(r.bindings.length, 20_000);
  const used = new Map<string, { cpu: number; memory: number; ports: number; owners: Map<string, number> }>();
  for (const { pod: p, node: n } of r.bindings) {
    const u = used.get(n) ?? { cpu: 0, memory: 0, ports: 0, owners: new Map() };
    used.set(n, u);
    const c = p.spec.containers[0]!;
    u.cpu += c.cpu!;
    u.memory += c.memory!;
    u.ports += c.ports.length;
    const owner = spreadKey(p);
    u.owners.set(owner, (u.owners.get(owner) ?? 0) + 1);
  }
  for (const [n, u] of used) {
    t.true(u.cpu <= 2000 && u.memory <= 4096 * MiB, `${n} overcommitted`);
    t.true(u.ports <= 1, `${n} has host port 8080 twice`);
    t.true(Math.max(...u.owners.values()) <= 1, `${n} has two replicas of one controller`);
  }
});
