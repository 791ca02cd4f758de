import test, { type ExecutionContext } from 'ava';
import { Cluster, type ClusterOptions } from '../../src/cluster/cluster.js';
import { controller, pod as podOf, running } from '../cluster-helpers.js';
import { COMBINED_PREFIX, EventRecorder } from '../../src/cluster/events.js';
import { timestamp, type Event, type ObjectReference, type Pod } from '../../src/api/model.js';
import type { RegistryRequest } from '../../src/registry/protocol.js';
import type { ActorRef, Clock } from '../../src/kernel/index.js';
import { call } from '../api-helpers.js';

/** A v1beta1 pod with one container `web` (the fake runtime runs it). */
const pod = (id: string, extra: Parameters<typeof podOf>[1] = {}) => podOf(id, { container: 'web', ...extra });

async function startCluster(t: ExecutionContext, options: ClusterOptions = {}): Promise<Cluster> {
  const cluster = await Cluster.start({ minions: 1, shards: 2, clock: 'virtual', kubeletEvents: true, ...options });
  t.teardown(() => cluster.stop());
  return cluster;
}

/** Events in the order they were written (each of these was written once). */
const byRevision = (events: Event[]) => [...events].sort((a, b) => a.metadata.resourceVersion - b.metadata.resourceVersion);

/** The events about `name` that a field selector picks, once `condition` holds. */
function eventsAbout(cluster: Cluster, name: string, more: string, condition: (events: Event[]) => boolean): Promise<Event[]> {
  return cluster.client.waitFor('events', { fields: `involvedObject.name=${name}${more ? `,${more}` : ''}` }, condition);
}

// ---- in a cluster ------------------------------------------------------------------------------

test('a pod that runs has the events Scheduled, Pulled, Created and Started, in that order, each from its source and about the pod', async (t) => {
  const cluster = await startCluster(t);
  await cluster.client.create('pods', pod('web1'));
  const [pod1] = await cluster.client.waitFor('pods', {}, running(1));
  const { uid } = pod1!.metadata;
  // What kubectl describe asks for.
  const selector = `involvedObject.namespace=default,involvedObject.kind=Pod,involvedObject.uid=${uid}`;
  const events = byRevision(await eventsAbout(cluster, 'web1', selector, (es) => es.length >= 4));
  t.deepEqual(events.map((e) => [e.reason, e.message]), [
    ['Scheduled', 'Successfully assigned default/web1 to minion-1'],
    ['Pulled', 'Container image "busybox" already present on machine'],
    ['Created', 'Created container web'],
    ['Started', 'Started container web'],
  ]);
  const [scheduled, ...kubelet] = events;
  t.deepEqual(scheduled!.source, { component: 'default-scheduler' });
  t.like(scheduled!.involvedObject, { kind: 'Pod', name: 'web1', namespace: 'default', uid, apiVersion: 'v1' });
  t.is(scheduled!.involvedObject.fieldPath, undefined);
  for (const e of kubelet) {
    t.deepEqual(e.source, { component: 'kubelet', host: 'minion-1' });
    t.like(e.involvedObject, { kind: 'Pod', name: 'web1', namespace: 'default', uid, apiVersion: 'v1', fieldPath: 'spec.containers{web}' });
  }
  const now = timestamp(cluster.clock!.now());
  for (const e of events) {
    t.regex(e.metadata.name, /^web1\.[0-9a-f]{16}$/);
    t.is(e.metadata.namespace, 'default');
    t.is(typeof e.involvedObject.resourceVersion, 'string');
    t.like(e, { type: 'Normal', count: 1, firstTimestamp: now, lastTimestamp: now });
  }
});

