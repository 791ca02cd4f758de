import test from 'ava';
import * as k8s from '@kubernetes/client-node';
import { Cluster } from '../../src/cluster/cluster.js';

let cluster: Cluster;
let kc: k8s.KubeConfig;

test.before(async () => {
  cluster = await Cluster.start({ minions: 2, shards: 2, runtime: 'fake', api: true });
  kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'helmsman', server: cluster.url!, skipTLSVerify: true }],
    users: [{ name: 'nobody' }],
    contexts: [{ name: 'helmsman', cluster: 'helmsman', user: 'nobody', namespace: 'default' }],
    currentContext: 'helmsman',
  });
});
test.after.always(() => cluster?.stop());

const pod = (name: string, app: string): k8s.V1Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, labels: { app } },
  spec: { containers: [{ name: 'web', image: 'nginx', ports: [{ containerPort: 80 }] }] },
});

test.serial('@kubernetes/client-node creates pods and lists them by label selector', async (t) => {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const created = await core.createNamespacedPod({ namespace: 'default', body: pod('alpha', 'greek') });
  t.is(created.metadata?.name, 'alpha');
  t.truthy(created.metadata?.uid);
  await core.createNamespacedPod({ namespace: 'default', body: pod('one', 'numbers') });
  const greek = await core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=greek' });
  t.deepEqual(greek.items.map((p) => p.metadata?.name), ['alpha']);
  t.is(typeof greek.metadata?.resourceVersion, 'string');
});

test.serial('@kubernetes/client-node watches pods until they run', async (t) => {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const seen: string[] = [];
  const running = new Promise<void>((resolve, reject) => {
    void new k8s.Watch(kc)
      .watch('/api/v1/namespaces/default/pods', { labelSelector: 'app=watched' }, (type, obj: k8s.V1Pod) => {
        seen.push(`${type} ${obj.status?.phase ?? ''}`);
        if (obj.status?.phase === 'Running') resolve();
      }, (err) => err && reject(err))
      .then((req) => t.teardown(() => req.abort()));
  });
  await new Promise((r) => setTimeout(r, 200));
  await core.createNamespacedPod({ namespace: 'default', body: pod('watched', 'watched') });
  await running;
  t.is(seen[0], 'ADDED Pending');
  t.is(seen.at(-1), 'MODIFIED Running');
});

test.serial('@kubernetes/client-node scales a replication controller with a merge patch of its scale', async (t) => {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  await core.createNamespacedReplicationController({
    namespace: 'default',
    body: {
      apiVersion: 'v1',
      kind: 'ReplicationController',
      metadata: { name: 'frontend' },
      spec: { replicas: 1, selector: { app: 'frontend' }, template: { metadata: { labels: { app: 'frontend' } }, spec: pod('x', 'frontend').spec! } },
    },
  });
  const scale = await core.patchNamespacedReplicationControllerScale(
    { name: 'frontend', namespace: 'default', body: { spec: { replicas: 3 } } },
    k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
  );
  t.is(scale.spec?.replicas, 3);
  t.is(scale.status?.selector, 'app=frontend');
  await cluster.client.waitFor('pods', { labels: 'app=frontend' }, (pods) => pods.length === 3);
  const read = await core.readNamespacedReplicationControllerScale({ name: 'frontend', namespace: 'default' });
  t.is(read.spec?.replicas, 3);
});

test.serial('@kubernetes/client-node reading a missing pod gets a 404 NotFound Status', async (t) => {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const err = await t.throwsAsync(core.readNamespacedPod({ name: 'missing', namespace: 'default' }));
  const e = err as unknown as { code: number; body: string };
  t.is(e.code, 404);
  t.like(JSON.parse(e.body), { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', message: 'pods "missing" not found', code: 404, details: { name: 'missing', kind: 'pods' } });
});

test.serial('@kubernetes/client-node CoordinationV1Api creates, reads and renews a lease; a renewal from a stale read is a 409 Conflict', async (t) => {
  const coordination = kc.makeApiClient(k8s.CoordinationV1Api);
  const acquired = new k8s.V1MicroTime('2024-05-01T10:00:00.123Z');
  const created = await coordination.createNamespacedLease({
    namespace: 'kube-node-lease',
    body: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'lease-test' }, spec: { holderIdentity: 'lease-test', leaseDurationSeconds: 40, acquireTime: acquired, renewTime: acquired } },
  });
  t.like(created, { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'lease-test', namespace: 'kube-node-lease' }, spec: { holderIdentity: 'lease-test', leaseDurationSeconds: 40 } });
  const read = await coordination.readNamespacedLease({ name: 'lease-test', namespace: 'kube-node-lease' });
  // The client hands MicroTimes back as the strings the server sent.
  t.is(String(read.spec?.renewTime), '2024-05-01T10:00:00.123000Z');
  t.is(read.metadata?.resourceVersion, created.metadata?.resourceVersion);

  // A plain Date (milliseconds) is understood too.
  const renewed = await coordination.replaceNamespacedLease({
    name: 'lease-test',
    namespace: 'kube-node-lease',
    body: { ...read, spec: { ...read.spec, renewTime: new Date('2024-05-01T10:00:10.456Z') } },
  });
  t.is(String(renewed.spec?.renewTime), '2024-05-01T10:00:10.456000Z');
  t.not(renewed.metadata?.resourceVersion, read.metadata?.resourceVersion);

  const err = await t.throwsAsync(coordination.replaceNamespacedLease({ name: 'lease-test', namespace: 'kube-node-lease', body: { ...read, spec: { ...read.spec, holderIdentity: 'usurper' } } }));
  const e = err as unknown as { code: number; body: string };
  t.is(e.code, 409);
  t.like(JSON.parse(e.body), { kind: 'Status', reason: 'Conflict', details: { name: 'lease-test', group: 'coordination.k8s.io', kind: 'leases' } });
  t.is((await coordination.readNamespacedLease({ name: 'lease-test', namespace: 'kube-node-lease' })).spec?.holderIdentity, 'lease-test');
  const listed = await coordination.listLeaseForAllNamespaces();
  t.true(listed.items.some((l) => l.metadata?.name === 'lease-test' && l.metadata.namespace === 'kube-node-lease'));
});
