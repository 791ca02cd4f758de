import test, { type ExecutionContext } from 'ava';
import { readFileSync } from 'node:fs';
import { Cluster, type ClusterOptions } from '../../src/cluster/cluster.js';
import { controller, pod, running } from '../cluster-helpers.js';
import type { Pod } from '../../src/api/model.js';
import { StatusError } from '../../src/api/status.js';

const seed = (file: string) => JSON.parse(readFileSync(new URL(`../../../test/fixtures/seed/${file}`, import.meta.url), 'utf8')) as Record<string, unknown>;

async function startCluster(t: ExecutionContext, options: ClusterOptions = {}): Promise<Cluster> {
  const cluster = await Cluster.start({ minions: 3, shards: 2, ...options });
  t.teardown(() => cluster.stop());
  return cluster;
}

/**
 * Read, change, write — again on a Conflict, as client-go's RetryOnConflict: the controller writes
 * its status (replicas, readyReplicas) whenever its pods change, so a read can be stale by the write.
 */
async function resize(cluster: Cluster, name: string, replicas: number): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const rc = await cluster.client.get('replicationcontrollers', name);
    rc.spec.replicas = replicas;
    try {
      return void (await cluster.client.update('replicationcontrollers', rc));
    } catch (err) {
      if (!(err instanceof StatusError && err.info.code === 409) || attempt === 5) throw err;
    }
  }
}

test('the seed walkthrough: the redis master runs, the slave controller yields 2 pods, the service finds both', async (t) => {
  const cluster = await startCluster(t);
  await cluster.client.create('pods', seed('redis-master-pod.json'));
  const [master] = await cluster.client.waitFor('pods', { labels: 'name=redis' }, running(1));
  t.regex(master!.spec.host, /^minion-\d$/);
  t.is(master!.status.containers['redis-master']?.restartCount, 0);
  t.truthy(master!.status.podIP);

  await cluster.client.create('replicationcontrollers', seed('redis-slave-controller.json'));
  const slaves = await cluster.client.waitFor('pods', { labels: 'name=redisslave' }, running(2));
  // hostPort 6380: the two slaves cannot share a minion.
  t.not(slaves[0]!.spec.host, slaves[1]!.spec.host);
  await cluster.client.waitFor('replicationcontrollers', {}, (rcs) => rcs[0]?.status.replicas === 2);

  await cluster.client.create('services', { id: 'redisslave', kind: 'Service', apiVersion: 'v1beta1', port: 10001, containerPort: 6379, selector: { name: 'redisslave' } });
  const [endpoints] = await cluster.client.waitFor('endpoints', {}, (eps) => eps[0]?.endpoints.length === 2);
  t.deepEqual(endpoints!.endpoints.map((e) => e.ip).sort(), slaves.map((p) => p.status.podIP!).sort());
  t.true(endpoints!.endpoints.every((e) => e.port === 6379));
  // The service proxy picks the endpoints in turn.
  const picks = [await cluster.route('redisslave'), await cluster.route('redisslave'), await cluster.route('redisslave')];
  t.is(picks[0]!.port, 10001);
  t.not(picks[0]!.endpoint!.ip, picks[1]!.endpoint!.ip);
  t.deepEqual(picks[2]!.endpoint, picks[0]!.endpoint);
});

test('a replication controller replaces a deleted pod and follows resizes 2 → 5 → 1', async (t) => {
  const cluster = await startCluster(t);
  await cluster.client.create('replicationcontrollers', controller('web', 2, { app: 'web' }));
  const first = await cluster.client.waitFor('pods', { labels: 'app=web' }, running(2));
  await cluster.client.delete('pods', first[0]!.metadata.name);
  const after = await cluster.client.waitFor('pods', { labels: 'app=web' }, running(2));
  t.false(after.some((p) => p.metadata.name === first[0]!.metadata.name));
  t.true(after.some((p) => p.metadata.name === first[1]!.metadata.name));
  t.true(after.every((p) => p.metadata.ownerReferences?.[0]?.name === 'web'));

  await resize(cluster, 'web', 5);
  const five = await cluster.client.waitFor('pods', { labels: 'app=web' }, running(5));
  // Replicas of one controller spread over the minions.
  const perMinion = new Map<string, number>();
  for (const p of five) perMinion.set(p.spec.host, (perMinion.get(p.spec.host) ?? 0) + 1);
  t.deepEqual([...perMinion.values()].sort(), [1, 2, 2]);
  await resize(cluster, 'web', 1);
  await cluster.client.waitFor('pods', { labels: 'app=web' }, running(1));
  await cluster.client.waitFor('replicationcontrollers', {}, (rcs) => rcs[0]?.status.replicas === 1);
});