test('a crash-looping container gives BackOff warnings that are one event whose count climbs, and each restart counts Started again', async (t) => {
  const cluster = await startCluster(t);
  await cluster.client.create('pods', pod('crasher', { annotations: { 'fake.helmsman.io/crash': 'true', 'fake.helmsman.io/run-ms': '1000' } }));
  const state = (p: Pod | undefined) => p?.status.containers.web?.state;
  const [first] = await cluster.client.waitFor('pods', {}, ([p]) => state(p)?.running !== undefined);
  for (const [restarts, backoff] of [[0, 10], [1, 20], [2, 40]] as const) {
    await cluster.advance(1000); // the run ends with code 1
    await cluster.client.waitFor('pods', {}, ([p]) => state(p)?.waiting?.reason === 'CrashLoopBackOff');
    await cluster.advance(backoff * 1000);
    await cluster.client.waitFor('pods', {}, ([p]) => p!.status.containers.web?.restartCount === restarts + 1 && state(p)?.running !== undefined);
  }
  const backOffs = await eventsAbout(cluster, 'crasher', 'reason=BackOff', ([e]) => e?.count === 3);
  t.is(backOffs.length, 1);
  const [backOff] = backOffs;
  t.like(backOff, { type: 'Warning', message: `Back-off restarting failed container web in pod crasher_default(${first!.metadata.uid})`, source: { component: 'kubelet', host: 'minion-1' } });
  t.is(backOff!.involvedObject.fieldPath, 'spec.containers{web}');
  t.true(Date.parse(backOff!.lastTimestamp) > Date.parse(backOff!.firstTimestamp));
  const started = await eventsAbout(cluster, 'crasher', 'reason=Started', ([e]) => e?.count === 4);
  t.is(started.length, 1);
});

test('a container whose image cannot be pulled gets the kubelet\'s two Failed warnings', async (t) => {
  const cluster = await startCluster(t);
  await cluster.client.create('pods', pod('nopull', { annotations: { 'fake.helmsman.io/image-missing': 'true' } }));
  const failed = await eventsAbout(cluster, 'nopull', 'reason=Failed', (es) => es.length === 2);
  t.deepEqual(byRevision(failed).map((e) => [e.type, e.message]), [
    ['Warning', 'Failed to pull image "busybox": image "busybox" not found'],
    ['Warning', 'Error: ErrImagePull'],
  ]);
  t.true(failed.every((e) => e.involvedObject.fieldPath === 'spec.containers{web}'));
});

test('a pod that fits nowhere gets a FailedScheduling warning with the scheduler\'s message, repeated (counted) every 5 minutes, not at every retry', async (t) => {
  const cluster = await startCluster(t);
  await cluster.client.create('pods', pod('a', { hostPort: 8080 }));
  await cluster.client.waitFor('pods', {}, running(1));
  await cluster.client.create('pods', pod('b', { hostPort: 8080 }));
  const [failed] = await eventsAbout(cluster, 'b', 'reason=FailedScheduling', (es) => es.length === 1);
  t.like(failed, {
    type: 'Warning',
    message: "0/1 nodes are available: 1 node(s) didn't have free ports for the requested pod ports.",
    source: { component: 'default-scheduler' },
    involvedObject: { kind: 'Pod', name: 'b', namespace: 'default' },
  });
  t.is((await cluster.client.list('events', { fields: 'involvedObject.name=b,reason=Scheduled' })).length, 0);
  // Every heartbeat changes the minion, and the scheduler tries the pod again.
  await cluster.advance(60_000);
  t.like(await cluster.client.list('events', { fields: 'involvedObject.name=b,reason=FailedScheduling' }), [{ count: 1 }]);
  await cluster.advance(250_000);
  const [again] = await eventsAbout(cluster, 'b', 'reason=FailedScheduling', ([e]) => e?.count === 2);
  t.is(again!.metadata.name, failed!.metadata.name);
});

test('a replication controller records SuccessfulCreate for each pod it creates and SuccessfulDelete for each it deletes', async (t) => {
  const cluster = await startCluster(t, { minions: 2 });
  await cluster.client.create('replicationcontrollers', controller('web', 2, { app: 'web' }, 'web'));
  const pods = await cluster.client.waitFor('pods', { labels: 'app=web' }, running(2));
  // Once its status counts both pods ready, the controller writes it no more: the update below cannot conflict.
  const [rc] = await cluster.client.waitFor('replicationcontrollers', { fields: 'metadata.name=web' }, ([c]) => c?.status.readyReplicas === 2);
  const created = await eventsAbout(cluster, 'web', 'involvedObject.kind=ReplicationController,reason=SuccessfulCreate', (es) => es.length === 2);
  t.deepEqual(created.map((e) => e.message).sort(), pods.map((p) => `Created pod: ${p.metadata.name}`).sort());
  for (const e of created) {
    t.like(e, { type: 'Normal', count: 1, source: { component: 'replication-controller' } });
    t.like(e.involvedObject, { kind: 'ReplicationController', name: 'web', namespace: 'default', uid: rc!.metadata.uid, apiVersion: 'v1' });
  }
  rc!.spec.replicas = 1;
  await cluster.client.update('replicationcontrollers', rc!);
  const [left] = await cluster.client.waitFor('pods', { labels: 'app=web' }, running(1));
  const [deleted] = await eventsAbout(cluster, 'web', 'involvedObject.kind=ReplicationController,reason=SuccessfulDelete', (es) => es.length === 1);
  const gone = pods.find((p) => p.metadata.name !== left!.metadata.name)!;
  t.is(deleted!.message, `Deleted pod: ${gone.metadata.name}`);
});

