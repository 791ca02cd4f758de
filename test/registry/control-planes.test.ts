/**
 * Several control planes on one real etcd cluster: `helmsman up --store etcd` processes sharing a
 * key prefix, driven by the real kubecfg and kubectl.
 */
import avaTest from 'ava';
import { etcdFound, etcdPrefix, etcdServers } from '../etcd-helpers.js';
import { call, kubecfgAt, openWatch, seedPath, startUp, type UpProcess } from '../api-helpers.js';
import { Kubectl, kubectlFound, tableRows } from '../kubectl-helpers.js';
import { eventually } from '../helpers.js';
import { controller } from '../cluster-helpers.js';
import { EtcdStore } from '../../src/store/etcd.js';

// Serial: each test runs two or three control planes, and the take-over is timed.
const test = etcdFound ? avaTest.serial : avaTest.skip;

/** A control plane on the shared etcd under `prefix`. */
function controlPlane(prefix: string, minions: number): Promise<UpProcess> {
  return startUp(['--store', 'etcd', '--etcd-servers', etcdServers.join(','), '--etcd-prefix', prefix, '--minions', String(minions), '--runtime', 'fake', '--shards', '1']);
}

/** Two control planes A (with two minions) and B (none) on one prefix; stopped after the test. */
async function twoControlPlanes(t: { teardown(fn: () => Promise<unknown>): void }): Promise<[UpProcess, UpProcess]> {
  const prefix = etcdPrefix();
  const a = await controlPlane(prefix, 2);
  t.teardown(() => a.stop('SIGKILL'));
  const b = await controlPlane(prefix, 0);
  t.teardown(() => b.stop('SIGKILL'));
  return [a, b];
}

function pod(name: string) {
  return { kind: 'Pod', apiVersion: 'v1', metadata: { name, labels: { app: 'cp' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } };
}

test('kubecfg creates through one control plane and kubectl lists through the other', async (t) => {
  const [a, b] = await twoControlPlanes(t);
  const created = await kubecfgAt(a.url, '-c', seedPath('redis-master-pod'), 'create', '/pods');
  t.is(created.code, 0, created.stderr);
  const listed = await kubecfgAt(b.url, 'list', '/pods');
  t.regex(listed.stdout, /redis-master-pod/);
  if (kubectlFound) {
    const kubectl = new Kubectl(b.url);
    const running = await eventually(async () => {
      const r = await kubectl.run(['get', 'pods']);
      return /redis-master-pod\s+1\/1\s+Running/.test(r.stdout) && r.stdout;
    }, 'the pod Running through B', 10_000);
    t.regex(running, /redis-master-pod/);
    const nodes = tableRows((await kubectl.run(['get', 'nodes'])).stdout);
    t.deepEqual(nodes.slice(1).map((r) => r[0]), ['minion-1', 'minion-2'], 'A\'s minions, as B serves them');
  }
});

test('a read through B just after a write through A sees the write, also when the newest revision is another prefix\'s', async (t) => {
  const [a, b] = await twoControlPlanes(t);
  // Bursts, so that B's watch has much to deliver when the reads arrive.
  for (let round = 0; round < 5; round++) {
    const names = Array.from({ length: 100 }, (_, i) => `r${round}-${i}`);
    const created = await Promise.all(names.map((name) => call(a.url, 'POST', '/api/v1/namespaces/default/pods', pod(name))));
    t.deepEqual(created.map((r) => r.code), Array(100).fill(201));
    const [one, all] = await Promise.all([call(b.url, 'GET', `/api/v1/namespaces/default/pods/${names.at(-1)}`), call(b.url, 'GET', '/api/v1/namespaces/default/pods')]);
    t.is(one.code, 200, `the last create of round ${round} through B`);
    t.is(all.body.items.length, 100 * (round + 1), `the list through B after round ${round}`);
  }
  // The newest revision of the shared etcd is another prefix's: no change of B's would ever reach it.
  const other = await EtcdStore.connect({ servers: etcdServers, prefix: etcdPrefix() });
  t.teardown(() => other.close());
  await other.txn([], [{ type: 'put', key: '/registry/pods/default/elsewhere', value: '{}' }]);
  const started = Date.now();
  t.is((await call(b.url, 'GET', '/api/v1/namespaces/default/pods/r0-0')).code, 200);
  t.true(Date.now() - started < 2_000, `answered in ${Date.now() - started} ms`);
});

test('a namespace deleted through A is Terminating for B too, and its contents go wherever they were written', async (t) => {
  const [a, b] = await twoControlPlanes(t);
  t.is((await call(a.url, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } })).code, 201);
  for (let i = 0; i < 10; i++) t.is((await call(i % 2 ? a.url : b.url, 'POST', '/api/v1/namespaces/team/pods', pod(`p${i}`))).code, 201);
  t.is((await call(a.url, 'DELETE', '/api/v1/namespaces/team')).code, 200);
  const late = await call(b.url, 'POST', '/api/v1/namespaces/team/pods', pod('late'));
  t.true(late.code === 403 || late.code === 404, `B refuses new content (${late.code})`);
  await eventually(async () => (await call(b.url, 'GET', '/api/v1/namespaces/team')).code === 404, 'the namespace gone, seen through B');
  t.deepEqual((await call(b.url, 'GET', '/api/v1/namespaces/team/pods')).body.items ?? [], []);
});