test('a crash-looping pod waits 10 s, 20 s, 40 s between restarts on the virtual clock, and its restartCount climbs', async (t) => {
  const cluster = await startCluster(t, { clock: 'virtual', minions: 1 });
  await cluster.client.create('pods', pod('crasher', { annotations: { 'fake.helmsman.io/crash': 'true', 'fake.helmsman.io/run-ms': '1000' } }));
  const state = (p: Pod) => p.status.containers.main;
  await cluster.client.waitFor('pods', {}, ([p]) => state(p!)?.state.running !== undefined);
  for (const [restarts, backoff] of [[0, 10], [1, 20], [2, 40], [3, 80]] as const) {
    await cluster.advance(1000); // the run ends with code 1
    const [waiting] = await cluster.client.waitFor('pods', {}, ([p]) => state(p!)?.state.waiting?.reason === 'CrashLoopBackOff');
    t.is(state(waiting!)!.restartCount, restarts);
    t.is(waiting!.status.message, `back-off ${backoff}s restarting failed container=main pod=crasher`);
    t.is(waiting!.status.phase, 'Running');
    await cluster.advance(backoff * 1000 - 1);
    t.truthy(state((await cluster.client.get('pods', 'crasher')))!.state.waiting, 'still backing off a millisecond before');
    await cluster.advance(1);
    await cluster.client.waitFor('pods', {}, ([p]) => state(p!)?.restartCount === restarts + 1 && state(p!)?.state.running !== undefined);
  }
});

test('restartPolicy never keeps a failed container down; onFailure restarts failures only', async (t) => {
  const cluster = await startCluster(t, { clock: 'virtual', minions: 1, backoff: { initialMs: 0 } });
  const exiting = (code: number) => ({ 'fake.helmsman.io/run-ms': '100', 'fake.helmsman.io/exit-code': String(code) });
  await cluster.client.create('pods', pod('never', { annotations: exiting(3), restartPolicy: { never: {} } }));
  await cluster.client.create('pods', pod('onfailure-ok', { annotations: exiting(0), restartPolicy: { onFailure: {} } }));
  await cluster.client.create('pods', pod('onfailure-bad', { annotations: exiting(3), restartPolicy: { onFailure: {} } }));
  await cluster.client.create('pods', pod('always-ok', { annotations: exiting(0) }));
  await cluster.client.waitFor('pods', {}, running(4));
  await cluster.advance(100);
  const pods = await cluster.client.waitFor('pods', {}, (ps) => {
    const by = new Map(ps.map((p) => [p.metadata.name, p]));
    return by.get('never')?.status.phase === 'Failed' && by.get('onfailure-ok')?.status.phase === 'Succeeded' && (by.get('onfailure-bad')?.status.containers.main?.restartCount ?? 0) >= 1 && (by.get('always-ok')?.status.containers.main?.restartCount ?? 0) >= 1;
  });
  const by = new Map(pods.map((p) => [p.metadata.name, p]));
  t.is(by.get('never')!.status.containers.main!.state.termination?.exitCode, 3);
  t.is(by.get('never')!.status.containers.main!.restartCount, 0);
  t.is(by.get('onfailure-ok')!.status.containers.main!.restartCount, 0);
  t.is(by.get('onfailure-bad')!.status.phase, 'Running');
});