test('a minion\'s node has the kubelet\'s Starting and NodeReady and the node controller\'s RegisteredNode; a silent one NodeNotReady, and its pods are evicted with events', async (t) => {
  const cluster = await startCluster(t, { minions: 3, heartbeatMs: 1000, nodeGracePeriodMs: 3000, nodeMonitorPeriodMs: 500 });
  const node = await cluster.client.get('nodes', 'minion-1');
  const startup = await eventsAbout(cluster, 'minion-1', 'involvedObject.kind=Node', (es) => es.length === 3);
  const by = new Map(startup.map((e) => [e.reason, e]));
  t.like(by.get('Starting'), { message: 'Starting kubelet.', source: { component: 'kubelet', host: 'minion-1' }, involvedObject: { kind: 'Node', name: 'minion-1', uid: 'minion-1' } });
  t.like(by.get('NodeReady'), { message: 'Node minion-1 status is now: NodeReady', source: { component: 'kubelet', host: 'minion-1' } });
  t.like(by.get('RegisteredNode'), {
    message: 'Node minion-1 event: Registered Node minion-1 in Controller',
    source: { component: 'node-controller' },
    involvedObject: { kind: 'Node', name: 'minion-1', uid: node.metadata.uid },
  });
  // A node's events live in the default namespace.
  t.true(startup.every((e) => e.metadata.namespace === 'default'));

  await cluster.client.create('replicationcontrollers', controller('spread', 3, { app: 'spread' }, 'web'));
  const pods = await cluster.client.waitFor('pods', { labels: 'app=spread' }, running(3));
  const victim = pods.find((p) => p.spec.host === 'minion-1')!;
  await cluster.killMinion('minion-1');
  for (let i = 0; i < 10; i++) await cluster.advance(500);
  const silent = await eventsAbout(cluster, 'minion-1', 'involvedObject.kind=Node,source=node-controller', (es) => es.length === 3);
  const said = new Map(silent.map((e) => [e.reason, e.message]));
  t.is(said.get('NodeNotReady'), 'Node minion-1 status is now: NodeNotReady');
  t.is(said.get('DeletingAllPods'), 'Node minion-1 event: Deleting all Pods from Node minion-1.');
  const [eviction] = await eventsAbout(cluster, victim.metadata.name, 'reason=NodeControllerEviction', (es) => es.length === 1);
  t.is(eviction!.message, `Marking for deletion Pod ${victim.metadata.name} from Node minion-1`);
});

test('events expire an hour (the default TTL) after their last write, on the virtual clock', async (t) => {
  const cluster = await startCluster(t);
  await cluster.client.create('pods', pod('early'));
  await eventsAbout(cluster, 'early', '', (es) => es.length === 4);
  await cluster.advance(40 * 60_000);
  await cluster.client.create('pods', pod('late'));
  await eventsAbout(cluster, 'late', '', (es) => es.length === 4);
  await cluster.advance(19 * 60_000);
  t.is((await cluster.client.list('events', { fields: 'involvedObject.name=early' })).length, 4, 'still there a minute before the hour');
  await cluster.advance(2 * 60_000 + 1000);
  await eventsAbout(cluster, 'early', '', (es) => es.length === 0);
  t.is((await cluster.client.list('events', { fields: 'involvedObject.name=late' })).length, 4, 'younger events stay');
  await cluster.advance(40 * 60_000);
  await eventsAbout(cluster, 'late', '', (es) => es.length === 0);
});

test('eventTtlMs takes a positive number of milliseconds', async (t) => {
  await t.throwsAsync(Cluster.start({ minions: 0, eventTtlMs: 0 }), { instanceOf: RangeError, message: /eventTtlMs must be a positive number/ });
});