test('a watch through B sees every write made through A, in order, once each', async (t) => {
  const [a, b] = await twoControlPlanes(t);
  const list = await call(b.url, 'GET', '/api/v1/namespaces/default/pods');
  const watch = await openWatch(`${b.url}/api/v1/namespaces/default/pods?watch=true&resourceVersion=${list.body.metadata.resourceVersion}`);
  t.teardown(() => watch.close());
  const acknowledged: { type: string; name: string; rv: string }[] = [];
  for (let i = 0; i < 20; i++) {
    const res = await call(a.url, 'POST', '/api/v1/namespaces/default/pods', pod(`p${i}`));
    t.is(res.code, 201);
    acknowledged.push({ type: 'ADDED', name: `p${i}`, rv: res.body.metadata.resourceVersion });
  }
  // Updates and deletes too, from both sides' writers (the minions' status writes go through A).
  for (let i = 0; i < 5; i++) {
    const res = await call(a.url, 'DELETE', `/api/v1/namespaces/default/pods/p${i}`);
    t.is(res.code, 200);
  }
  // Between a pod's ADDED and DELETED come its own changes (bound, Running): read until every
  // create and delete has arrived, then check the whole stream.
  const all: any[] = [];
  const deadline = Date.now() + 15_000;
  while (all.filter((e) => e.type === 'DELETED').length < 5 && Date.now() < deadline) all.push(...(await watch.read(1, deadline - Date.now())));
  let rv = 0;
  for (const e of all) {
    const next = Number(e.object.metadata.resourceVersion);
    t.true(next > rv, `resourceVersions strictly increase (${rv} then ${next})`);
    rv = next;
  }
  const added = all.filter((e) => e.type === 'ADDED').map((e) => ({ type: 'ADDED', name: e.object.metadata.name, rv: e.object.metadata.resourceVersion }));
  t.deepEqual(all.filter((e) => e.type === 'DELETED').map((e) => e.object.metadata.name), ['p0', 'p1', 'p2', 'p3', 'p4']);
  t.deepEqual(added, acknowledged, 'every create, once, with the resourceVersion it was acknowledged with');
});

test('concurrent updates of one object through A and B: exactly one succeeds, the other is 409 Conflict', async (t) => {
  const [a, b] = await twoControlPlanes(t);
  const rc = controller('web', 0, { app: 'web' });
  t.is((await call(a.url, 'POST', '/api/v1beta1/replicationControllers', rc)).code, 201);
  for (let round = 0; round < 5; round++) {
    const current = (await call(a.url, 'GET', '/api/v1/namespaces/default/replicationcontrollers/web')).body;
    const update = (labels: Record<string, string>) => ({ ...current, metadata: { ...current.metadata, labels } });
    const [ra, rb] = await Promise.all([
      call(a.url, 'PUT', '/api/v1/namespaces/default/replicationcontrollers/web', update({ from: 'a' })),
      call(b.url, 'PUT', '/api/v1/namespaces/default/replicationcontrollers/web', update({ from: 'b' })),
    ]);
    t.deepEqual([ra.code, rb.code].sort(), [200, 409], `round ${round}: ${ra.code} and ${rb.code}`);
    const loser = ra.code === 409 ? ra : rb;
    t.is(loser.body.reason, 'Conflict');
    const winner = ra.code === 200 ? 'a' : 'b';
    const stored = await eventually(async () => {
      const got = (await call(b.url, 'GET', '/api/v1/namespaces/default/replicationcontrollers/web')).body;
      return got.metadata.resourceVersion !== current.metadata.resourceVersion && got;
    }, 'the winner\'s write through B');
    t.is(stored.metadata.labels.from, winner);
  }
});