test('a pod actor that throws is restarted and adopts its running container instead of starting another', async (t) => {
  const cluster = await startCluster(t, { minions: 1 });
  await cluster.client.create('pods', pod('steady'));
  const [before] = await cluster.client.waitFor('pods', {}, running(1));
  const id = before!.status.containers.main!.containerID;
  t.regex(id!, /^fake:\/\/fake-\d+$/);
  await cluster.failPodActor('steady');
  // The restarted actor reports afresh (a new write) with the same container.
  const [after] = await cluster.client.waitFor('pods', {}, ([p]) => p!.metadata.resourceVersion > before!.metadata.resourceVersion);
  t.is(after!.status.phase, 'Running');
  t.is(after!.status.containers.main!.containerID, id);
  t.is(after!.status.containers.main!.restartCount, 0);
  t.is(after!.status.containers.main!.state.running?.startedAt, before!.status.containers.main!.state.running?.startedAt);
});

test('a crashed container is restarted and its restartCount increases', async (t) => {
  const cluster = await startCluster(t, { minions: 1, backoff: { initialMs: 0 } });
  await cluster.client.create('pods', pod('victim'));
  const [before] = await cluster.client.waitFor('pods', {}, running(1));
  await cluster.crashPod('victim');
  // Running again: between the exit and the new start the pod is Running with restartCount 1 too, its container waiting.
  const [after] = await cluster.client.waitFor('pods', {}, ([p]) => p!.status.containers.main?.restartCount === 1 && p!.status.containers.main.state.running !== undefined);
  t.not(after!.status.containers.main!.containerID, before!.status.containers.main!.containerID);
});

test('a killed minion goes NotReady and its pods run again elsewhere; restored, it is Ready again', async (t) => {
  const cluster = await startCluster(t, { heartbeatMs: 100, nodeGracePeriodMs: 600, nodeMonitorPeriodMs: 100 });
  await cluster.client.create('replicationcontrollers', controller('spread', 6, { app: 'spread' }));
  const before = await cluster.client.waitFor('pods', { labels: 'app=spread' }, running(6));
  const victim = before[0]!.spec.host;
  await cluster.killMinion(victim);
  await cluster.client.waitFor('nodes', {}, (nodes) => nodes.find((n) => n.metadata.name === victim)?.status.conditions[0]?.status === 'Unknown');
  const after = await cluster.client.waitFor('pods', { labels: 'app=spread' }, (ps) => running(6)(ps) && ps.every((p) => p.spec.host !== victim));
  t.is(after.length, 6);
  cluster.restoreMinion(victim);
  await cluster.client.waitFor('nodes', {}, (nodes) => nodes.find((n) => n.metadata.name === victim)?.status.conditions[0]?.status === 'True');
  t.pass();
});

test('a crashed shard is respawned and the cluster converges back to the desired state', async (t) => {
  const cluster = await startCluster(t, { minions: 4 });
  await cluster.client.create('replicationcontrollers', controller('sturdy', 8, { app: 'sturdy' }));
  await cluster.client.waitFor('pods', { labels: 'app=sturdy' }, running(8));
  // minion-2 lives on shard 1 (with the controllers); the registry is on shard 0.
  cluster.crashShardOf('minion-2');
  await cluster.client.waitFor('pods', { labels: 'app=sturdy' }, (ps) => running(8)(ps) && ps.every((p) => p.status.containers.main?.restartCount === 0));
  // The controllers came back too: a deleted pod is replaced.
  const pods = await cluster.client.list('pods', { labels: 'app=sturdy' });
  await cluster.client.delete('pods', pods[0]!.metadata.name);
  const after = await cluster.client.waitFor('pods', { labels: 'app=sturdy' }, (ps) => running(8)(ps) && !ps.some((p) => p.metadata.name === pods[0]!.metadata.name));
  t.is(after.length, 8);
});

test('a pod whose hostPort is taken on every minion stays Pending with the scheduler\'s message, and runs once room appears', async (t) => {
  const cluster = await startCluster(t, { minions: 2 });
  await cluster.client.create('pods', pod('a', { hostPort: 8080 }));
  await cluster.client.create('pods', pod('b', { hostPort: 8080 }));
  await cluster.client.waitFor('pods', {}, (ps) => ps.filter((p) => p.status.phase === 'Running').length === 2);
  await cluster.client.create('pods', pod('c', { hostPort: 8080 }));
  const [c] = await cluster.client.waitFor('pods', { fields: 'metadata.name=c' }, ([p]) => p?.status.message !== undefined);
  t.is(c!.status.phase, 'Pending');
  t.is(c!.spec.host, '');
  t.is(c!.status.message, "0/2 nodes are available: 2 node(s) didn't have free ports for the requested pod ports.");
  await cluster.client.delete('pods', 'a');
  await cluster.client.waitFor('pods', { fields: 'metadata.name=c' }, running(1));
  t.pass();
});