test('beyond maxEvents the events written longest ago are deleted first, and an event written again goes to the back of the line', async (t) => {
  const cluster = await startCluster(t, { kubeletEvents: false, maxEvents: 3 });
  const scheduled = (name: string) => eventsAbout(cluster, name, 'reason=Scheduled', (es) => es.length === 1);
  const about = (es: Event[]) => es.map((e) => `${e.involvedObject.name}/${e.reason}`).sort();
  const kept = async (expected: string[]) => about(await cluster.client.waitFor('events', {}, (es) => about(es).join() === expected.join()).catch(() => cluster.client.list('events')));
  for (const name of ['a', 'b', 'c']) {
    await cluster.client.create('pods', pod(name));
    await scheduled(name);
  }
  // The node's events (Starting, NodeReady, RegisteredNode) were the oldest.
  t.deepEqual(await kept(['a/Scheduled', 'b/Scheduled', 'c/Scheduled']), ['a/Scheduled', 'b/Scheduled', 'c/Scheduled']);
  const [a] = await scheduled('a');
  await cluster.client.update('events', { ...a!, count: 2 });
  await cluster.client.create('pods', pod('d'));
  t.deepEqual(await kept(['a/Scheduled', 'c/Scheduled', 'd/Scheduled']), ['a/Scheduled', 'c/Scheduled', 'd/Scheduled']);
});

test('an update of an event that is gone (expired, or deleted to keep within maxEvents) creates it again with its count, as client-go\'s recorder does', async (t) => {
  const cluster = await startCluster(t);
  const sink = { clock: cluster.clock!, send: (ref: ActorRef, msg: RegistryRequest) => cluster.system.send(ref, msg) };
  const rec = new EventRecorder(sink, { registry: cluster.registry, eventsRegistry: cluster.eventsRegistry }, { component: 'kubelet', host: 'minion-1' });
  rec.event(podRef('x'), 'Warning', 'BackOff', 'Back-off restarting failed container web');
  const [first] = await eventsAbout(cluster, 'x', '', (es) => es.length === 1);
  await cluster.client.delete('events', first!.metadata.name);
  await cluster.advance(60_000);
  rec.event(podRef('x'), 'Warning', 'BackOff', 'Back-off restarting failed container web');
  const [again] = await eventsAbout(cluster, 'x', '', (es) => es.length === 1);
  t.like(again, { metadata: { name: first!.metadata.name }, count: 2, firstTimestamp: first!.firstTimestamp, lastTimestamp: timestamp(cluster.clock!.now()) });
  t.not(again!.metadata.uid, first!.metadata.uid);
});

test('repeats recorded faster than the registry writes are all counted: an update sent while the event\'s create is under way waits for it', async (t) => {
  const cluster = await startCluster(t);
  const sink = { clock: cluster.clock!, send: (ref: ActorRef, msg: RegistryRequest) => cluster.system.send(ref, msg) };
  const rec = new EventRecorder(sink, { registry: cluster.registry, eventsRegistry: cluster.eventsRegistry }, { component: 'kubelet', host: 'minion-1' });
  // One create and four updates, sent together (each flushed: not one write): none of them waits for an answer.
  for (let i = 0; i < 5; i++) {
    rec.event(podRef('y'), 'Warning', 'BackOff', 'Back-off restarting failed container web');
    rec.flush();
  }
  const [event] = await eventsAbout(cluster, 'y', '', (es) => es[0]?.count === 5);
  t.is(event!.count, 5);
});

test('maxEvents takes a positive integer', async (t) => {
  await t.throwsAsync(Cluster.start({ minions: 0, maxEvents: 0 }), { instanceOf: RangeError, message: /maxEvents must be a positive integer/ });
  await t.throwsAsync(Cluster.start({ minions: 0, maxEvents: 2.5 }), { instanceOf: RangeError, message: /maxEvents must be a positive integer/ });
});

// ---- the recorder on its own ---------------------------------------------------------------------

/**
 * A recorder writing into an array, on a clock that moves when the test says. `rec` flushes after
 * every event (each occurrence is then a write of its own, as client-go makes it); `raw` waits
 * for the end of the synchronous work, as in an actor.
 */
function recorder() {
  const clock = { t: Date.UTC(2024, 0, 1), now() { return this.t; } } as Clock & { t: number };
  const sent: Extract<RegistryRequest, { op: 'create' | 'update' }>[] = [];
  const sink = { clock, send: (_ref: unknown, msg: RegistryRequest) => void sent.push(msg as (typeof sent)[number]) };
  const raw = new EventRecorder(sink, { registry: { id: 1, slot: 0 } }, { component: 'kubelet', host: 'minion-1' });
  const rec = {
    event(...args: Parameters<EventRecorder['event']>) {
      raw.event(...args);
      raw.flush();
    },
  };
  return { clock, sent, rec, raw, objects: () => sent.map((m) => m.object as Event) };
}

const podRef = (name: string): ObjectReference => ({ kind: 'Pod', name, namespace: 'default', uid: `uid-${name}`, apiVersion: 'v1' });