test('services created at the same moment through A and B get distinct cluster IPs', async (t) => {
  const [a, b] = await twoControlPlanes(t);
  const service = (name: string) => ({ kind: 'Service', apiVersion: 'v1', metadata: { name }, spec: { selector: { app: name }, ports: [{ port: 80 }] } });
  const created = await Promise.all(
    Array.from({ length: 20 }, (_, i) => call(i % 2 ? a.url : b.url, 'POST', '/api/v1/namespaces/default/services', service(`s${i}`))),
  );
  t.deepEqual(created.map((r) => r.code), Array(20).fill(201));
  const ips = created.map((r) => r.body.spec.clusterIP as string);
  t.is(new Set(ips).size, 20, `distinct: ${ips.join(' ')}`);
  // Deleted through one, an address is free again for the other.
  t.is((await call(a.url, 'DELETE', '/api/v1/namespaces/default/services/s0')).code, 200);
  const again = await call(b.url, 'POST', '/api/v1/namespaces/default/services', { ...service('again'), spec: { ...service('again').spec, clusterIP: ips[0] } });
  t.is(again.code, 201, JSON.stringify(again.body));
  const taken = await call(a.url, 'POST', '/api/v1/namespaces/default/services', { ...service('taken'), spec: { ...service('taken').spec, clusterIP: ips[1] } });
  t.is(taken.code, 422);
  t.regex(taken.body.message, /provided IP is already allocated/);
});

test('kill -9 of the leading control plane: the standby takes over within 20 s, replaces a deleted pod, and loses nothing acknowledged', async (t) => {
  const prefix = etcdPrefix();
  // The first one up leads; the standby has the minions, so they outlive the leader.
  const leader = await controlPlane(prefix, 0);
  t.teardown(() => leader.stop('SIGKILL'));
  await eventually(() => /became leader/.test(leader.output()), 'the first control plane leads');
  const standby = await controlPlane(prefix, 2);
  t.teardown(() => standby.stop('SIGKILL'));
  t.is((await call(standby.url, 'POST', '/api/v1beta1/replicationControllers', controller('web', 2, { app: 'web' }))).code, 201);
  const runningPods = async () => {
    const pods = (await call(standby.url, 'GET', '/api/v1/namespaces/default/pods?labelSelector=app%3Dweb')).body.items as any[];
    return pods.filter((p) => p.status.phase === 'Running' && !p.metadata.deletionTimestamp);
  };
  const before = await eventually(async () => {
    const pods = await runningPods();
    return pods.length === 2 && pods;
  }, 'two replicas Running (scheduled by the leader)', 15_000);
  const acknowledged: string[] = [];
  await Promise.all(
    Array.from({ length: 50 }, async (_, i) => {
      const res = await call(leader.url, 'POST', '/api/v1/namespaces/default/pods', pod(`ack-${i}`));
      if (res.code === 201) acknowledged.push(`ack-${i}`);
    }),
  );
  t.is(acknowledged.length, 50);
  t.false(/became leader/.test(standby.output()), 'the standby waits while the leader renews');

  const killedAt = Date.now();
  await leader.stop('SIGKILL');
  t.is((await call(standby.url, 'DELETE', `/api/v1/namespaces/default/pods/${before[0].metadata.name}`)).code, 200);
  await eventually(() => /became leader/.test(standby.output()), 'the standby leads', 25_000);
  const tookOver = Date.now() - killedAt;
  t.true(tookOver <= 20_000, `took over in ${tookOver} ms`);
  t.log(`the standby took over ${tookOver} ms after the leader was killed`);
  const after = await eventually(async () => {
    const pods = await runningPods();
    return pods.length === 2 && !pods.some((p) => p.metadata.name === before[0].metadata.name) && pods;
  }, 'the deleted replica replaced', 10_000);
  t.is(after.length, 2);
  const names = ((await call(standby.url, 'GET', '/api/v1/namespaces/default/pods')).body.items as any[]).map((p) => p.metadata.name);
  for (const name of acknowledged) t.true(names.includes(name), `${name}, acknowledged by the killed leader, is there`);
});