test('the typed client answers errors as Status: a missing pod is a 404, a duplicate a 409, an invalid one a 422', async (t) => {
  const cluster = await startCluster(t, { minions: 0 });
  const missing = await t.throwsAsync(cluster.client.get('pods', 'nope'), { instanceOf: StatusError });
  t.is(missing.info.code, 404);
  await cluster.client.create('pods', pod('twice'));
  const dup = await t.throwsAsync(cluster.client.create('pods', pod('twice')), { instanceOf: StatusError });
  t.is(dup.info.reason, 'AlreadyExists');
  const bad = pod('bad');
  bad.desiredState.manifest.containers[0]!.image = '';
  const invalid = await t.throwsAsync(cluster.client.create('pods', bad), { instanceOf: StatusError });
  t.is(invalid.info.code, 422);
  t.regex(invalid.message, /image: Required value/);
});

test('when most minions fall silent together, they go NotReady but their pods are not evicted', async (t) => {
  // On the virtual clock, so that the four fall silent at the same instant whatever the load.
  const cluster = await startCluster(t, { minions: 5, clock: 'virtual', heartbeatMs: 1000, nodeGracePeriodMs: 3000, nodeMonitorPeriodMs: 500 });
  await cluster.client.create('replicationcontrollers', controller('calm', 10, { app: 'calm' }));
  const before = await cluster.client.waitFor('pods', { labels: 'app=calm' }, running(10));
  await Promise.all(['minion-1', 'minion-2', 'minion-3', 'minion-4'].map((name) => cluster.killMinion(name)));
  for (let i = 0; i < 10; i++) await cluster.advance(500);
  await cluster.client.waitFor('nodes', {}, (nodes) => nodes.filter((n) => n.status.conditions[0]?.status === 'Unknown').length === 4);
  for (let i = 0; i < 4; i++) await cluster.advance(500);
  const after = await cluster.client.list('pods', { labels: 'app=calm' });
  t.deepEqual(after.map((p) => p.metadata.name).sort(), before.map((p) => p.metadata.name).sort());
});

test('evictions are rate-limited: of two minions lost together, the second is evicted a token later', async (t) => {
  const cluster = await startCluster(t, { minions: 5, clock: 'virtual', heartbeatMs: 1000, nodeGracePeriodMs: 3000, nodeMonitorPeriodMs: 500, evictionsPerSec: 0.25 });
  await cluster.client.create('replicationcontrollers', controller('paced', 10, { app: 'paced' }));
  await cluster.client.waitFor('pods', { labels: 'app=paced' }, running(10));
  await cluster.advance(4000); // the bucket fills while all is well
  await cluster.killMinion('minion-1');
  await cluster.killMinion('minion-2');
  const on = async (host: string) => (await cluster.client.list('pods', { labels: 'app=paced' })).filter((p) => p.spec.host === host).length;
  t.true((await on('minion-1')) > 0 && (await on('minion-2')) > 0);
  for (let i = 0; i < 8; i++) await cluster.advance(500); // past the grace period: both NotReady, one evicted
  await cluster.client.waitFor('pods', { labels: 'app=paced' }, (ps) => ps.filter((p) => p.spec.host === 'minion-1' || p.spec.host === 'minion-2').length < 4);
  const first = (await on('minion-1')) === 0 ? 'minion-1' : 'minion-2';
  const second = first === 'minion-1' ? 'minion-2' : 'minion-1';
  t.true((await on(second)) > 0, 'the second waits for a token');
  for (let i = 0; i < 8; i++) await cluster.advance(500);
  await cluster.client.waitFor('pods', { labels: 'app=paced' }, (ps) => running(10)(ps) && ps.every((p) => p.spec.host !== second && p.spec.host !== first));
  t.pass();
});