test('the same event again within ten minutes updates the first one (same name, count + 1, later lastTimestamp); later it is a new event', (t) => {
  const { clock, sent, rec, objects } = recorder();
  rec.event(podRef('x'), 'Warning', 'BackOff', 'Back-off restarting failed container web');
  clock.t += 60_000;
  rec.event(podRef('x'), 'Warning', 'BackOff', 'Back-off restarting failed container web');
  t.deepEqual(sent.map((m) => m.op), ['create', 'update']);
  const [first, second] = objects();
  t.is(second!.metadata.name, first!.metadata.name);
  t.like(second, { count: 2, firstTimestamp: first!.firstTimestamp, lastTimestamp: timestamp(clock.t) });
  // A different message is a different event.
  rec.event(podRef('x'), 'Warning', 'BackOff', 'Back-off restarting failed container db');
  t.is(sent[2]!.op, 'create');
  clock.t += 600_001;
  rec.event(podRef('x'), 'Warning', 'BackOff', 'Back-off restarting failed container web');
  t.is(sent[3]!.op, 'create');
  t.not(objects()[3]!.metadata.name, first!.metadata.name);
  t.is(objects()[3]!.count, 1);
});

test('the spam filter lets 25 events about one object through, drops the rest, and lets one more through after 5 minutes', (t) => {
  const { clock, sent, rec, objects } = recorder();
  for (let i = 0; i < 30; i++) rec.event(podRef('x'), 'Normal', `Reason${i}`, 'something happened');
  t.is(sent.length, 25);
  // The bucket is per object.
  rec.event(podRef('y'), 'Normal', 'Reason0', 'something happened');
  t.is(sent.length, 26);
  clock.t += 150_000; // half a token
  rec.event(podRef('x'), 'Normal', 'Late', 'something happened');
  t.is(sent.length, 26);
  clock.t += 150_000;
  rec.event(podRef('x'), 'Normal', 'Later', 'something happened');
  rec.event(podRef('x'), 'Normal', 'Later still', 'something happened');
  t.is(sent.length, 27);
  t.is(objects()[26]!.reason, 'Later');
});

test('repeats the spam filter drops still count: the next one let through carries the full count', (t) => {
  const { clock, sent, rec, objects } = recorder();
  for (let i = 0; i < 30; i++) rec.event(podRef('x'), 'Warning', 'Unhealthy', 'Liveness probe failed: timeout');
  t.is(sent.length, 25);
  t.deepEqual(sent.map((m) => m.op), ['create', ...Array<string>(24).fill('update')]);
  clock.t += 300_000;
  rec.event(podRef('x'), 'Warning', 'Unhealthy', 'Liveness probe failed: timeout');
  t.is(objects().at(-1)!.count, 31);
});

test('more than ten messages of one reason within ten minutes are combined into one event', (t) => {
  const { sent, rec, objects } = recorder();
  for (let i = 0; i < 12; i++) rec.event(podRef('x'), 'Warning', 'Unhealthy', `Liveness probe failed: attempt ${i}`);
  const events = objects();
  t.is(events.filter((e) => !e.message.startsWith(COMBINED_PREFIX)).length, 9);
  const combined = events.filter((e) => e.message.startsWith(COMBINED_PREFIX));
  t.deepEqual(combined.map((e) => [e.message, e.count]), [
    [`${COMBINED_PREFIX}Liveness probe failed: attempt 9`, 1],
    [`${COMBINED_PREFIX}Liveness probe failed: attempt 10`, 2],
    [`${COMBINED_PREFIX}Liveness probe failed: attempt 11`, 3],
  ]);
  t.is(new Set(combined.map((e) => e.metadata.name)).size, 1);
  t.deepEqual(sent.slice(9).map((m) => m.op), ['create', 'update', 'update']);
});

test('the repeats of one event within one turn are one write, with the last count and message, sent once the turn is done', async (t) => {
  const { sent, raw, objects } = recorder();
  for (let i = 0; i < 20; i++) raw.event(podRef('rc'), 'Normal', 'SuccessfulCreate', `Created pod: web-${i}`);
  raw.event(podRef('other'), 'Normal', 'Scheduled', 'Successfully assigned default/other to minion-1');
  t.is(sent.length, 0);
  await Promise.resolve();
  // Nine events of their own, then the combined one: created once, with every repeat counted.
  t.deepEqual(sent.map((m) => m.op), Array<string>(11).fill('create'));
  const combined = objects().filter((e) => e.message.startsWith(COMBINED_PREFIX));
  t.deepEqual(combined.map((e) => [e.message, e.count]), [[`${COMBINED_PREFIX}Created pod: web-19`, 11]]);
  t.is(objects().at(-1)!.reason, 'Scheduled');
  // A repeat in a later turn updates what the first turn created.
  raw.event(podRef('rc'), 'Normal', 'SuccessfulCreate', 'Created pod: web-20');
  await Promise.resolve();
  t.like(sent.at(-1), { op: 'update', orCreate: true });
  t.like(objects().at(-1), { metadata: { name: combined[0]!.metadata.name }, count: 12 });
});

test('an event about a cluster-scoped object lives in the default namespace and is named after the object', (t) => {
  const { rec, objects } = recorder();
  rec.event({ kind: 'Node', name: 'minion-1', namespace: '', uid: 'minion-1', apiVersion: 'v1' }, 'Normal', 'Starting', 'Starting kubelet.');
  const [event] = objects();
  t.is(event!.metadata.namespace, 'default');
  t.regex(event!.metadata.name, /^minion-1\.[0-9a-f]{16}$/);
  t.like(event, { source: { component: 'kubelet', host: 'minion-1' }, type: 'Normal', count: 1 });
});

test('with the fake runtime the kubelets record no container events unless asked, as kwok\'s; the scheduler\'s are recorded', async (t) => {
  const cluster = await Cluster.start({ minions: 1, shards: 1 });
  t.teardown(() => cluster.stop());
  await cluster.client.create('pods', { id: 'quiet', kind: 'Pod', apiVersion: 'v1beta1', desiredState: { manifest: { version: 'v1beta1', id: 'quiet', containers: [{ name: 'c', image: 'busybox' }] } } });
  await cluster.client.waitFor('pods', { fields: 'metadata.name=quiet' }, ([p]) => p?.status.phase === 'Running');
  const [scheduled] = await cluster.client.waitFor('events', { fields: 'involvedObject.name=quiet' }, (es) => es.length > 0);
  t.is(scheduled!.reason, 'Scheduled');
  await new Promise((r) => setTimeout(r, 300));
  t.deepEqual((await cluster.client.list('events', { fields: 'involvedObject.name=quiet' })).map((e) => e.reason), ['Scheduled']);
});

// ---- the registry of events ------------------------------------------------------------------

test('events are kept in a registry of their own, which refuses events in a namespace that does not exist and empties a deleted namespace before it goes', async (t) => {
  const cluster = await Cluster.start({ minions: 0, shards: 2, api: true });
  t.teardown(() => cluster.stop());
  const url = cluster.url!;
  const event = (name: string, namespace: string) => ({
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name, namespace },
    involvedObject: { kind: 'Pod', name: 'p', namespace },
    reason: 'Tested',
    message: `event ${name}`,
    type: 'Normal',
  });
  t.is((await call(url, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } })).code, 201);
  const n = 200;
  for (let i = 0; i < n; i += 100) {
    const codes = await Promise.all(Array.from({ length: 100 }, (_, j) => call(url, 'POST', '/api/v1/namespaces/team/events', event(`e${i + j}`, 'team')).then((r) => r.code)));
    t.deepEqual(new Set(codes), new Set([201]));
  }
  const refused = await call(url, 'POST', '/api/v1/namespaces/nope/events', event('e', 'nope'));
  t.like(refused, { code: 404, body: { kind: 'Status', reason: 'NotFound', message: 'namespaces "nope" not found' } });

  // They are the registry of events' own, on a shard of their own.
  t.not(cluster.eventsRegistry.slot, cluster.registry.slot);

  // The namespace goes only once its events have: none is left the moment it is gone.
  const left = new Promise<number>((resolve) => {
    void cluster.client.watch('namespaces', {}, (type, ns) => {
      if (type === 'DELETED' && ns.metadata.name === 'team') resolve(countIn('team'));
    });
  });
  const countIn = async (namespace: string) => {
    const reply = await cluster.system.ask<{ ok: true; body: string }>(cluster.eventsRegistry, { op: 'list', resource: 'events', filter: { namespace }, version: 'internal' });
    return JSON.parse(reply.body).items.length as number;
  };
  t.is(await countIn('team'), n);
  t.is((await call(url, 'DELETE', '/api/v1/namespaces/team')).body.status.phase, 'Terminating');
  t.is(await left, 0);
  t.is((await call(url, 'GET', '/api/v1/namespaces/team')).code, 404);
});
